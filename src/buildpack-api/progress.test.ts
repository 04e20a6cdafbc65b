// ctx.progress: progress lines on the buildpack's stdout only when the platform asks (PAKETO_PROGRESS=1).
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeProgressLine, PROGRESS_ENV } from "../cnb/index.js";
import { defineBuildpack, pass, progressWriter } from "./index.js";
import { runBuild } from "./testing/index.js";

test("progressWriter: nothing unless asked; start and done always, progress at most every 100 ms per transfer, messages dropped", () => {
  const out: string[] = [];
  progressWriter({}, (s) => out.push(s))({ kind: "blob-start", op: "download", digest: "d", total: 1 });
  assert.equal(out.length, 0);

  let t = 1000;
  const p = progressWriter({ [PROGRESS_ENV]: "1" }, (s) => out.push(s), () => t);
  p({ kind: "blob-start", op: "download", digest: "a", total: 100 });
  p({ kind: "message", text: "metadata a" });
  p({ kind: "blob-progress", op: "download", digest: "a", done: 10, total: 100 });
  t += 50;
  p({ kind: "blob-progress", op: "download", digest: "a", done: 20, total: 100 });
  p({ kind: "blob-progress", op: "download", digest: "b", done: 5, total: 10 });
  t += 60;
  p({ kind: "blob-progress", op: "download", digest: "a", done: 30, total: 100 });
  p({ kind: "blob-done", op: "download", digest: "a", total: 100, result: "transferred" });
  const got = out.map((l) => {
    assert.ok(l.endsWith("\n"));
    const e = decodeProgressLine(l.slice(0, -1));
    assert.ok(e, l);
    return `${e.kind} ${e.digest}${e.kind === "blob-progress" ? ` ${e.done}` : ""}`;
  });
  assert.deepEqual(got, ["blob-start a", "blob-progress a 10", "blob-progress b 5", "blob-progress a 30", "blob-done a"]);
});

test("a buildpack's ctx.progress reaches its stdout as progress lines under PAKETO_PROGRESS=1, and nothing otherwise", async () => {
  const bp = defineBuildpack({
    detect: () => pass(),
    build: (ctx) => {
      ctx.logger.process("Fetching");
      ctx.progress({ kind: "blob-start", op: "download", digest: "sha512:x", total: 3, what: "thing@1" });
      ctx.progress({ kind: "blob-done", op: "download", digest: "sha512:x", total: 3, result: "transferred" });
      ctx.logger.subprocess("Fetched thing@1");
      return {};
    },
  });
  const asked = await runBuild(bp, { env: { [PROGRESS_ENV]: "1" } });
  assert.equal(asked.exitCode, 0, asked.stderr);
  assert.deepEqual(
    asked.stdout.trimEnd().split("\n").map((l) => decodeProgressLine(l)?.kind ?? l),
    ["  Fetching", "blob-start", "blob-done", "    Fetched thing@1"],
  );
  const plain = await runBuild(bp);
  assert.equal(plain.exitCode, 0, plain.stderr);
  assert.ok(!plain.stdout.split("\n").some((l) => decodeProgressLine(l)), plain.stdout);
  assert.match(plain.stdout, /Fetching\n {4}Fetched thing@1\n/);
});

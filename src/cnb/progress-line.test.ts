// Progress lines from a buildpack to the platform: what decodes, and that anything else stays a log line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeProgressLine, encodeProgressLine, type ProgressLine } from "./index.js";

const D = "sha512:abc";

test("every event kind survives encode and decode; an encoded event is one line", () => {
  const events: ProgressLine[] = [
    { kind: "blob-start", op: "download", digest: D, total: 0, what: "node@22.11.0" },
    { kind: "blob-progress", op: "download", digest: D, done: 512, total: 1024 },
    { kind: "blob-done", op: "download", digest: D, total: 1024, result: "transferred" },
    { kind: "blob-done", op: "upload", digest: D, total: 1, result: "exists" },
  ];
  for (const e of events) {
    const line = encodeProgressLine(e);
    assert.equal(line.indexOf("\n"), line.length - 1, line);
    assert.deepEqual(decodeProgressLine(line.slice(0, -1)), e);
  }
});

test("ordinary and malformed lines are not progress: they stay in the build log; labels are cut and rid of control characters", () => {
  const prefix = encodeProgressLine({ kind: "blob-done", op: "download", digest: D, total: 1, result: "exists" }).split("{")[0]!;
  for (const line of [
    "Installing node 22.11.0",
    `  ${prefix}{"kind":"blob-done","op":"download","digest":"d","total":1,"result":"exists"}`,
    `${prefix}not json`,
    `${prefix}null`,
    `${prefix}{"kind":"blob-start","op":"delete","digest":"d","total":1}`,
    `${prefix}{"kind":"blob-start","op":"download","digest":"d","total":-1}`,
    `${prefix}{"kind":"blob-progress","op":"download","digest":"d","total":1}`,
    `${prefix}{"kind":"blob-done","op":"download","digest":"d","total":1,"result":"maybe"}`,
    `${prefix}{"kind":"message","text":"hi"}`,
    `${prefix}{"kind":"blob-start","op":"download","digest":"${"d".repeat(201)}","total":1}`,
  ]) {
    assert.equal(decodeProgressLine(line), undefined, line);
  }
  // A long label is cut, not refused; unknown fields are dropped.
  const e = decodeProgressLine(`${prefix}{"kind":"blob-start","op":"download","digest":"d","total":1,"what":"${"w".repeat(300)}","x":1}`);
  assert.deepEqual(e, { kind: "blob-start", op: "download", digest: "d", total: 1, what: "w".repeat(200) });
  // Escape sequences from a buildpack never reach the platform's terminal.
  const esc = decodeProgressLine(`${prefix}${JSON.stringify({ kind: "blob-start", op: "download", digest: "d\u001b[2J", total: 1, what: "node\u001b]0;title\u0007@22\u009b" })}`);
  assert.deepEqual(esc, { kind: "blob-start", op: "download", digest: "d[2J", total: 1, what: "node]0;title@22" });
});

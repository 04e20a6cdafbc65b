import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { access, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { exists } from "../fs/index.js";
import { tempDir, writeTree } from "../testing/index.js";
import { trackReads } from "./reads.js";

function app() {
  const tmp = tempDir("paketo-reads-");
  writeTree(join(tmp.path, "app"), { "package.json": "{}", "server.js": "x", "sub/a.txt": "a" });
  writeTree(join(tmp.path, "bp"), { "buildpack.toml": "" });
  return { tmp, appDir: join(tmp.path, "app"), bp: join(tmp.path, "bp") };
}

test("records existence, metadata, listings and contents of app paths, each as what was asked", async (t) => {
  const { tmp, appDir, bp } = app();
  t.after(() => tmp.cleanup());
  const { value, reads } = await trackReads({ appDir, covered: [bp] }, async () => {
    const isFile = (await stat(join(appDir, "server.js"))).isFile();
    const size = (await stat(join(appDir, "package.json"))).size;
    await exists(join(appDir, "missing.txt"));
    await access(join(appDir, "sub")).catch(() => {});
    const names = await readdir(join(appDir, "sub"));
    const text = await readFile(join(appDir, "package.json"), "utf8");
    readFileSync(join(appDir, "sub/a.txt"));
    existsSync(join(appDir, "Procfile"));
    statSync(join(appDir, "sub")).isDirectory();
    await readFile(join(bp, "buildpack.toml")); // the buildpack's own files: keyed by the builder
    return { isFile, size, names, text };
  });
  assert.deepEqual(value, { isFile: true, size: 2, names: ["a.txt"], text: "{}" });
  assert.equal(reads.tracked, true);
  // The written form has each path and kind once (readFileSync opens through fs.openSync, say).
  const got = [...new Set(reads.tracked ? reads.reads.map((r) => `${r.kind} ${r.path}`) : [])].sort();
  assert.deepEqual(got, [
    "exists Procfile",
    "exists missing.txt",
    "exists package.json",
    "exists server.js",
    "exists sub",
    "list sub",
    "read package.json",
    "read sub/a.txt",
    "stat package.json",
  ]);
});

test("a path outside the app, a write, or a child process makes the record untracked", async (t) => {
  const { tmp, appDir, bp } = app();
  t.after(() => tmp.cleanup());
  const outside = await trackReads({ appDir, covered: [bp] }, async () => readFile("/etc/hostname").catch(() => ""));
  assert.deepEqual(outside.reads.tracked, false);
  assert.match(outside.reads.tracked ? "" : outside.reads.reason, /outside the app/);
  const wrote = await trackReads({ appDir, covered: [bp] }, async () => writeFile(join(appDir, "x"), "1"));
  assert.match(wrote.reads.tracked ? "" : wrote.reads.reason, /wrote/);
  const spawned = await trackReads({ appDir, covered: [bp] }, async () => execFileSync("true"));
  assert.match(spawned.reads.tracked ? "" : spawned.reads.reason, /process/);
  // Outside a tracked detect nothing is recorded and nothing changes.
  assert.equal(readFileSync(join(appDir, "x"), "utf8"), "1");
});

test("detects running at once in one process each get their own record", async (t) => {
  const { tmp, appDir, bp } = app();
  t.after(() => tmp.cleanup());
  const one = (file: string) =>
    trackReads({ appDir, covered: [bp] }, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return readFile(join(appDir, file), "utf8");
    });
  const [a, b] = await Promise.all([one("package.json"), one("server.js")]);
  assert.deepEqual(a.reads, { tracked: true, reads: [{ path: "package.json", kind: "read" }] });
  assert.deepEqual(b.reads, { tracked: true, reads: [{ path: "server.js", kind: "read" }] });
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HOST_TAG } from "../../fs/index.js";
import { tempDir } from "../../testing/index.js";
import { openWorkDir, sweepWorkDirs } from "./work-dir.js";

/** The pid of a process that has ended. */
function deadPid(): number {
  const r = spawnSync("true");
  assert.equal(r.status, 0);
  return r.pid as number;
}

test("a work folder is private, and so is the folder of work folders, whatever the umask and however it was made before", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const root = join(tmp.path, "work");
  mkdirSync(root, { mode: 0o755 });
  chmodSync(root, 0o755);
  const old = process.umask(0);
  try {
    const dir = await openWorkDir(root, "build");
    assert.equal(statSync(root).mode & 0o777, 0o700);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.match(dir, new RegExp(`/build-${HOST_TAG}\\.${process.pid}\\.[0-9a-f]{16}$`));
    assert.notEqual(await openWorkDir(root, "build"), dir);
  } finally {
    process.umask(old);
  }
});

test("stale work folders go: a dead build's and an old unowned one; a live build's, another host's and a recent unowned one stay", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const root = join(tmp.path, "work");
  const dead = join(root, `build-${HOST_TAG}.${deadPid()}.00aa11bb22cc33dd`);
  const deadBuilder = join(root, `builder-${HOST_TAG}.${deadPid()}.00aa11bb22cc33dd`);
  const live = join(root, `build-${HOST_TAG}.${process.pid}.00aa11bb22cc33dd`);
  const foreign = join(root, `build-${HOST_TAG === "00000000" ? "11111111" : "00000000"}.${deadPid()}.00aa11bb22cc33dd`);
  const oldUnowned = join(root, "build-Ab3xYz");
  const newUnowned = join(root, "build-Qr7sTu");
  const other = join(root, "notes");
  for (const d of [dead, deadBuilder, live, foreign, oldUnowned, newUnowned, other]) {
    mkdirSync(join(d, "platform/env"), { recursive: true });
    writeFileSync(join(d, "platform/env/TOKEN"), "secret");
  }
  // A buildpack's read-only folder (module caches often are) in the dead build's layers.
  mkdirSync(join(dead, "layers/go/mod"), { recursive: true });
  writeFileSync(join(dead, "layers/go/mod/a.go"), "package a");
  chmodSync(join(dead, "layers/go/mod"), 0o555);
  chmodSync(join(dead, "layers/go"), 0o555);
  const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
  utimesSync(oldUnowned, twoDaysAgo, twoDaysAgo);

  assert.equal(await sweepWorkDirs(root), 3);
  assert.deepEqual(readdirSync(root).sort(), [foreign, live, newUnowned, other].map((p) => p.slice(root.length + 1)).sort());
  // A new build sweeps too.
  const pid = deadPid();
  const again = join(root, `build-${HOST_TAG}.${pid}.0123456789abcdef`);
  mkdirSync(again);
  await openWorkDir(root, "build");
  assert.ok(!existsSync(again));
  assert.equal(await sweepWorkDirs(join(tmp.path, "none")), 0);
});

test("removeTree empties folders left without write permission", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dir = join(tmp.path, "tree");
  mkdirSync(join(dir, "a/b"), { recursive: true });
  writeFileSync(join(dir, "a/b/f"), "x");
  chmodSync(join(dir, "a/b"), 0o500);
  chmodSync(join(dir, "a"), 0o500);
  // Permission bits do not bind root: then it runs as nobody, over a tree nobody owns.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    spawnSync("chown", ["-R", "65534:65534", tmp.path]);
  }
  const script = `import(${JSON.stringify(fileURLToPath(new URL("./work-dir.js", import.meta.url)))}).then((m) => m.removeTree(${JSON.stringify(dir)})).then(() => console.log("removed"), (e) => console.log("failed", e.code))`;
  const cmd = asRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", process.execPath] : [process.execPath];
  const r = spawnSync(cmd[0] as string, [...cmd.slice(1), "-e", script], { encoding: "utf8" });
  assert.equal(r.stdout.trim(), "removed", r.stderr);
  assert.ok(!existsSync(dir));
});

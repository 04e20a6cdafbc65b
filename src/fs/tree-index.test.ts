import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../testing/index.js";
import { scanTree } from "./tree-index.js";

/** A clock a minute ahead: every file on disk counts as settled, so only inode state decides. */
const later = () => BigInt(Date.now() + 60_000) * 1_000_000n;

function app(root: string): string {
  mkdirSync(join(root, "src"), { recursive: true });
  writeFileSync(join(root, "server.js"), "console.log(1)\n");
  writeFileSync(join(root, "src/a.txt"), "aaaa");
  writeFileSync(join(root, "src/b.txt"), "bbbb");
  return root;
}

test("an unchanged tree is confirmed from its inode state alone; every kind of change is seen and rehashes only what changed", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const root = app(join(tmp.path, "app"));
  const indexPath = join(tmp.path, "index");
  const scan = () => scanTree(root, { indexPath, nowNs: later });
  const fresh = () => scanTree(root, { nowNs: later });

  const first = await scan();
  assert.equal(first.hashed, 3);
  const same = await scan();
  assert.deepEqual([same.hashed, same.reused, same.digest], [0, 3, first.digest]);

  // Same size, same mtime, other bytes: only ctime moved.
  const a = join(root, "src/a.txt");
  utimesSync(a, 1_700_000_000, 1_700_000_000);
  await scan();
  const before = statSync(a, { bigint: true });
  writeFileSync(a, "AAAA");
  utimesSync(a, 1_700_000_000, 1_700_000_000);
  const after = statSync(a, { bigint: true });
  assert.deepEqual([after.mtimeNs, after.size], [before.mtimeNs, before.size]);
  const edited = await scan();
  assert.notEqual(edited.digest, first.digest);
  assert.deepEqual([edited.hashed, edited.reused], [1, 2]);
  assert.equal(edited.digest, (await fresh()).digest);

  // Replaced by rename with a file of the same size and mtime.
  const b = join(root, "src/b.txt");
  utimesSync(b, 1_700_000_000, 1_700_000_000);
  await scan();
  writeFileSync(join(tmp.path, "new"), "BBBB");
  utimesSync(join(tmp.path, "new"), 1_700_000_000, 1_700_000_000);
  renameSync(join(tmp.path, "new"), b);
  const replaced = await scan();
  assert.notEqual(replaced.digest, edited.digest);
  assert.equal(replaced.hashed, 1);
  assert.equal(replaced.digest, (await fresh()).digest);

  // A mode change.
  chmodSync(join(root, "server.js"), 0o755);
  const chmodded = await scan();
  assert.notEqual(chmodded.digest, replaced.digest);
  assert.equal(chmodded.digest, (await fresh()).digest);

  // Added and removed files.
  writeFileSync(join(root, "src/c.txt"), "c");
  const added = await scan();
  assert.notEqual(added.digest, chmodded.digest);
  assert.equal(added.hashed, 1);
  rmSync(join(root, "src/c.txt"));
  const removed = await scan();
  assert.equal(removed.digest, chmodded.digest);
  assert.equal(removed.hashed, 0);
  rmSync(join(root, "src/b.txt"));
  assert.notEqual((await scan()).digest, chmodded.digest);
});

test("a file changed within the clock's tick of the scan is not trusted: the next scan reads it again", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const root = app(join(tmp.path, "app"));
  const indexPath = join(tmp.path, "index");
  // The real clock, right after writing: every file is too new to be trusted.
  const first = await scanTree(root, { indexPath });
  assert.ok(first.entries.filter((e) => e.kind === "f").every((e) => !e.trusted));
  const again = await scanTree(root, { indexPath });
  assert.equal(again.hashed, 3);
  assert.equal(again.digest, first.digest);
  // Once settled, trusted.
  const settled = await scanTree(root, { indexPath, nowNs: later });
  const last = await scanTree(root, { indexPath, nowNs: later });
  assert.equal(settled.hashed, 3);
  assert.deepEqual([last.hashed, last.reused], [0, 3]);
});

test("symlinks, folders and filters are part of the digest; a damaged index only costs hashing", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const root = app(join(tmp.path, "app"));
  const indexPath = join(tmp.path, "index");
  const base = await scanTree(root, { indexPath, nowNs: later });
  mkdirSync(join(root, "empty"));
  const withDir = await scanTree(root, { indexPath, nowNs: later });
  assert.notEqual(withDir.digest, base.digest);
  const keep = (rel: string) => rel !== "empty";
  assert.equal((await scanTree(root, { keep, nowNs: later })).digest, base.digest);
  writeFileSync(indexPath, "paketo-tree-index/1\nsrc/a.txt\0f\0garbage\n");
  const damaged = await scanTree(root, { indexPath, nowNs: later });
  assert.deepEqual([damaged.hashed, damaged.digest], [3, withDir.digest]);
});

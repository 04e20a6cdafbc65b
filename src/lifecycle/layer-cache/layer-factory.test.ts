import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { openLayerFactory } from "./index.js";
import { layerEntries, settle } from "../testing/build-fixture.js";

function fixture(t: { after(fn: () => void): void }) {
  const tmp = tempDir("paketo-factory-");
  t.after(tmp.cleanup);
  const src = writeTree(join(tmp.path, "src"), { "a.txt": "hello\n", "sub/b.txt": "world\n" });
  return { tmp: tmp.path, src, cache: join(tmp.path, "cache") };
}

test("unchanged files are taken from the content cache; a same-size rewrite with the old mtime is not", async (t) => {
  const { src, cache } = fixture(t);
  await settle();
  const f = openLayerFactory({ dir: cache, uid: 1000, gid: 1000 });
  const [a] = await f.build([await f.dirInput("x", src, "layers/bp/x")]);
  assert.equal(a?.from, "built");
  const [b] = await f.build([await f.dirInput("x", src, "layers/bp/x")]);
  assert.equal(b?.from, "cached");
  assert.equal(b?.digest, a?.digest);
  assert.equal(b?.layer.filePath?.(), a?.layer.filePath?.());

  // Same size, mtime put back: only the ctime tells, and it does.
  const file = join(src, "a.txt");
  const before = statSync(file);
  writeFileSync(file, "HELLO\n");
  utimesSync(file, before.atime, before.mtime);
  const [c] = await f.build([await f.dirInput("x", src, "layers/bp/x")]);
  assert.equal(c?.from, "built");
  assert.notEqual(c?.diffId, a?.diffId);
  const content = (await layerEntries(c?.layer as NonNullable<typeof c>["layer"])).find((e) => e.header.name.endsWith("a.txt"));
  assert.equal(content?.data.toString(), "HELLO\n");

  // Other owners or another place in the layer are other layers.
  const other = openLayerFactory({ dir: cache, uid: 0, gid: 0 });
  assert.equal((await other.build([await other.dirInput("x", src, "layers/bp/x")]))[0]?.from, "built");
  assert.equal((await f.build([await f.dirInput("x", src, "layers/bp/y")]))[0]?.from, "built");
  assert.deepEqual(f.stats, { built: 3, cached: 1 });
});

test("files changed too recently to be told apart from a later change are built but not remembered", async (t) => {
  const { src, cache } = fixture(t);
  const newest = Math.max(...readdirSync(src, { recursive: true }).map((n) => statSync(join(src, String(n))).ctimeMs));
  let slept = 0;
  // A clock stuck 10 ms after the last change: the window never passes.
  const clock = { nowMs: () => newest + 10, sleep: async (ms: number) => void (slept += ms) };
  const f = openLayerFactory({ dir: cache, uid: 1000, gid: 1000, clock, waitForBytes: 0 });
  assert.equal((await f.build([await f.dirInput("x", src, "x")]))[0]?.from, "built");
  assert.equal((await f.build([await f.dirInput("x", src, "x")]))[0]?.from, "built");
  assert.ok(slept > 0, "it waited for the window before giving up");
  assert.ok(!existsSync(join(cache, "keys")) || readdirSync(join(cache, "keys")).length === 0);

  // A clock that moves on while the factory waits: the files settle and are remembered.
  let now = newest + 10;
  const moving = { nowMs: () => now, sleep: async (ms: number) => void (now += ms) };
  const g = openLayerFactory({ dir: cache, uid: 1000, gid: 1000, clock: moving, waitForBytes: 0 });
  // Small layers are not worth the wait: built, not remembered.
  const h = openLayerFactory({ dir: cache, uid: 1000, gid: 1000, clock: { nowMs: () => newest + 10, sleep: async () => assert.fail("no wait") } });
  assert.equal((await h.build([await h.dirInput("x", src, "x")]))[0]?.from, "built");
  assert.equal((await g.build([await g.dirInput("x", src, "x")]))[0]?.from, "built");
  assert.equal((await g.build([await g.dirInput("x", src, "x")]))[0]?.from, "cached");
});

test("adopt: files extracted from a known layer are that layer; a blob the cache trim removed is a miss, never an error", async (t) => {
  const { tmp, src, cache } = fixture(t);
  const builder = openLayerFactory({ dir: join(tmp, "elsewhere"), uid: 1000, gid: 1000 });
  const [built] = await builder.build([await builder.dirInput("x", src, "x")]);
  assert.ok(built);
  const f = openLayerFactory({ dir: cache, uid: 1000, gid: 1000 });
  const path = await f.importBlob(built.layer);
  assert.equal(path, join(cache, "blobs", built.digest.slice("sha256:".length)));
  assert.equal(await f.adopt(await f.dirInput("x", src, "x"), { digest: built.digest, diffId: built.diffId, size: statSync(path).size, path }), true);
  const [hit] = await f.build([await f.dirInput("x", src, "x")]);
  assert.equal(hit?.from, "cached");
  assert.equal(hit?.digest, built.digest);

  // The cache trim removes files one by one (deps/cache-prune.ts): a key whose blob is gone is a
  // miss, and the layer is built again; the lookup marked the blob in use before looking at it.
  const used: string[] = [];
  const g = openLayerFactory({ dir: cache, uid: 1000, gid: 1000, use: async (p) => void used.push(p) });
  assert.equal((await g.build([await g.dirInput("x", src, "x")]))[0]?.from, "cached");
  assert.deepEqual(used, [path]);
  rmSync(path);
  assert.equal((await g.build([await g.dirInput("x", src, "x")]))[0]?.from, "built");
});

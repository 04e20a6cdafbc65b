// The machine-wide cache's budget: du, prune (LRU, age, all), leases across real processes, and
// what killed processes leave. Real files and real child processes; no fakes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, linkSync, mkdirSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir, writeTree } from "../testing/index.js";
import { HOST_TAG } from "../fs/index.js";
import { cacheLayout, cacheSize, parseDuration, parseSize, pruneCache, scanCache, trimCache } from "./index.js";

const INDEX = fileURLToPath(new URL("./index.js", import.meta.url));
const DAY = 86_400_000;

/** Sets a path's atime and mtime to `daysAgo` days ago. */
function age(path: string, daysAgo: number): void {
  const t = new Date(Date.now() - daysAgo * DAY);
  utimesSync(path, t, t);
}

function fixture(t: { after(fn: () => void): void }) {
  const tmp = tempDir("paketo-cache-");
  t.after(tmp.cleanup);
  const cache = cacheLayout(join(tmp.path, "cache"));
  const mib = Buffer.alloc(1 << 20, 7);
  // Three root filesystems (one folder each), layer blobs (files), a build cache, a memo.
  for (const [i, name] of ["base-a", "base-b", "top-c"].entries()) {
    writeTree(join(cache.rootfs, name), { "usr/bin/tool": mib, "etc/os-release": "x\n", ".paketo-rootfs": "k\n" });
    age(join(cache.rootfs, name), 30 - i * 10); // base-a oldest
  }
  writeTree(cache.layers, { "blobs/b1": mib, "blobs/b2": mib, "keys/k1.json": "{}" });
  age(join(cache.layers, "blobs/b1"), 5);
  age(join(cache.layers, "blobs/b2"), 1);
  writeTree(cache.buildCache("app:1"), { "oci-layout": '{"imageLayoutVersion":"1.0.0"}', "index.json": '{"schemaVersion":2,"manifests":[]}', "blobs/sha256/x": mib });
  age(cache.buildCache("app:1"), 3);
  writeTree(cache.npm, { "sha512/n1": mib });
  writeFileSync(cache.defaultBuilderMarker, "{}\n");
  return { tmp, cache, mib };
}

/** A pid that was running a moment ago and is not now. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

test("du: each part's entries and size; hard links once; what dead processes left is leftovers; foreign folders are named, not counted", async (t) => {
  const { cache } = fixture(t);
  // The same blob in the layer cache and a build cache: one file on disk.
  linkSync(join(cache.buildCache("app:1"), "blobs/sha256/x"), join(cache.layers, "blobs/b3"));
  mkdirSync(join(cache.rootfs, `.${HOST_TAG}.${deadPid()}.0123abcd.tmp`));
  mkdirSync(join(cache.root, "from-another-version"));
  const scan = await scanCache(cache);
  const part = (name: string) => scan.parts.find((p) => p.name === name);
  assert.equal(part("rootfs")?.entries, 3);
  assert.ok((part("rootfs")?.bytes ?? 0) >= 3 << 20);
  assert.equal(part("layers")?.entries, 4);
  assert.equal(part("defaultBuilderMarker")?.entries, 1);
  // 3 rootfs + 2 blobs + 1 build cache + 1 npm = 7 MiB of file data; b3 adds nothing.
  assert.ok(scan.bytes >= 7 << 20 && scan.bytes < (7 << 20) + (1 << 20), String(scan.bytes));
  assert.equal(scan.garbage.length, 1);
  assert.deepEqual(scan.other.map((o) => o.name), ["from-another-version"]);
  // The memoised size agrees with the full scan, and again after changes.
  assert.equal(await cacheSize(cache), scan.bytes);
  writeTree(cache.npm, { "sha512/n2": Buffer.alloc(3 << 20, 1) });
  writeTree(cache.rootfs, { "base-d/f": Buffer.alloc(2 << 20, 1) });
  const after = await scanCache(cache);
  assert.ok(after.bytes >= scan.bytes + (5 << 20));
  assert.equal(await cacheSize(cache), after.bytes);
});

test("prune --max-size removes whole entries least recently used first, and ends within the size", async (t) => {
  const { cache } = fixture(t);
  const before = await scanCache(cache);
  const r = await pruneCache(cache, { maxBytes: before.bytes - (2 << 20) });
  assert.ok(r.afterBytes <= before.bytes - (2 << 20));
  // base-a (30 days) and base-b (20 days) were the least recently used; the rest stays.
  assert.deepEqual(readdirSync(cache.rootfs).sort(), ["top-c"]);
  assert.ok(existsSync(join(cache.layers, "blobs/b2")));
  assert.ok(existsSync(cache.defaultBuilderMarker), "state files go with --all only");
  const scan = await scanCache(cache);
  assert.equal(scan.bytes, r.afterBytes);
});

test("prune --older-than removes what was not used for that long; --all removes everything, state files too", async (t) => {
  const { cache } = fixture(t);
  await pruneCache(cache, { olderThanMs: parseDuration("4d", "test") });
  // rootfs 30/20/10 days, b1 5 days: gone; b2 (1 day), the build cache (3 days), npm (now): kept.
  assert.deepEqual(readdirSync(cache.rootfs), []);
  assert.deepEqual(readdirSync(join(cache.layers, "blobs")), ["b2"]);
  assert.ok(existsSync(cache.buildCache("app:1")));
  const all = await pruneCache(cache, { all: true });
  assert.ok(all.removed >= 4);
  assert.equal((await scanCache(cache)).entries.length, 0);
  assert.equal(existsSync(cache.defaultBuilderMarker), false);
});

test("a lease held by another process keeps what it names (and what is under it) through prune --all; once that process is killed, it protects nothing", async (t) => {
  const { tmp, cache } = fixture(t);
  // Older than the child's lease (prune keeps whatever changed since the oldest live lease began).
  await new Promise((r) => setTimeout(r, 1200));
  const script = join(tmp.path, "holder.mjs");
  writeFileSync(
    script,
    `import { cacheLayout, openLease } from ${JSON.stringify(INDEX)};
const cache = cacheLayout(process.argv[2]);
const lease = await openLease(cache, "test holder");
await lease.use(cache.rootfs + "/base-a");
await lease.use(cache.npm);
process.stdout.write("ready\\n");
setInterval(() => {}, 1000);
`,
  );
  const child = spawn(process.execPath, [script, cache.root], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGKILL"));
  await new Promise<void>((done) => child.stdout.once("data", () => done()));
  const r = await pruneCache(cache, { all: true });
  assert.equal(r.liveProcesses, 1);
  assert.ok(r.inUseBytes >= 2 << 20, String(r.inUseBytes));
  assert.deepEqual(readdirSync(cache.rootfs), ["base-a"]);
  assert.ok(existsSync(join(cache.npm, "sha512/n1")));
  assert.equal(existsSync(join(cache.rootfs, "base-b")), false);
  // The lease touched what it uses: the least recently used is now something else.
  assert.ok(Date.now() - (await scanCache(cache)).entries.find((e) => e.path.endsWith("base-a"))!.lastUsedMs < DAY);

  child.kill("SIGKILL");
  await new Promise((done) => child.once("exit", done));
  const after = await pruneCache(cache, { all: true });
  assert.equal(after.liveProcesses, 0);
  assert.deepEqual(readdirSync(cache.rootfs), []);
  assert.deepEqual(readdirSync(cache.leases).filter((n) => n.endsWith(".lease")), [], "the dead process's lease is removed");
});

test("use() then look: an entry a process found after use() is not removed while it lives, even by a prune running at that moment", async (t) => {
  const { tmp, cache } = fixture(t);
  // Many old entries the prune removes first (least recently used), then the ones the child uses.
  const fillers = Array.from({ length: 1500 }, (_, i) => `base-f${i}`);
  const targets = Array.from({ length: 30 }, (_, i) => `base-t${i}`);
  for (const [list, days] of [[fillers, 50], [targets, 40]] as const) {
    for (const n of list) {
      mkdirSync(join(cache.rootfs, n));
      writeFileSync(join(cache.rootfs, n, "f"), "x");
      age(join(cache.rootfs, n), days);
    }
  }
  // Older than the child's lease (prune keeps whatever changed since the oldest live lease began).
  await new Promise((r) => setTimeout(r, 1200));
  // The child waits until the prune holds the cache lock (it is removing the fillers), then uses
  // the targets and reports those it found: they must survive.
  const script = join(tmp.path, "user.mjs");
  const lock = join(cache.leases, ".paketo", "lock");
  writeFileSync(
    script,
    `import { existsSync } from "node:fs";
import { cacheLayout, openLease } from ${JSON.stringify(INDEX)};
const cache = cacheLayout(process.argv[2]);
const lease = await openLease(cache, "test user");
process.stdout.write("ready\\n");
const deadline = Date.now() + 60000;
while (!existsSync(${JSON.stringify(lock)}) && Date.now() < deadline);
const sawLock = existsSync(${JSON.stringify(lock)});
const found = [];
for (const n of ${JSON.stringify(targets)}) {
  await lease.use(cache.rootfs + "/" + n);
  if (existsSync(cache.rootfs + "/" + n + "/f")) found.push(n);
}
process.stdout.write(JSON.stringify({ sawLock, found }) + "\\n");
setInterval(() => {}, 1000);
`,
  );
  const child = spawn(process.execPath, [script, cache.root], { stdio: ["ignore", "pipe", "inherit"] });
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  const lines = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => out.split("\n").length > n && resolve();
      child.stdout.on("data", (d) => ((out += d), check()));
      check();
    });
  await lines(1);
  const r = await pruneCache(cache, { all: true });
  await lines(2);
  const { sawLock, found } = JSON.parse(out.split("\n")[1] as string) as { sawLock: boolean; found: string[] };
  assert.ok(sawLock, "the child used its entries while the prune held the lock");
  assert.ok(r.removed >= fillers.length, String(r.removed));
  await pruneCache(cache, { all: true });
  for (const n of found) assert.ok(existsSync(join(cache.rootfs, n, "f")), `${n} was found after use() and then removed`);
  assert.deepEqual(readdirSync(cache.rootfs).sort(), [...found].sort());
});

test("work folders: named after their process; a killed build's folder is removed, a running one's never", async (t) => {
  const { cache } = fixture(t);
  // As platform/creator/work-dir.ts names them: `<kind>-<host>.<pid>.<random>`.
  const mine = join(cache.work, `build-${HOST_TAG}.${process.pid}.0123abcd`);
  mkdirSync(mine, { recursive: true });
  const dead = join(cache.work, `builder-${HOST_TAG}.${deadPid()}.0123abcd`);
  mkdirSync(dead);
  const legacyOld = join(cache.work, "build-AbC123");
  mkdirSync(legacyOld);
  age(legacyOld, 2);
  const legacyNew = join(cache.work, "build-XyZ789");
  mkdirSync(legacyNew);
  await pruneCache(cache, { all: true });
  assert.deepEqual(readdirSync(cache.work).sort(), [mine.slice(cache.work.length + 1), "build-XyZ789"].sort());
  assert.ok(existsSync(mine), "prune --all never removes a live process's work folder");
});

test("trim: nothing happens within budget; over it the cache goes down to 90% of the budget, oldest first", async (t) => {
  const { cache } = fixture(t);
  const size = (await scanCache(cache)).bytes;
  assert.equal(await trimCache(cache, size), undefined);
  const budget = size - (1 << 20);
  const r = await trimCache(cache, budget);
  assert.ok(r && r.afterBytes <= budget * 0.9, JSON.stringify(r));
  assert.equal(existsSync(join(cache.rootfs, "base-a")), false);
  assert.ok((await scanCache(cache)).bytes <= budget * 0.9);
});

test("a part that is a link to another cache's (as the benchmarks lay out) is neither counted nor pruned, nor what is nested under it", async (t) => {
  const { tmp, cache } = fixture(t);
  const other = cacheLayout(join(tmp.path, "machine"));
  writeTree(other.launcher, { "by-build-image/l1": Buffer.alloc(1 << 20, 3), "by-source-1": "x" });
  writeTree(other.debian, { "sha256/d1": Buffer.alloc(1 << 20, 4) });
  age(join(other.launcher, "by-build-image/l1"), 100);
  symlinkSync(other.launcher, cache.launcher);
  symlinkSync(other.debian, cache.debian);
  const scan = await scanCache(cache);
  const part = (name: string) => scan.parts.find((p) => p.name === name);
  for (const name of ["launcher", "launcherByBuildImage", "debian"]) {
    assert.equal(part(name)?.linked, true, name);
    assert.equal(part(name)?.entries, 0, name);
  }
  assert.equal(await cacheSize(cache), scan.bytes);
  await pruneCache(cache, { all: true });
  assert.ok(existsSync(join(other.launcher, "by-build-image/l1")));
  assert.ok(existsSync(join(other.debian, "sha256/d1")));
  assert.deepEqual(readdirSync(cache.rootfs), []);
});

test("sizes and durations parse strictly; a mistake names the setting", () => {
  assert.equal(parseSize("5G", "x"), 5 * 1024 ** 3);
  assert.equal(parseSize("1.5GiB", "x"), 1.5 * 1024 ** 3);
  assert.equal(parseSize("500M", "x"), 500 * 1024 ** 2);
  assert.equal(parseSize("512KB", "x"), 512 * 1024);
  assert.equal(parseSize("1048576", "x"), 1 << 20);
  assert.equal(parseDuration("12h", "x"), 12 * 3600_000);
  assert.equal(parseDuration("2w", "x"), 14 * DAY);
  for (const bad of ["5 gigs", "G", "-1G", "5GX", ""]) assert.throws(() => parseSize(bad, "PAKETO_CACHE_MAX"), /PAKETO_CACHE_MAX: .* is not a size/);
  assert.throws(() => parseDuration("7", "--older-than"), (e: Error & { code?: string; hint?: string }) => e.code === "CACHE_SETTING" && /--older-than/.test(e.message) && /7d/.test(e.hint ?? ""));
});

// Against the real Debian archive named by this machine's apt sources. Index files and .debs go
// to the shared cache (defaultCacheDir), so repeated runs download nothing but InRelease files.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, createReadStream, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { loadPackageIndex, type ArchiveOptions } from "./archive.js";
import { ContentCache, defaultCacheDir } from "./cache.js";
import { openDeb } from "./deb.js";
import { suitesOf } from "./index.js";
import { fetchPackages, lockPackages, packageUrl, type LockedPackage } from "./lock.js";
import type { PackageIndex } from "./package-index.js";
import { splitStanzas } from "./packages.js";
import { parseRelations } from "./relation.js";
import { resolve, type Resolution } from "./resolver.js";
import { mirrorsFromAptSources, readAptSources, type Mirrors } from "./sources.js";
import { serveDir } from "./testing.js";
import { satisfiesVersion } from "./version.js";

const cacheDir = defaultCacheDir(process.env);
const http = { fetch };
const offline = { fetch: (): Promise<Response> => Promise.reject(new Error("the network must not be used here")) };
let mirrors: Mirrors;
let index: PackageIndex;
let res: Resolution;
let lock: LockedPackage[];
const WANTED = ["ca-certificates", "libc6", "openssl", "tzdata", "zlib1g"];

function options(over: Partial<ArchiveOptions> = {}): ArchiveOptions {
  return { suites: suitesOf("trixie"), architecture: "amd64", mirrors, cacheDir, http, requireSignature: true, ...over };
}

before(async () => {
  mirrors = mirrorsFromAptSources(await readAptSources("/"));
  index = await loadPackageIndex(options());
  res = resolve(index, WANTED);
  lock = lockPackages(res.packages);
});

test("trixie amd64 (main, updates, security) loads signed and fast from a warm cache", async (t) => {
  const started = performance.now();
  const again = await loadPackageIndex(options());
  const ms = performance.now() - started;
  t.diagnostic(`warm load of ${again.size} package names: ${ms.toFixed(0)} ms (3 InRelease fetches + gpgv + split)`);
  assert.ok(again.size > 60_000, `${again.size} names`);
  assert.ok(ms < 5000, `warm load took ${ms.toFixed(0)} ms`);
  // the biggest index alone, from the cache: split under 2 s even on a busy machine
  const cache = new ContentCache(cacheDir);
  const head = (p: string) => {
    const fd = openSync(p, "r");
    const b = Buffer.alloc(9);
    readSync(fd, b, 0, 9, 0);
    closeSync(fd);
    return b.toString();
  };
  let biggest = "";
  let n = 0;
  for (const h of readdirSync(join(cacheDir, "sha256"))) {
    const p = cache.path(h);
    const size = statSync(p).size;
    if (size > n && !h.startsWith(".") && head(p) === "Package: ") [biggest, n] = [p, size];
  }
  const t0 = performance.now();
  const count = await splitStanzas(createReadStream(biggest, { highWaterMark: 1 << 20 }), () => {});
  const splitMs = performance.now() - t0;
  t.diagnostic(`split ${count} stanzas (${(n / 1e6).toFixed(1)} MB) in ${splitMs.toFixed(0)} ms`);
  assert.ok(count > 60_000 && splitMs < 2000, `${count} stanzas in ${splitMs.toFixed(0)} ms`);
});

test("the closure of ca-certificates libc6 openssl tzdata zlib1g matches trixie's real dependencies", (t) => {
  const started = performance.now();
  const r = resolve(index, WANTED);
  t.diagnostic(`resolved ${r.packages.length} packages in ${(performance.now() - started).toFixed(1)} ms: ${r.packages.map((p) => p.name).join(" ")}`);
  const names = r.packages.map((p) => p.name);
  for (const n of [...WANTED, "libgcc-s1", "gcc-14-base", "libssl3t64", "libzstd1", "openssl-provider-legacy", "debconf"]) {
    assert.ok(names.includes(n), `${n} in the closure`);
  }
  assert.ok(!names.includes("bash") && !names.includes("perl-base") && !names.includes("dash"), "nothing pulls a shell or perl in");
  assert.deepEqual(names, [...names].sort(), "sorted");
  assert.equal(r.requiredBy.get("libgcc-s1"), "libc6");
  assert.equal(r.requiredBy.get("gcc-14-base"), "libgcc-s1");
  assert.equal(r.requiredBy.get("libssl3t64"), "openssl");
  // every dependency of every selected package is met inside the closure
  const byName = new Map(r.packages.map((p) => [p.name, p]));
  for (const p of r.packages) {
    for (const g of [...parseRelations(p.preDepends), ...parseRelations(p.depends)]) {
      const ok = g.some((rel) => {
        const q = byName.get(rel.name);
        if (q && (!rel.op || satisfiesVersion(q.version, rel.op, rel.version!))) return true;
        return index.providers(rel.name).some((pr) => byName.get(pr.pkg.name) === pr.pkg);
      });
      assert.ok(ok, `${p.name}: ${g.map((x) => x.name).join(" | ")}`);
    }
  }
  for (const p of r.packages) assert.ok(p.architecture === "amd64" || p.architecture === "all");
  assert.deepEqual(resolve(index, [...WANTED].reverse()).packages.map((p) => p.name), names, "deterministic");
});

test("excluding debconf with onExcluded: skip records what was left out", () => {
  const r = resolve(index, ["tzdata", "ca-certificates"], { exclude: ["debconf", "cdebconf"], onExcluded: "skip" });
  assert.ok(!r.packages.some((p) => p.name === "debconf"));
  assert.ok(r.skipped.some((s) => s.requiredBy === "tzdata" && /debconf/.test(s.dependency)));
});

test("unknown names get near-name hints naming trixie", () => {
  assert.throws(() => resolve(index, ["opensssl"]), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, "DEBIAN_NOT_FOUND");
    assert.match(e.message, /^package "opensssl" not found in trixie, trixie-updates, trixie-security \(main, amd64\)$/);
    assert.match(e.hint ?? "", /"openssl"/);
    return true;
  });
  // a virtual name resolves to its provider: libssl3 is provided by libssl3t64 in trixie
  assert.deepEqual(resolve(index, ["libssl3"]).packages.map((p) => p.name).includes("libssl3t64"), true);
});

test("a small package downloads into an empty cache, verified; the cached file has the locked SHA-256", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const small = lock.find((p) => p.name === "gcc-14-base")!;
  const [got] = await fetchPackages([small], { cacheDir: c.path, mirrors, http });
  assert.equal(got?.downloaded, true);
  assert.equal(got?.url, packageUrl(mirrors, small));
  assert.equal(createHash("sha256").update(readFileSync(got!.path)).digest("hex"), small.sha256);
});

test("tzdata and ca-certificates unpack with the expected files; status entries are scanner-ready", async () => {
  const got = await fetchPackages(lock, { cacheDir, mirrors, http });
  const path = (n: string) => got.find((g) => g.pkg.name === n)!.path;
  const tz = await openDeb(path("tzdata"));
  const entries = new Map<string, { type: string; linkname?: string; head?: string }>();
  await tz.unpackData(async (e, body) => {
    let head: string | undefined;
    if (e.path === "usr/share/zoneinfo/Etc/UTC") for await (const c of body) head ??= (c as Buffer).subarray(0, 4).toString();
    entries.set(e.path, { type: e.type, ...(e.linkname ? { linkname: e.linkname } : {}), ...(head ? { head } : {}) });
  });
  assert.ok(entries.has("usr/share/zoneinfo/UTC"), "usr/share/zoneinfo/UTC");
  assert.equal(entries.get("usr/share/zoneinfo/Etc/UTC")?.head, "TZif");
  const ctl = await tz.readControl();
  assert.equal(ctl.fields.get("Package"), "tzdata");
  assert.ok(ctl.scripts.includes("postinst"));
  assert.match(ctl.md5sums, /usr\/share\/zoneinfo\//);

  const ca = await openDeb(path("ca-certificates"));
  const caPaths: string[] = [];
  await ca.unpackData((e) => void caPaths.push(e.path));
  assert.ok(caPaths.includes("etc/ssl/certs"), "etc/ssl/certs");
  assert.ok(caPaths.some((p) => p.startsWith("usr/share/ca-certificates/mozilla/") && p.endsWith(".crt")));
  const { statusFiles } = await import("./status.js");
  const files = statusFiles(await ca.readControl());
  assert.equal(files[0]?.path, "var/lib/dpkg/status.d/ca-certificates");
  assert.match(files[0]!.content, /^Package: ca-certificates\nStatus: install ok installed\n/);
  assert.match(files[0]!.content, /^Version: 20\d+/m);
  assert.equal(files[1]?.path, "var/lib/dpkg/status.d/ca-certificates.md5sums");
});

test("warm cache + lock: everything comes from the cache with a fetch that throws", async () => {
  await fetchPackages(lock, { cacheDir, mirrors, http });
  const got = await fetchPackages(lock, { cacheDir, mirrors, http: offline });
  assert.equal(got.length, lock.length);
  assert.ok(got.every((g) => !g.downloaded));
});

test("the real InRelease, altered by one field, fails the real archive key check", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const real = Buffer.from(await (await fetch(`${mirrors.archive}/dists/trixie/InRelease`)).arrayBuffer()).toString();
  const server = await serveDir(d.path);
  t.after(() => server.close());
  server.override.set("/dists/trixie/InRelease", Buffer.from(real.replace(/^Version: (\S+)$/m, "Version: 99")));
  await assert.rejects(
    loadPackageIndex(options({ suites: ["trixie"], mirrors: { archive: server.url } })),
    (e: Error & { code?: string }) => e.code === "DEBIAN_SIGNATURE" && e.message.includes(`${server.url}/dists/trixie/InRelease`),
  );
});

test("a real .deb with one byte changed, served by a local mirror, is refused and not cached", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const zlib = lock.find((p) => p.name === "zlib1g")!;
  const [good] = await fetchPackages([zlib], { cacheDir, mirrors, http });
  const bad = readFileSync(good!.path);
  bad[Math.floor(bad.length / 2)] = bad[Math.floor(bad.length / 2)]! ^ 0x20;
  const server = await serveDir(d.path);
  t.after(() => server.close());
  server.override.set(`/${zlib.filename}`, bad);
  const c = tempDir();
  t.after(c.cleanup);
  await assert.rejects(fetchPackages([zlib], { cacheDir: c.path, mirrors: { archive: server.url }, http }), (e: Error & { code?: string }) => {
    assert.equal(e.code, "DEBIAN_INTEGRITY");
    assert.ok(e.message.startsWith(`zlib1g ${zlib.version} (${server.url}/${zlib.filename})`), e.message);
    return true;
  });
  assert.deepEqual(readdirSync(join(c.path, "sha256")), []);
});

test("arm64: the same suites resolve to arm64 packages", async () => {
  const arm = await loadPackageIndex(options({ architecture: "arm64", suites: ["trixie"] }));
  const r = resolve(arm, ["libc6", "zlib1g"]);
  assert.ok(r.packages.every((p) => p.architecture === "arm64" || p.architecture === "all"));
  assert.ok(r.packages.find((p) => p.name === "libc6")?.filename.endsWith("_arm64.deb"));
});

// The index loader and downloader against a small archive served on 127.0.0.1, signed with a key
// made by gpg for the test and checked by the real gpgv.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { ProgressEvent } from "../../oci/index.js";
import { tempDir } from "../../testing/index.js";
import { fetchRelease, fetchReleases, loadPackageIndex, type ArchiveOptions } from "./archive.js";
import { openDeb } from "./deb.js";
import { fetchPackages, lockPackages } from "./lock.js";
import { resolve } from "./resolver.js";
import { gpgvVerifier, type SignatureVerifier } from "./signature.js";
import { closedPort, makeDeb, makeKey, serveDir, writeSuite, type ArchivePackage, type TestKey, type TestServer } from "./testing.js";

const work = tempDir("paketo-deb-archive-");
let server: TestServer;
let key: TestKey;
let verifier: SignatureVerifier;

async function archivePackage(name: string, version: string, depends?: string): Promise<ArchivePackage> {
  const deb = makeDeb(work.path, { name, version, ...(depends ? { depends } : {}), files: { [`usr/share/${name}/README`]: `${name} ${version}\n` } });
  const p = join(work.path, `${name}_${version}.deb`);
  const control = (await (await openDeb(p)).readControl()).control;
  return { deb, control, filename: `pool/main/${name[0]}/${name}/${name}_${version}_amd64.deb` };
}

before(async () => {
  key = makeKey(work.path);
  const v = await gpgvVerifier([key.keyring]);
  assert.ok(!("unavailable" in v), "gpgv is needed");
  verifier = v;
  const root = join(work.path, "mirror");
  const pkgs = [await archivePackage("app", "1.0-1", "lib (>= 1), base-files"), await archivePackage("lib", "1.2-1"), await archivePackage("base-files", "13")];
  const newer = [await archivePackage("lib", "1.2-1+sec1")];
  for (let i = 0; i < 8; i++) pkgs.push(await archivePackage(`extra${i}`, "1"));
  writeSuite(root, { suite: "stable13", packages: pkgs, key, byHash: true });
  writeSuite(root, { suite: "stable13-security", packages: newer, key });
  writeSuite(root, { suite: "detached13", packages: pkgs, key, detached: true, compression: "gz" });
  writeSuite(root, { suite: "expired13", packages: pkgs, key, validUntil: new Date(Date.now() - 86400_000) });
  writeSuite(root, { suite: "unsigned13", packages: pkgs, detached: true });
  server = await serveDir(root);
});

after(async () => {
  await server?.close();
  work.cleanup();
});

function options(cacheDir: string, over: Partial<ArchiveOptions> = {}): ArchiveOptions {
  return {
    suites: ["stable13"],
    architecture: "amd64",
    mirrors: { archive: server.url, security: server.url },
    cacheDir,
    http: { fetch, retryDelayMs: 5 },
    verifier,
    ...over,
  };
}

const cachedFiles = (dir: string) => {
  try {
    return readdirSync(join(dir, "sha256"));
  } catch {
    return [];
  }
};

test("signed InRelease, by-hash Packages.xz, merged security suite, resolve, download, then a warm cache", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const opts = options(c.path, { suites: ["stable13", "stable13-security"] });
  const index = await loadPackageIndex(opts);
  assert.ok(server.requests.some((r) => r.startsWith("/dists/stable13/main/binary-amd64/by-hash/SHA256/")));
  const r = resolve(index, ["app"]);
  assert.deepEqual(r.packages.map((p) => `${p.name}=${p.version}@${p.suite}`), ["app=1.0-1@stable13", "base-files=13@stable13", "lib=1.2-1+sec1@stable13-security"]);
  const events: ProgressEvent[] = [];
  const got = await fetchPackages(lockPackages(r.packages), { cacheDir: c.path, mirrors: opts.mirrors, http: opts.http, onProgress: (e) => events.push(e) });
  assert.deepEqual(got.map((g) => g.downloaded), [true, true, true]);
  assert.equal(got[2]?.url, `${server.url}/pool/main/l/lib/lib_1.2-1+sec1_amd64.deb`);
  assert.ok(events.some((e) => e.kind === "blob-start" && e.op === "download" && e.what === "lib 1.2-1+sec1"));
  assert.equal(events.filter((e) => e.kind === "blob-done" && e.result === "transferred").length, 3);

  const before = server.requests.length;
  const again = await loadPackageIndex(opts);
  const fresh = server.requests.slice(before);
  assert.deepEqual(fresh.sort(), ["/dists/stable13-security/InRelease", "/dists/stable13/InRelease"], "a warm load fetches only the InRelease files");
  assert.equal(again.candidate("lib")?.version, "1.2-1+sec1");
  const second = await fetchPackages(lockPackages(r.packages), { cacheDir: c.path, mirrors: opts.mirrors, http: opts.http });
  assert.deepEqual(second.map((g) => g.downloaded), [false, false, false]);
});

test("Release + Release.gpg (no InRelease) with Packages.gz is verified the detached way", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const index = await loadPackageIndex(options(c.path, { suites: ["detached13"] }));
  assert.ok(server.requests.includes("/dists/detached13/Release.gpg"));
  assert.equal(index.candidate("app")?.version, "1.0-1");
});

test("a modified InRelease, or one signed by a key outside the keyring, is refused", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const signed = readFileSync(join(work.path, "mirror/dists/stable13/InRelease"), "utf8");
  server.override.set("/dists/stable13/InRelease", Buffer.from(signed.replace("Origin: Test", "Origin: Evil")));
  t.after(() => server.override.delete("/dists/stable13/InRelease"));
  await assert.rejects(fetchRelease("stable13", options(c.path)), (e: Error & { code?: string }) => {
    assert.equal(e.code, "DEBIAN_SIGNATURE");
    assert.match(e.message, new RegExp(`signature of ${server.url}/dists/stable13/InRelease does not verify: BAD signature`));
    return true;
  });
  server.override.delete("/dists/stable13/InRelease");
  const debianOnly = await gpgvVerifier();
  assert.ok(!("unavailable" in debianOnly));
  await assert.rejects(fetchRelease("stable13", options(c.path, { verifier: debianOnly })), (e: Error & { code?: string }) => e.code === "DEBIAN_SIGNATURE");
});

test("without gpgv or a keyring: a warning through the logger, or an error with requireSignature", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const warnings: string[] = [];
  const unavailable = { unavailable: "gpgv is not installed (install gpgv)" };
  const r = await fetchRelease("stable13", options(c.path, { verifier: unavailable, logger: { warn: (m) => warnings.push(m) } }));
  assert.equal(r.verified, false);
  assert.equal(r.release.codename, "stable13");
  assert.match(warnings[0] ?? "", /NOT verifying the signature of .*\/dists\/stable13\/InRelease: gpgv is not installed/);
  await assert.rejects(fetchRelease("stable13", options(c.path, { verifier: unavailable, requireSignature: true })), /cannot check the OpenPGP signature .*gpgv is not installed/);
  const missing = await gpgvVerifier([join(c.path, "nope.gpg")]);
  assert.ok("unavailable" in missing && /nope\.gpg does not exist/.test(missing.unavailable));
  await assert.rejects(fetchRelease("unsigned13", options(c.path, { requireSignature: true })), /the mirror has no Release\.gpg/);
});

test("an expired Release (Valid-Until in the past) is refused", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  await assert.rejects(loadPackageIndex(options(c.path, { suites: ["expired13"] })), /expired on .*refusing a stale index/);
});

test("a Packages index that does not match the signed Release is refused and not cached", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const opts = options(c.path, { suites: ["detached13"] });
  const path = "/dists/detached13/main/binary-amd64/Packages.gz";
  const real = readFileSync(join(work.path, "mirror", path));
  const bad = Buffer.from(real);
  bad[bad.length - 5] = bad[bad.length - 5]! ^ 0xff;
  server.override.set(path, bad);
  t.after(() => server.override.delete(path));
  await assert.rejects(loadPackageIndex(opts), (e: Error & { code?: string }) => e.code === "DEBIAN_INTEGRITY" && e.message.includes(`${server.url}${path}`));
  assert.deepEqual(cachedFiles(c.path), []);
});

test("a tampered .deb is refused naming the package and URL, and nothing lands in the cache", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const opts = options(c.path);
  const lock = lockPackages(resolve(await loadPackageIndex(opts), ["lib"]).packages);
  const before = cachedFiles(c.path);
  const path = `/${lock[0]!.filename}`;
  const bad = readFileSync(join(work.path, "mirror", path));
  bad[bad.length - 10] = bad[bad.length - 10]! ^ 0x01;
  server.override.set(path, bad);
  t.after(() => server.override.delete(path));
  await assert.rejects(fetchPackages(lock, { cacheDir: c.path, mirrors: opts.mirrors, http: opts.http }), (e: Error & { code?: string }) => {
    assert.equal(e.code, "DEBIAN_INTEGRITY");
    assert.match(e.message, /^lib 1\.2-1 \(http:\/\/127\.0\.0\.1:\d+\/pool\/main\/l\/lib\/lib_1\.2-1_amd64\.deb\): content has digest sha256:/);
    return true;
  });
  assert.deepEqual(cachedFiles(c.path), before, "no .deb and no temporary file left");
});

test("an unreachable mirror is one clear error naming the URL", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const port = await closedPort();
  const mirror = `http://127.0.0.1:${port}`;
  const started = Date.now();
  await assert.rejects(loadPackageIndex(options(c.path, { mirrors: { archive: mirror } })), (e: Error & { code?: string; hint?: string }) => {
    assert.equal(e.code, "DEBIAN_UNREACHABLE");
    assert.match(e.message, new RegExp(`^cannot reach ${mirror}/dists/stable13/InRelease: .*ECONNREFUSED`));
    assert.match(e.hint ?? "", /mirror/);
    return true;
  });
  assert.ok(Date.now() - started < 2000, "a refused connection is not retried");
  await assert.rejects(
    fetchPackages([{ name: "x", version: "1", architecture: "amd64", filename: "pool/x.deb", sha256: "b".repeat(64), size: 1, suite: "stable13" }], {
      cacheDir: c.path,
      mirrors: { archive: mirror },
      http: { fetch },
    }),
    new RegExp(`cannot reach ${mirror}/pool/x\\.deb`),
  );
});

test("transient failures are retried; downloads run at most `concurrency` at a time", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const opts = options(c.path);
  const index = await loadPackageIndex(opts);
  const lock = lockPackages(resolve(index, ["app", ...Array.from({ length: 8 }, (_, i) => `extra${i}`)]).packages);
  assert.equal(lock.length, 11);
  server.resetOnce.add(`/${lock[0]!.filename}`);
  const seen = server.requests.length;
  server.delayMs = 30;
  t.after(() => (server.delayMs = 0));
  const got = await fetchPackages(lock, { cacheDir: c.path, mirrors: opts.mirrors, http: opts.http, concurrency: 3 });
  assert.equal(got.length, 11);
  assert.ok(server.maxInFlight <= 3, `at most 3 in flight, saw ${server.maxInFlight}`);
  assert.equal(server.requests.slice(seen).filter((r) => r === `/${lock[0]!.filename}`).length, 2, "reset once, then retried");
});

test("a lock with every .deb cached needs no network at all; a missing one is named", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const opts = options(c.path);
  const lock = lockPackages(resolve(await loadPackageIndex(opts), ["app"]).packages);
  await fetchPackages(lock, { cacheDir: c.path, mirrors: opts.mirrors, http: opts.http });
  const offline = { fetch: () => Promise.reject(new Error("no network in this test")) };
  const got = await fetchPackages(lock, { cacheDir: c.path, mirrors: opts.mirrors, http: offline });
  assert.deepEqual(got.map((g) => g.pkg.name), ["app", "base-files", "lib"]);
  assert.equal((await (await openDeb(got[0]!.path)).readControl()).fields.get("Package"), "app");
  const extra = { ...lock[0]!, name: "ghost", version: "9", sha256: "c".repeat(64) };
  await assert.rejects(fetchPackages([...lock, extra], { cacheDir: c.path, offline: true }), (e: Error & { code?: string }) => e.code === "DEBIAN_OFFLINE" && /1 package\(s\) not in the cache .*: ghost=9/.test(e.message));
});

test("the release cache keeps the verifier's verdict on the same bytes while fresh, for a verifier of the same identity", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  let checks = 0;
  const counting: SignatureVerifier = {
    clearsigned: (doc, what) => (checks++, verifier.clearsigned(doc, what)),
    detached: (data, sig, what) => (checks++, verifier.detached(data, sig, what)),
    identity: () => (verifier.identity as () => Promise<string>)(),
  };
  const opts = options(c.path, { suites: ["stable13", "stable13-security"], releaseMaxAgeMs: 60_000, verifier: counting });
  const first = await fetchReleases(opts);
  assert.equal(checks, 2, "fetched and verified");
  const again = await fetchReleases(opts);
  assert.equal(checks, 2, "fresh, same bytes, same keyring: the verdict stands");
  assert.deepEqual(again.map((r) => [r.id, r.verified]), first.map((r) => [r.id, true]), "the same signed text");
  // Another keyring (its time changed): verified again, and that verdict is kept in turn.
  const when = new Date(Date.now() + 5000);
  utimesSync(key.keyring, when, when);
  await fetchReleases(opts);
  assert.equal(checks, 4, "the keyring changed");
  await fetchReleases(opts);
  assert.equal(checks, 4);
  // A verifier without an identity: every use is verified.
  const plain: SignatureVerifier = { clearsigned: counting.clearsigned, detached: counting.detached };
  await fetchReleases({ ...opts, verifier: plain });
  assert.equal(checks, 6);
  // Stale: the mirror is asked and the bytes verified again.
  await fetchReleases({ ...opts, releaseMaxAgeMs: 0 });
  assert.equal(checks, 8);
});

test("the release cache: no request while fresh, a 304 once stale, cached bytes verified on use, offline from the cache", async (t) => {
  const c = tempDir();
  t.after(c.cleanup);
  const opts = options(c.path, { suites: ["stable13", "stable13-security"], releaseMaxAgeMs: 60_000 });
  const inRelease = (n: number) => server.requests.slice(n).filter((r) => r.endsWith("/InRelease"));
  let n = server.requests.length;
  const first = await loadPackageIndex(opts);
  assert.equal(inRelease(n).length, 2);
  n = server.requests.length;
  const releases = await fetchReleases(opts);
  assert.deepEqual(server.requests.slice(n), [], "fresh: nothing asked");
  assert.deepEqual(releases.map((r) => r.verified), [true, true]);
  assert.equal((await loadPackageIndex(opts, releases)).candidate("lib")?.version, first.candidate("lib")?.version);
  assert.deepEqual(server.requests.slice(n), [], "a warm index load with releases given asks nothing");

  // Stale: revalidated; the mirror answers 304 and the same identity comes back.
  const stale = await fetchReleases({ ...opts, releaseMaxAgeMs: 0 });
  assert.equal(inRelease(n).length, 2);
  assert.deepEqual(stale.map((r) => r.id), releases.map((r) => r.id));

  // Offline: the cached copy whatever its age; a suite never fetched is named.
  n = server.requests.length;
  const broken = { fetch: () => Promise.reject(new Error("no network in this test")) };
  assert.equal((await loadPackageIndex({ ...opts, http: broken, offline: true })).candidate("app")?.version, "1.0-1");
  assert.deepEqual(server.requests.slice(n), []);
  await assert.rejects(fetchReleases({ ...opts, suites: ["detached13"], http: broken, offline: true }), (e: Error & { code?: string }) => e.code === "DEBIAN_OFFLINE" && /detached13/.test(e.message));

  // A cached copy changed on disk no longer verifies.
  const dir = join(c.path, "release");
  for (const f of readdirSync(dir)) {
    const rec = JSON.parse(readFileSync(join(dir, f), "utf8")) as { inRelease: string };
    rec.inRelease = Buffer.from(Buffer.from(rec.inRelease, "base64").toString("utf8").replace("Origin: Test", "Origin: Evil")).toString("base64");
    writeFileSync(join(dir, f), JSON.stringify(rec));
  }
  await assert.rejects(fetchReleases(opts), (e: Error & { code?: string }) => e.code === "DEBIAN_SIGNATURE");
});

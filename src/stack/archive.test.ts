// A whole stack from a small signed archive served on 127.0.0.1: the create flow end to end in
// seconds, and each failure the issue names (unknown package, unreachable mirror, bad signature,
// bad hash, a locked file gone) as one clear error. Real .debs (dpkg-deb), real gpg and gpgv.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { debian } from "../deps/index.js";
import { closedPort, makeDeb, makeKey, serveDir, writeSuite, type ArchivePackage, type TestServer } from "../deps/debian/testing.js";
import { extract, type Image } from "../oci/index.js";
import { tempDir } from "../testing/index.js";
import { createStack, type CreateStackOptions } from "./create.js";
import { formatLock, readLockFile, writeLockFile } from "./lockfile.js";
import { parseStackFile, type StackDefinition } from "./stack-file.js";

const work = tempDir("paketo-stack-archive-");
let server: TestServer;
let verifier: debian.SignatureVerifier;
let otherVerifier: debian.SignatureVerifier;
const files = new Map<string, string>(); // package name → pool path

const STACK = `
id = "io.example.stacks.fake"
name = "fake"
maintainer = "tests"
homepage = "https://example.invalid/"
[distro]
name = "debian"
version = "13"
codename = "fake"
suites = ["fake13"]
architectures = ["amd64"]
[user]
name = "cnb"
group = "cnb"
home = "/home/cnb"
build = { uid = 1001, gid = 1000 }
run = { uid = 1002, gid = 1000 }
[paths]
exclude = ["/usr/share/doc/**"]
keep = ["/usr/share/doc/*/copyright"]
[flavors.base]
base-id = "fake.base"
description = "base"
packages = ["base-files", "dash"]
[flavors.tiny]
base-id = "fake.tiny"
description = "tiny"
packages = ["base-files", "libc6"]
[flavors.build]
base-id = "fake.build"
description = "build"
packages = ["gcc"]
[[alternatives]]
name = "cc"
link = "/usr/bin/cc"
path = "/usr/bin/gcc"
priority = 20
`;

async function pkg(name: string, version: string, depends: string | undefined, content: Record<string, string>): Promise<ArchivePackage> {
  const deb = makeDeb(work.path, { name, version, ...(depends ? { depends } : {}), files: content });
  const control = (await (await debian.openDeb(join(work.path, `${name}_${version}.deb`))).readControl()).control;
  const filename = `pool/main/${name[0]}/${name}/${name}_${version}_amd64.deb`;
  files.set(name, filename);
  return { deb, control, filename };
}

before(async () => {
  const key = makeKey(join(work.path, "k1"));
  const other = makeKey(join(work.path, "k2"));
  const v = await debian.gpgvVerifier([key.keyring]);
  const o = await debian.gpgvVerifier([other.keyring]);
  assert.ok(!("unavailable" in v) && !("unavailable" in o), "gpgv is needed");
  verifier = v;
  otherVerifier = o;
  const packages = [
    await pkg("base-files", "13.8", undefined, { "etc/debian_version": "13.8\n", "usr/share/doc/base-files/copyright": "(c)\n", "usr/share/doc/base-files/README": "doc\n" }),
    await pkg("libc6", "2.41-1", undefined, { "usr/lib/x86_64-linux-gnu/libc.so.6": "libc\n" }),
    await pkg("dash", "0.5.12-1", "libc6", { "usr/bin/dash": "#!dash\n" }),
    await pkg("gcc", "14.2-1", "libc6, dash", { "usr/bin/gcc": "#!gcc\n" }),
  ];
  writeSuite(join(work.path, "mirror"), { suite: "fake13", packages, key });
  server = await serveDir(join(work.path, "mirror"));
});

after(async () => {
  await server?.close();
  work.cleanup();
});

let n = 0;
function options(over: Partial<CreateStackOptions> & { stackText?: string } = {}): CreateStackOptions {
  const dir = join(work.path, `run${n++}`);
  const { stackText, ...rest } = over;
  const def: StackDefinition = parseStackFile(stackText ?? STACK, "fake.toml");
  return {
    def,
    lockPath: join(dir, "fake.lock.toml"),
    arch: "amd64",
    mirrors: { archive: server.url, security: server.url },
    http: { fetch, retryDelayMs: 5, retries: 1 },
    debCacheDir: join(dir, "debs"),
    layerCacheDir: join(dir, "layers"),
    verifier,
    requireSignature: true,
    ...rest,
  };
}

async function digests(images: Partial<Record<string, Image>>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [f, img] of Object.entries(images)) out[f] = await (img as Image).digest();
  return out;
}

test("from a signed archive: resolve, lock, three images; then the same digests from the lock with the network off", async () => {
  const first = options();
  const a = await createStack({ ...first, update: true });
  assert.equal(a.resolved, true);
  assert.deepEqual(a.packages.base.map((p) => p.name), ["base-files", "dash", "libc6"]);
  assert.deepEqual(a.packages.tiny.map((p) => p.name), ["base-files", "libc6"]);
  assert.deepEqual(a.packages.build.map((p) => p.name), ["base-files", "dash", "gcc", "libc6"]);
  await writeLockFile(first.lockPath, a.lock);

  // The build image is the base OS layer plus a toolchain layer holding only what build adds.
  const [buildLayers, baseLayers] = [await (a.images.build as Image).manifest(), await (a.images.base as Image).manifest()];
  assert.equal(buildLayers.layers[0]?.digest, baseLayers.layers[0]?.digest);
  const root = join(work.path, "extracted");
  for (const l of await (a.images.build as Image).layers()) await extract.extractLayer(l, root);
  assert.equal(readFileSync(join(root, "usr/bin/gcc"), "utf8"), "#!gcc\n");
  assert.equal(readFileSync(join(root, "etc/passwd"), "utf8").split("\n")[1], "cnb:x:1001:1000:CNB user:/home/cnb:/usr/sbin/nologin");
  assert.ok(existsSync(join(root, "usr/share/doc/base-files/copyright")) && !existsSync(join(root, "usr/share/doc/base-files/README")));
  assert.match(readFileSync(join(root, "var/lib/dpkg/status.d/gcc"), "utf8"), /^Package: gcc\nStatus: install ok installed\n/);
  assert.doesNotMatch(readFileSync(join(root, "var/lib/dpkg/status.d/base-files.md5sums"), "utf8"), /README/);

  // Another folder, another time, an empty layer cache, no network: the debs come from the cache.
  const again = options({ debCacheDir: first.debCacheDir, lockPath: first.lockPath, http: { fetch: () => Promise.reject(new Error("the network must not be used")) } });
  delete again.mirrors;
  const requests = server.requests.length;
  const b = await createStack(again);
  assert.equal(b.resolved, false);
  assert.deepEqual(await digests(b.images), await digests(a.images));
  assert.deepEqual(b.work.built.sort(), ["os-base", "os-tiny", "sbom-base", "sbom-build", "sbom-tiny", "toolchain"]);
  assert.equal(server.requests.length, requests, "nothing was fetched");

  // And warm: nothing is built at all.
  const c = await createStack({ ...again, layerCacheDir: again.layerCacheDir });
  assert.deepEqual({ ...c.work, reused: c.work.reused.sort() }, { downloaded: 0, unpacked: [], built: [], reused: ["os-base", "os-tiny", "sbom-base", "sbom-build", "sbom-tiny", "toolchain"] });
});

async function failure(o: CreateStackOptions): Promise<Error & { code: string; hint?: string }> {
  try {
    await createStack(o);
  } catch (e) {
    return e as Error & { code: string; hint?: string };
  }
  assert.fail("createStack succeeded");
}

test("a package that does not exist is named, with the suites searched", async () => {
  const e = await failure({ ...options({ stackText: STACK.replace('packages = ["gcc"]', 'packages = ["gcc", "no-such-tool"]') }), update: true });
  assert.equal(e.code, "DEBIAN_NOT_FOUND");
  assert.match(e.message, /package "no-such-tool" not found in fake13 \(main, amd64\)/);
});

test("an unreachable mirror is named by URL", async () => {
  const port = await closedPort();
  const e = await failure({ ...options({ mirrors: { archive: `http://127.0.0.1:${port}/debian`, security: `http://127.0.0.1:${port}/debian` } }), update: true });
  assert.equal(e.code, "DEBIAN_UNREACHABLE");
  assert.match(e.message, new RegExp(`cannot reach http://127\\.0\\.0\\.1:${port}/debian/dists/fake13/InRelease`));
});

test("an index signed by a key the keyring does not hold is refused", async () => {
  const e = await failure({ ...options({ verifier: otherVerifier }), update: true });
  assert.equal(e.code, "DEBIAN_SIGNATURE");
  assert.match(e.message, /fake13\/InRelease/);
});

test("a .deb whose bytes do not match the signed index is refused, and nothing is cached", async () => {
  const o = options();
  server.override.set(`/${files.get("gcc")}`, Buffer.from("not the gcc the index promised"));
  try {
    const e = await failure({ ...o, update: true });
    assert.equal(e.code, "DEBIAN_INTEGRITY");
    assert.match(e.message, /gcc 14\.2-1/);
  } finally {
    server.override.clear();
  }
  const lockOfGcc = (await createStack({ ...options(), update: true })).packages.build.find((p) => p.name === "gcc");
  assert.ok(lockOfGcc && !(await new debian.ContentCache(o.debCacheDir).has(lockOfGcc)), "the bad bytes never entered the cache");
  assert.equal(existsSync(o.lockPath), false, "no lock was written");
});

test("a locked file gone from the mirror says to run --update; a lock the stack file outgrew says so too", async () => {
  const o = options();
  const made = await createStack({ ...o, update: true, flavors: ["tiny"] });
  await writeLockFile(o.lockPath, made.lock);
  const fresh = options({ lockPath: o.lockPath });
  const gone = join(work.path, "mirror", files.get("dash") as string);
  const saved = readFileSync(gone);
  rmSync(gone);
  try {
    const e = await failure(fresh);
    assert.equal(e.code, "STACK_PACKAGE_GONE");
    assert.match(e.message, /^dash 0\.5\.12-1 is no longer on the mirror: GET http:\/\/127\.0\.0\.1:\d+\/pool\/main\/d\/dash\/dash_0\.5\.12-1_amd64\.deb: 404/);
    assert.match(e.hint ?? "", /--update/);
  } finally {
    writeFileSync(gone, saved);
  }
  const stale = await failure(options({ lockPath: o.lockPath, stackText: STACK.replace('packages = ["base-files", "dash"]', 'packages = ["base-files", "dash", "gcc"]') }));
  assert.equal(stale.code, "STACK_LOCK");
  assert.match(stale.message, /out of date for amd64: the stack file changed the packages of build, base/);
  assert.match(stale.hint ?? "", /--update/);
  assert.equal(formatLock((await readLockFile(o.lockPath))!), formatLock(made.lock), "the lock is untouched");
});

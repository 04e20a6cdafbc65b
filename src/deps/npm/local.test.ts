// Against a local registry on 127.0.0.1: request shapes, revalidation, refusals, offline mode.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { tempDir } from "../../testing/index.js";
import { NpmError } from "./errors.js";
import type { FetchFn } from "./http.js";
import { expectedHash, parseIntegrity } from "./integrity.js";
import { memoOnPackument, packument, packumentCachePath, packumentRef, packumentUrl, type Packument } from "./packument.js";
import { resolveVersion } from "./resolve.js";
import { fetchTarball } from "./tarball.js";
import type { ProgressEvent } from "../../oci/index.js";

interface Route {
  status?: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}
interface Local {
  url: string;
  seen: { url: string; headers: IncomingHttpHeaders }[];
  routes: Map<string, (h: IncomingHttpHeaders) => Route>;
}

async function serve(t: TestContext): Promise<Local> {
  const seen: Local["seen"] = [];
  const routes = new Map<string, (h: IncomingHttpHeaders) => Route>();
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    const r = routes.get(req.url ?? "")?.(req.headers) ?? { status: 404, body: "not found" };
    res.writeHead(r.status ?? 200, { "content-length": Buffer.byteLength(r.body), ...r.headers }).end(r.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/`, seen, routes };
}

const sri = (alg: string, b: Buffer) => `${alg}-${createHash(alg).update(b).digest("base64")}`;
const TARBALL = Buffer.from("pretend this is a gzipped tar of demo-1.0.0");

function demoPackument(registry: string, dist: Record<string, string>): Packument {
  return {
    name: "demo",
    "dist-tags": { latest: "1.0.0" },
    versions: { "1.0.0": { name: "demo", version: "1.0.0", dist: { tarball: `${registry}demo/-/demo-1.0.0.tgz`, ...dist } } },
  };
}

function cache(t: TestContext): string {
  const d = tempDir();
  t.after(d.cleanup);
  return d.path;
}

test("scoped names are encoded @scope%2fname; invalid names are refused", async (t) => {
  assert.equal(packumentUrl("http://r.invalid/npm", "@types/node"), "http://r.invalid/npm/@types%2Fnode");
  assert.equal(packumentUrl("http://r.invalid/", "is-number"), "http://r.invalid/is-number");
  assert.throws(() => packumentUrl("http://r.invalid/", "../etc/passwd"), (e: unknown) => e instanceof NpmError && e.code === "NPM_NAME");
  assert.throws(() => packumentUrl("http://r.invalid/", "a b"), /not a valid npm package name/);
  const s = await serve(t);
  const doc = JSON.stringify({ name: "@scope/pkg", "dist-tags": {}, versions: {} });
  s.routes.set("/@scope%2Fpkg", () => ({ body: doc }));
  const p = await packument("@scope/pkg", { registry: s.url, cacheDir: cache(t) });
  assert.equal(p.name, "@scope/pkg");
  assert.equal(s.seen.length, 1);
  assert.equal(s.seen[0]!.url.toLowerCase(), "/@scope%2fpkg");
});

test("packument: asks for abbreviated metadata, caches it with its ETag and revalidates with If-None-Match", async (t) => {
  const s = await serve(t);
  const doc = JSON.stringify(demoPackument(s.url, { integrity: sri("sha512", TARBALL) }));
  s.routes.set("/demo", (h) => (h["if-none-match"] === '"v1"' ? { status: 304, body: "" } : { body: doc, headers: { etag: '"v1"' } }));
  const cacheDir = cache(t);
  const a = await packument("demo", { registry: s.url, cacheDir, maxAgeMs: 0 });
  const b = await packument("demo", { registry: s.url, cacheDir, maxAgeMs: 0 });
  assert.deepEqual(a, b);
  assert.equal(s.seen.length, 2);
  // Within the max age the cached copy is used without a request.
  assert.deepEqual(await packument("demo", { registry: s.url, cacheDir }), a);
  assert.equal(s.seen.length, 2);
  assert.match(String(s.seen[0]!.headers["accept"]), /^application\/vnd\.npm\.install-v1\+json/);
  assert.equal(s.seen[0]!.headers["if-none-match"], undefined);
  assert.equal(s.seen[1]!.headers["if-none-match"], '"v1"');
  assert.deepEqual(readdirSync(join(cacheDir, "packuments")).map((n) => n.split(".").length).sort(), [2, 3], "a header and its body");
});

test("packumentRef: a fresh or confirmed (304) header answers without reading the body; memoOnPackument keeps an answer until the registry's answer changes", async (t) => {
  const s = await serve(t);
  let doc = JSON.stringify(demoPackument(s.url, { integrity: sri("sha512", TARBALL) }));
  let etag = '"v1"';
  s.routes.set("/demo", (h) => (h["if-none-match"] === etag ? { status: 304, body: "" } : { body: doc, headers: { etag } }));
  const cacheDir = cache(t);
  const opts = { registry: s.url, cacheDir, maxAgeMs: 0 };
  let computed = 0;
  const newest = (p: Packument) => (computed++, { latest: p["dist-tags"].latest!, versions: Object.keys(p.versions) });

  const first = await packumentRef("demo", opts);
  assert.equal(first.digest, createHash("sha256").update(JSON.stringify(await first.load())).digest("hex"), "the digest METADATA_CHANNEL has always published");
  assert.equal(first.hasTime, false);
  assert.deepEqual(await memoOnPackument(first, "newest", opts, newest), { latest: "1.0.0", versions: ["1.0.0"] });
  assert.equal(computed, 1);

  // Revalidated (304): the same digest, the kept answer, and the body is never read (it is gone).
  const header = readdirSync(join(cacheDir, "packuments")).find((n) => n.split(".").length === 2)!;
  const body = join(cacheDir, "packuments", `${header.slice(0, -5)}.${first.digest}.json`);
  const text = readFileSync(body, "utf8");
  rmSync(body);
  const second = await packumentRef("demo", opts);
  assert.equal(s.seen.at(-1)!.headers["if-none-match"], '"v1"');
  assert.equal(second.digest, first.digest);
  assert.deepEqual(await memoOnPackument(second, "newest", opts, newest), { latest: "1.0.0", versions: ["1.0.0"] });
  assert.equal(computed, 1, "answered from the memo");
  await assert.rejects(second.load(), (e: unknown) => e instanceof NpmError && e.code === "NPM_METADATA" && /missing or damaged/.test(e.message));
  writeFileSync(body, text);
  // Another query is another answer; a kept answer `valid` refuses is computed again.
  await memoOnPackument(second, "other", opts, newest);
  assert.equal(computed, 2);
  await memoOnPackument(second, "newest", opts, newest, () => false);
  assert.equal(computed, 3);

  // The registry publishes 1.1.0: a new digest, the answer is computed again from the new body.
  const p2 = demoPackument(s.url, { integrity: sri("sha512", TARBALL) });
  p2.versions["1.1.0"] = { ...p2.versions["1.0.0"]!, version: "1.1.0" };
  p2["dist-tags"].latest = "1.1.0";
  doc = JSON.stringify(p2);
  etag = '"v2"';
  const third = await packumentRef("demo", opts);
  assert.notEqual(third.digest, first.digest);
  assert.deepEqual(await memoOnPackument(third, "newest", opts, newest), { latest: "1.1.0", versions: ["1.0.0", "1.1.0"] });
  assert.equal(computed, 4);
  // errors are not kept
  await assert.rejects(memoOnPackument(third, "throws", opts, () => { throw new Error("no"); }));
  await assert.rejects(memoOnPackument(third, "throws", opts, () => { throw new Error("again"); }), /again/);
});

test("packument: a cache entry of the first format (the packument inline) is read, offline too, and kept in the new one", async (t) => {
  const s = await serve(t);
  const cacheDir = cache(t);
  const p = demoPackument(s.url, { integrity: sri("sha512", TARBALL) });
  const key = packumentUrl(s.url, "demo");
  mkdirSync(join(cacheDir, "packuments"), { recursive: true });
  const path = packumentCachePath(cacheDir, key);
  writeFileSync(path, JSON.stringify({ url: key, etag: '"old"', checkedAt: Date.now(), packument: p }));
  const noNet: FetchFn = () => Promise.reject(new Error("the network must not be used here"));
  assert.deepEqual(await packument("demo", { registry: s.url, cacheDir, offline: true, fetch: noNet }), p);
  const header = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  assert.equal(header.packument, undefined);
  assert.equal(header.etag, '"old"');
  assert.equal(header.digest, createHash("sha256").update(JSON.stringify(p)).digest("hex"));
  assert.deepEqual(await packument("demo", { registry: s.url, cacheDir, offline: true, fetch: noNet }), p);
});

test("packument: a registry refusing the abbreviated type (406) gets asked for full JSON", async (t) => {
  const s = await serve(t);
  const doc = JSON.stringify(demoPackument(s.url, { integrity: sri("sha512", TARBALL) }));
  s.routes.set("/demo", (h) => (h["accept"] === "application/json" ? { body: doc } : { status: 406, body: "no" }));
  const p = await packument("demo", { registry: s.url, cacheDir: cache(t) });
  assert.equal(p.versions["1.0.0"]!.version, "1.0.0");
  assert.equal(s.seen.length, 2);
});

test("packument: an unknown package is NPM_NOT_FOUND naming the URL", async (t) => {
  const s = await serve(t);
  await assert.rejects(packument("nope", { registry: s.url, cacheDir: cache(t) }), (e: unknown) => {
    assert.ok(e instanceof NpmError && e.code === "NPM_NOT_FOUND", String(e));
    assert.match(e.message, /nope: 404/);
    return true;
  });
});

test("fetchTarball: a tampered tarball is refused naming package, version and URL; nothing is cached", async (t) => {
  const s = await serve(t);
  s.routes.set("/demo", () => ({ body: JSON.stringify(demoPackument(s.url, { integrity: sri("sha512", TARBALL) })) }));
  const tampered = Buffer.from(TARBALL);
  tampered[3] = tampered[3]! ^ 1;
  s.routes.set("/demo/-/demo-1.0.0.tgz", () => ({ body: tampered }));
  const cacheDir = cache(t);
  await assert.rejects(fetchTarball("demo", "1.0.0", { registry: s.url, cacheDir, retries: 0 }), (e: unknown) => {
    assert.ok(e instanceof NpmError && e.code === "NPM_INTEGRITY", String(e));
    assert.match(e.message, /demo@1\.0\.0/);
    assert.ok(e.message.includes(`${s.url}demo/-/demo-1.0.0.tgz`), e.message);
    return true;
  });
  assert.deepEqual(readdirSync(join(cacheDir, "sha512")), []);
  // the same bytes, untampered, are accepted and land content-addressed
  s.routes.set("/demo/-/demo-1.0.0.tgz", () => ({ body: TARBALL }));
  const got = await fetchTarball("demo", "1.0.0", { registry: s.url, cacheDir });
  assert.equal(got.path, join(cacheDir, "sha512", createHash("sha512").update(TARBALL).digest("hex")));
  assert.deepEqual(readFileSync(got.path), TARBALL);
  assert.equal(got.size, TARBALL.length);
});

test("fetchTarball: sha1 only when that is all there is, and it says so", async (t) => {
  const s = await serve(t);
  const shasum = createHash("sha1").update(TARBALL).digest("hex");
  s.routes.set("/demo", () => ({ body: JSON.stringify(demoPackument(s.url, { shasum })) }));
  s.routes.set("/demo/-/demo-1.0.0.tgz", () => ({ body: TARBALL }));
  const events: ProgressEvent[] = [];
  const cacheDir = cache(t);
  const got = await fetchTarball("demo", "1.0.0", { registry: s.url, cacheDir, onProgress: (e) => events.push(e) });
  assert.equal(got.path, join(cacheDir, "sha1", shasum));
  assert.ok(got.integrity.startsWith("sha1-"));
  assert.ok(events.some((e) => e.kind === "message" && /only a sha1/.test(e.text)));
  assert.ok(events.some((e) => e.kind === "blob-done" && e.result === "transferred"));
  // sha512 wins over sha1 when both are given; unknown entries are ignored
  const both = `sha1-${createHash("sha1").update(TARBALL).digest("base64")} md5-xxxx ${sri("sha512", TARBALL)}`;
  assert.equal(parseIntegrity(both)?.algorithm, "sha512");
  assert.throws(() => expectedHash({}, "demo@1.0.0"), (e: unknown) => e instanceof NpmError && e.code === "NPM_METADATA");
});

test("offline: a cold cache is one NPM_OFFLINE error and no request", async (t) => {
  const s = await serve(t);
  const cacheDir = cache(t);
  for (const run of [() => packument("demo", { registry: s.url, cacheDir, offline: true }), () => fetchTarball("demo", "1.0.0", { registry: s.url, cacheDir, offline: true })]) {
    await assert.rejects(run(), (e: unknown) => {
      assert.ok(e instanceof NpmError && e.code === "NPM_OFFLINE", String(e));
      assert.match(e.message, /offline: the metadata of demo .* is not cached/);
      return true;
    });
  }
  assert.equal(s.seen.length, 0);
  assert.equal(existsSync(join(cacheDir, "sha512")), false);
});

test("offline with a warm cache: metadata and tarball from the cache, no fetch at all", async (t) => {
  const s = await serve(t);
  s.routes.set("/demo", () => ({ body: JSON.stringify(demoPackument(s.url, { integrity: sri("sha512", TARBALL) })) }));
  s.routes.set("/demo/-/demo-1.0.0.tgz", () => ({ body: TARBALL }));
  const cacheDir = cache(t);
  const online = await fetchTarball("demo", "1.0.0", { registry: s.url, cacheDir });
  const noNet: FetchFn = () => Promise.reject(new Error("the network must not be used here"));
  const p = await packument("demo", { registry: s.url, cacheDir, offline: true, fetch: noNet });
  assert.equal(resolveVersion(p, "^1").version, "1.0.0");
  const offline = await fetchTarball("demo", "1.0.0", { registry: s.url, cacheDir, offline: true, fetch: noNet });
  assert.deepEqual({ ...offline, downloaded: true }, online);
  assert.equal(offline.downloaded, false);
  await assert.rejects(fetchTarball("demo", "2.0.0", { registry: s.url, cacheDir, offline: true, fetch: noNet }), /offline: demo@2\.0\.0 is not in the cached metadata/);
});

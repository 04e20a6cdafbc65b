// extractPackage / installPackage against real .tgz files made here, a local registry on
// 127.0.0.1, and the mirror setting.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { tempDir } from "../../testing/index.js";
import { NpmError } from "./errors.js";
import { extractPackage, installPackage } from "./extract.js";
import { packument, packumentWithTime, type Packument } from "./packument.js";
import { fetchTarball, tarballUrl } from "./tarball.js";

type Entry = { name: string; body?: string; mode?: number; type?: "file" | "directory" | "symlink" | "link"; linkname?: string };

async function tgz(entries: Entry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on("end", () => r()));
  for (const e of entries) {
    await new Promise<void>((res, rej) =>
      p.entry({ name: e.name, mode: e.mode ?? 0o644, type: e.type ?? "file", linkname: e.linkname, mtime: new Date(499162500000) }, e.body ?? "", (err) => (err ? rej(err) : res())),
    );
  }
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

const sri = (b: Buffer) => `sha512-${createHash("sha512").update(b).digest("base64")}`;

function dir(t: TestContext): string {
  const d = tempDir();
  t.after(d.cleanup);
  return d.path;
}

const PKG: Entry[] = [
  { name: "package/package.json", body: '{"name":"demo","version":"1.0.0"}' },
  { name: "package/bin/demo", body: "#!/bin/sh\necho demo\n", mode: 0o755 },
  { name: "package/include/demo.h", body: "#define DEMO 1\n" },
  { name: "package/share/doc/README", body: "docs\n" },
  { name: "package/bin/demo-link", type: "link", linkname: "package/bin/demo" },
];

test("extractPackage: strips package/, keeps modes, filters and relocates entries, verifies while streaming", async (t) => {
  const root = dir(t);
  const file = join(root, "demo.tgz");
  const bytes = await tgz(PKG);
  writeFileSync(file, bytes);
  const all = join(root, "all");
  const r = await extractPackage(file, all, { integrity: sri(bytes) });
  assert.equal(r.verified, sri(bytes));
  assert.equal(readFileSync(join(all, "bin/demo"), "utf8"), "#!/bin/sh\necho demo\n");
  assert.equal(statSync(join(all, "bin/demo")).mode & 0o777, 0o755);
  assert.equal(statSync(join(all, "bin/demo-link")).ino, statSync(join(all, "bin/demo")).ino, "hard link stripped like its target");
  assert.ok(existsSync(join(all, "package.json")));

  // one pass into two folders: include/ elsewhere, share/ left out
  const split = join(root, "split");
  const s = await extractPackage(file, split, {
    filter: (p) => (p.startsWith("share/") ? false : p.startsWith("include/") ? `headers/${p}` : `runtime/${p}`),
  });
  assert.equal(s.verified, undefined, "a plain path without integrity is not verified");
  assert.equal(readFileSync(join(split, "headers/include/demo.h"), "utf8"), "#define DEMO 1\n");
  assert.ok(existsSync(join(split, "runtime/bin/demo")));
  assert.ok(existsSync(join(split, "runtime/bin/demo-link")));
  assert.equal(existsSync(join(split, "runtime/share")), false);
  assert.equal(s.skipped, 1);
});

test("extractPackage: an entry climbing out of dest is refused and nothing lands outside", async (t) => {
  const root = dir(t);
  const file = join(root, "evil.tgz");
  writeFileSync(file, await tgz([{ name: "package/ok.txt", body: "ok" }, { name: "package/../../escaped.txt", body: "evil" }]));
  await assert.rejects(extractPackage(file, join(root, "out")), (e: unknown) => {
    assert.match(String((e as Error).message), /escaped\.txt/);
    return true;
  });
  assert.equal(existsSync(join(root, "escaped.txt")), false);
  // a relocation cannot escape either
  const file2 = join(root, "ok.tgz");
  writeFileSync(file2, await tgz([{ name: "package/a.txt", body: "a" }]));
  await assert.rejects(extractPackage(file2, join(root, "out2"), { filter: () => "../../x.txt" }), /leaves the target/);
  assert.equal(existsSync(join(root, "x.txt")), false);
  // not a gzip at all: one clear error
  writeFileSync(join(root, "plain.tgz"), "not gzip");
  await assert.rejects(extractPackage(join(root, "plain.tgz"), join(root, "out3")), (e: unknown) => e instanceof NpmError && e.code === "NPM_ARCHIVE" && /plain\.tgz/.test(e.message));
});

interface Local {
  url: string;
  seen: { url: string; headers: IncomingHttpHeaders }[];
  routes: Map<string, (h: IncomingHttpHeaders) => { status?: number; body: string | Buffer }>;
}

async function serve(t: TestContext): Promise<Local> {
  const seen: Local["seen"] = [];
  const routes: Local["routes"] = new Map();
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? "", headers: req.headers });
    const r = routes.get(req.url ?? "")?.(req.headers) ?? { status: 404, body: "not found" };
    res.writeHead(r.status ?? 200, { "content-length": Buffer.byteLength(r.body) }).end(r.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  t.after(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/`, seen, routes };
}

function demo(tarball: string, bytes: Buffer, extra: Partial<Packument> = {}): string {
  return JSON.stringify({
    name: "demo",
    "dist-tags": { latest: "1.0.0" },
    versions: { "1.0.0": { name: "demo", version: "1.0.0", dist: { tarball, integrity: sri(bytes) } } },
    ...extra,
  });
}

for (const damage of ["a flipped byte", "bytes appended after the gzip end"] as const) {
  test(`a cached tarball with ${damage} is caught while extracting, removed and downloaded again`, async (t) => {
    const s = await serve(t);
    const bytes = await tgz(PKG);
    s.routes.set("/demo", () => ({ body: demo(`${s.url}demo/-/demo-1.0.0.tgz`, bytes) }));
    s.routes.set("/demo/-/demo-1.0.0.tgz", () => ({ body: bytes }));
    const cacheDir = dir(t);
    const opts = { registry: s.url, cacheDir };
    const cached = await fetchTarball("demo", "1.0.0", opts);
    if (damage === "a flipped byte") {
      const b = readFileSync(cached.path);
      b[Math.floor(b.length / 2)]! ^= 0xff;
      writeFileSync(cached.path, b);
    } else {
      appendFileSync(cached.path, "trailing");
    }
    const again = await fetchTarball("demo", "1.0.0", opts);
    assert.equal(again.downloaded, false, "presence alone is taken at fetch time");
    const out = join(dir(t), "out");
    await assert.rejects(extractPackage(again, out, { what: "demo@1.0.0" }), (e: unknown) => {
      assert.ok(e instanceof NpmError && e.code === "NPM_INTEGRITY", String(e));
      assert.match(e.message, /^demo@1\.0\.0: the cached tarball .* does not match sha512-.*; removed it from the cache$/);
      return true;
    });
    assert.equal(existsSync(cached.path), false, "the corrupt entry is gone");

    // installPackage: the same damage again, then one re-download that succeeds
    await fetchTarball("demo", "1.0.0", opts);
    appendFileSync(cached.path, "x");
    const offline = installPackage("demo", "1.0.0", out, { ...opts, offline: true });
    await assert.rejects(offline, (e: unknown) => e instanceof NpmError && e.code === "NPM_OFFLINE" && /was corrupt/.test(e.message));
    assert.equal(existsSync(out), false, "nothing half-extracted stays");
    const tarballs = () => s.seen.filter((x) => x.url.endsWith(".tgz")).length;
    const before = tarballs();
    const r = await installPackage("demo", "1.0.0", out, opts);
    assert.equal(tarballs() - before, 1, "downloaded once more");
    assert.equal(r.tarball.downloaded, true);
    assert.equal(r.verified, sri(bytes));
    assert.equal(readFileSync(join(out, "bin/demo"), "utf8"), "#!/bin/sh\necho demo\n");
    // warm: no request, verified on read
    const warm = await installPackage("demo", "1.0.0", out, opts);
    assert.equal(tarballs() - before, 1);
    assert.equal(warm.tarball.downloaded, false);
    assert.equal(warm.verified, sri(bytes));
  });
}

test("PAKETO_NPM_MIRROR: metadata from the mirror, tarball URLs of the registry moved onto it", async (t) => {
  const upstream = await serve(t);
  const mirror = await serve(t);
  const bytes = await tgz(PKG);
  const mirrorBase = `${mirror.url}m/`;
  // the mirror serves the upstream document as is: its tarball URLs name the upstream registry
  mirror.routes.set("/m/demo", () => ({ body: demo(`${upstream.url}npm/demo/-/demo-1.0.0.tgz`, bytes) }));
  mirror.routes.set("/m/demo/-/demo-1.0.0.tgz", () => ({ body: bytes }));
  const env = { npm_config_registry: `${upstream.url}npm/`, PAKETO_NPM_MIRROR: mirrorBase };
  const cacheDir = dir(t);
  const r = await installPackage("demo", "1.0.0", join(cacheDir, "out"), { env, cacheDir });
  assert.equal(r.tarball.url, `${mirrorBase}demo/-/demo-1.0.0.tgz`);
  assert.equal(upstream.seen.length, 0, "the upstream registry is never asked");
  assert.deepEqual(mirror.seen.map((x) => x.url), ["/m/demo", "/m/demo/-/demo-1.0.0.tgz"]);
  // a URL on another host keeps its path; one already on the mirror stays
  assert.equal(await tarballUrl("https://cdn.example/x/-/x-1.tgz?a=1", { env }), `${mirrorBase}x/-/x-1.tgz?a=1`);
  assert.equal(await tarballUrl(`${mirrorBase}y/-/y-1.tgz`, { env }), `${mirrorBase}y/-/y-1.tgz`);
  // an explicit registry keeps the mirror (callers resolve the registry themselves); without it, URLs stay
  assert.equal(await tarballUrl(`${upstream.url}npm/x/-/x-1.tgz`, { env, registry: `${upstream.url}npm/` }), `${mirrorBase}x/-/x-1.tgz`);
  assert.equal(await tarballUrl("https://cdn.example/x/-/x-1.tgz", { env: {}, registry: upstream.url }), "https://cdn.example/x/-/x-1.tgz");
  // a bad mirror is one clear error
  await assert.rejects(packument("demo", { env: { ...env, PAKETO_NPM_MIRROR: "ftp://m.example/" }, cacheDir }), /PAKETO_NPM_MIRROR\) is not an http\(s\) URL/);
});

test("packumentWithTime: the full document when the abbreviated one has no time, cached apart", async (t) => {
  const s = await serve(t);
  const bytes = await tgz(PKG);
  const time = { "1.0.0": "2020-01-01T00:00:00.000Z" };
  s.routes.set("/demo", (h) => ({ body: h["accept"] === "application/json" ? demo("x.tgz", bytes, { time }) : demo("x.tgz", bytes) }));
  const cacheDir = dir(t);
  const p = await packumentWithTime("demo", { registry: s.url, cacheDir });
  assert.deepEqual(p.time, time);
  assert.deepEqual(s.seen.map((x) => String(x.headers["accept"]).split(",")[0]), ["application/vnd.npm.install-v1+json; q=1.0", "application/json"]);
  // both are cached: offline gives the same answers
  assert.equal((await packument("demo", { registry: s.url, cacheDir, offline: true })).time, undefined);
  assert.deepEqual((await packumentWithTime("demo", { registry: s.url, cacheDir, offline: true })).time, time);
});

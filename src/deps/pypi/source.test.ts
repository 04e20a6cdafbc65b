// The Python index source against a local index on 127.0.0.1: pip's configuration, JSON and HTML
// project pages, choice of file, sha256 verification, revalidation and offline mode.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { tempDir } from "../../testing/index.js";
import { parsePipConf, pipSourceEnv, readPipConfig } from "./config.js";
import { PypiError } from "./errors.js";
import { matchesVersion, normaliseName, parseProjectPage, parseWheelName } from "./simple.js";
import { PypiSource } from "./source.js";

interface Route {
  status?: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}

async function serve(t: TestContext) {
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
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

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const WHEEL_OLD = Buffer.from("pip 25.0 wheel bytes");
const WHEEL_NEW = Buffer.from("pip 26.3 wheel bytes");
const WHEEL_PRE = Buffer.from("pip 27.0b1 wheel bytes");

function pipPage(base: string, o: { badHash?: boolean } = {}) {
  return JSON.stringify({
    meta: { "api-version": "1.1" },
    name: "pip",
    files: [
      { filename: "pip-25.0-py3-none-any.whl", url: `${base}files/pip-25.0-py3-none-any.whl`, hashes: { sha256: sha(WHEEL_OLD) }, size: WHEEL_OLD.length },
      { filename: "pip-26.3-py3-none-any.whl", url: `../../files/pip-26.3-py3-none-any.whl`, hashes: { sha256: o.badHash ? sha("other") : sha(WHEEL_NEW) } },
      { filename: "pip-26.3.tar.gz", url: `../../files/pip-26.3.tar.gz`, hashes: { sha256: sha("sdist") } },
      { filename: "pip-27.0b1-py3-none-any.whl", url: `../../files/pip-27.0b1-py3-none-any.whl`, hashes: { sha256: sha(WHEEL_PRE) } },
      { filename: "pip-26.4-py3-none-any.whl", url: `../../files/pip-26.4-py3-none-any.whl`, hashes: { sha256: sha("yanked") }, yanked: "broken" },
      { filename: "pip-9.0-py3-none-any.whl", url: `../../files/pip-9.0-py3-none-any.whl`, hashes: {} },
    ],
  });
}

test("pip.conf: sections, continuation lines, comments; PIP_INDEX_URL wins; file order as pip's", async () => {
  const conf = parsePipConf("# c\n[global]\nindex-url = https://a.example/simple\nextra-index-url =\n    https://b.example/simple\n    https://c.example/simple\n; c\n[install]\ntimeout: 60\n");
  assert.equal(conf.global?.["index-url"], "https://a.example/simple");
  assert.equal(conf.global?.["extra-index-url"], "https://b.example/simple\nhttps://c.example/simple");
  assert.equal(conf.install?.timeout, "60");

  const home = tempDir("pypi-home-").path;
  mkdirSync(join(home, ".config", "pip"), { recursive: true });
  writeFileSync(join(home, ".config", "pip", "pip.conf"), "[global]\nindex-url = http://127.0.0.1:1/user/\nextra-index-url = http://127.0.0.1:1/extra\n");
  const env = { HOME: home, XDG_CONFIG_DIRS: join(home, "none") };
  const fromFile = await readPipConfig(env);
  assert.equal(fromFile.indexUrl, "http://127.0.0.1:1/user/");
  assert.deepEqual(fromFile.extraIndexUrls, ["http://127.0.0.1:1/extra/"]);
  assert.equal(fromFile.source, join(home, ".config", "pip", "pip.conf"));
  const own = join(home, "own.conf");
  writeFileSync(own, "[install]\nindex-url = http://127.0.0.1:1/install\n");
  assert.equal((await readPipConfig({ ...env, PIP_CONFIG_FILE: own })).indexUrl, "http://127.0.0.1:1/install/");
  assert.equal((await readPipConfig({ ...env, PIP_INDEX_URL: "http://127.0.0.1:2/simple" })).source, "PIP_INDEX_URL");
  // nothing configured: pip's own default is asked; none at all is one clear error
  const bare = { HOME: join(home, "nobody"), XDG_CONFIG_DIRS: join(home, "none"), PIP_CONFIG_FILE: "/dev/null" };
  assert.equal((await pipSourceEnv(bare, { defaultIndex: async () => "http://127.0.0.1:3/simple" })).PIP_INDEX_URL, "http://127.0.0.1:3/simple/");
  await assert.rejects(readPipConfig(bare), (e: unknown) => e instanceof PypiError && e.code === "PYPI_CONFIG" && /PIP_INDEX_URL/.test(e.hint ?? ""));
  await assert.rejects(readPipConfig({ ...bare, PIP_INDEX_URL: "ftp://x/" }), (e: unknown) => e instanceof PypiError && e.code === "PYPI_CONFIG");
});

test("names, wheel names, versions, HTML pages", () => {
  assert.equal(normaliseName("Flask_SQLAlchemy.ext"), "flask-sqlalchemy-ext");
  assert.throws(() => normaliseName("../etc"), (e: unknown) => e instanceof PypiError && e.code === "PYPI_NAME");
  assert.deepEqual(parseWheelName("uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")?.platform, ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]);
  assert.ok(matchesVersion("26.3", "26.*") && matchesVersion("26.3", "26.3.0") && matchesVersion("26.3", ">=24, <27") && matchesVersion("26.3", "~=26.1"));
  assert.ok(!matchesVersion("26.3", "25.*") && !matchesVersion("27.0b1", "") && !matchesVersion("26.3", "~=25.1"));
  const html = `<html><body><a href="../../files/x-1.0.tar.gz#sha256=${sha("a")}" data-requires-python="&gt;=3.8">x-1.0.tar.gz</a><a href="x-0.9.tar.gz">no hash</a></body></html>`;
  const page = parseProjectPage("x", html, "text/html", "http://127.0.0.1:9/simple/x/");
  assert.deepEqual(page.files.map((f) => [f.url, f.version, f.requiresPython]), [["http://127.0.0.1:9/files/x-1.0.tar.gz", "1.0", ">=3.8"]]);
});

test("the newest matching release's wheel, verified into the content cache; ETag revalidation; offline", async (t) => {
  const l = await serve(t);
  let etagHits = 0;
  l.routes.set("/simple/pip/", (h) => {
    if (h["if-none-match"] === '"v1"') {
      etagHits++;
      return { status: 304, body: "" };
    }
    return { body: pipPage(l.url), headers: { "content-type": "application/vnd.pypi.simple.v1+json", etag: '"v1"' } };
  });
  l.routes.set("/files/pip-26.3-py3-none-any.whl", () => ({ body: WHEEL_NEW }));
  l.routes.set("/files/pip-25.0-py3-none-any.whl", () => ({ body: WHEEL_OLD }));
  const cacheDir = tempDir("pypi-cache-").path;
  const env = { PIP_INDEX_URL: `${l.url}simple` };
  const src = await PypiSource.open({ env, cacheDir, maxAgeMs: 0 });
  const f = await src.findFile("pip");
  assert.equal(f.filename, "pip-26.3-py3-none-any.whl"); // not the beta, not the yanked 26.4, not the sdist
  assert.match(l.seen[0]!.headers.accept ?? "", /application\/vnd\.pypi\.simple\.v1\+json/);
  const d = await src.download(f);
  assert.equal(d.downloaded, true);
  assert.deepEqual(readFileSync(d.path), WHEEL_NEW);
  assert.equal(d.path, join(cacheDir, "sha256", sha(WHEEL_NEW)));
  assert.equal((await src.download(f)).downloaded, false);
  assert.equal((await src.findFile("pip", { spec: "25.*", where: "BP_PIP_VERSION" })).version, "25.0");
  assert.equal(etagHits, 1);
  await assert.rejects(src.findFile("pip", { spec: "24.*", where: "BP_PIP_VERSION" }), (e: unknown) => e instanceof PypiError && e.code === "PYPI_NO_VERSION" && /BP_PIP_VERSION/.test(e.message) && /26\.3, 25\.0/.test(e.hint ?? ""));
  await assert.rejects(src.findFile("nosuch"), (e: unknown) => e instanceof PypiError && e.code === "PYPI_NOT_FOUND");

  const requests = l.seen.length;
  const offline = await PypiSource.open({ env, cacheDir, offline: true });
  const again = await offline.download(await offline.findFile("pip"));
  assert.equal(again.downloaded, false);
  await assert.rejects(offline.download(await offline.findFile("pip", { spec: "25.*" })), (e: unknown) => e instanceof PypiError && e.code === "PYPI_OFFLINE" && /pip-25\.0/.test(e.message));
  await assert.rejects(offline.findFile("flask"), (e: unknown) => e instanceof PypiError && e.code === "PYPI_OFFLINE");
  assert.equal(l.seen.length, requests, "offline asks nothing");
});

test("a file whose bytes do not match the index's sha256 is refused and not cached; a tampered cache entry is downloaded again", async (t) => {
  const l = await serve(t);
  let bad = true;
  l.routes.set("/simple/pip/", () => ({ body: pipPage(l.url, { badHash: bad }), headers: { "content-type": "application/vnd.pypi.simple.v1+json" } }));
  l.routes.set("/files/pip-26.3-py3-none-any.whl", () => ({ body: WHEEL_NEW }));
  const cacheDir = tempDir("pypi-cache-").path;
  const src = await PypiSource.open({ env: { PIP_INDEX_URL: `${l.url}simple/` }, cacheDir, maxAgeMs: 0, retries: 0 });
  await assert.rejects(src.download(await src.findFile("pip")), (e: unknown) => e instanceof PypiError && e.code === "PYPI_INTEGRITY" && /pip-26\.3/.test(e.message));
  bad = false;
  const f = await src.findFile("pip");
  const d = await src.download(f);
  writeFileSync(d.path, "tampered");
  const again = await src.download(f);
  assert.equal(again.downloaded, true);
  assert.deepEqual(readFileSync(again.path), WHEEL_NEW);
});

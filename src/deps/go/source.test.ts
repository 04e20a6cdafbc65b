// The Go module proxy source against a proxy and a checksum database on 127.0.0.1 (testing.ts):
// real HTTP, real Ed25519 signatures, real Merkle tiles, real zips.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { readGoConfig, type GoConfig } from "./config.js";
import { GoProxyError } from "./errors.js";
import { GoModuleSource } from "./source.js";
import { FakeSumdb, moduleZip, moduleZipHash, startFakeProxy, type FakeModule } from "./testing.js";
import { extractModuleZip } from "./zip.js";

const GREET: FakeModule = {
  module: "example.com/Greet",
  version: "v1.2.0",
  files: { "go.mod": "module example.com/Greet\n\ngo 1.21\n", "greet.go": "package greet\n\nfunc Hello() string { return \"hello\" }\n", "bin/tool": "#!/bin/sh\necho tool\n" },
};

function config(values: GoConfig["values"]): GoConfig {
  return { values, sources: Object.fromEntries(Object.keys(values).map((k) => [k, "test"])), goroot: undefined };
}

async function setup(t: { after: (f: () => unknown) => void }, modules: FakeModule[] = [GREET], extra: GoConfig["values"] = {}) {
  const sumdb = new FakeSumdb();
  sumdb.pad(300); // two tile levels
  const proxy = await startFakeProxy(modules, { sumdb });
  const dir = tempDir("paketo-goproxy-");
  t.after(async () => {
    await proxy.stop();
    dir.cleanup();
  });
  const warnings: string[] = [];
  const open = (o: { offline?: boolean; values?: GoConfig["values"]; cache?: string } = {}) =>
    GoModuleSource.open({
      env: {},
      cacheDir: join(dir.path, o.cache ?? "cache"),
      offline: o.offline ?? false,
      http: { retryDelayMs: 1 },
      warn: (m) => warnings.push(m),
      config: config(o.values ?? { GOPROXY: proxy.url, GOSUMDB: sumdb.vkey, ...extra }),
    });
  return { sumdb, proxy, dir: dir.path, open, warnings };
}

test("install: the zip's h1 is checked against the checksum database while it unpacks; exec bits from the caller", async (t) => {
  const s = await setup(t);
  const src = await s.open();
  const dest = join(s.dir, "out");
  const r = await src.install(GREET.module, GREET.version, dest, { exec: (p) => p.startsWith("bin/") });
  assert.equal(r.h1, moduleZipHash(GREET.module, GREET.version, GREET.files));
  assert.deepEqual(r.verification, { by: "sumdb", name: "sum.test.example" });
  assert.equal(r.downloaded, true);
  assert.equal(r.files, 3);
  assert.equal(readFileSync(join(dest, "greet.go"), "utf8"), GREET.files["greet.go"]);
  assert.equal(statSync(join(dest, "bin/tool")).mode & 0o777, 0o755);
  assert.equal(statSync(join(dest, "greet.go")).mode & 0o777, 0o644);
  // capital letters are escaped on the wire; the checksum database was asked through the proxy
  assert.ok(s.proxy.requests.includes("example.com/!greet/@v/v1.2.0.zip"), s.proxy.requests.join("\n"));
  assert.ok(s.proxy.requests.includes("sumdb/sum.test.example/lookup/example.com/!greet@v1.2.0"));
  assert.ok(s.proxy.requests.some((r) => r.startsWith("sumdb/sum.test.example/tile/8/1/")), "a level-1 tile proves the record");
});

test("install: a second time comes from the download cache and the cached checksum answers, without a request", async (t) => {
  const s = await setup(t);
  await (await s.open()).install(GREET.module, GREET.version, join(s.dir, "a"));
  const before = s.proxy.requests.length;
  const r = await (await s.open()).install(GREET.module, GREET.version, join(s.dir, "b"));
  assert.equal(r.downloaded, false);
  assert.equal(s.proxy.requests.length, before, `no request: ${s.proxy.requests.slice(before).join(", ")}`);
  // offline works from the cache alone; what is missing is named
  const off = await s.open({ offline: true });
  assert.equal((await off.install(GREET.module, GREET.version, join(s.dir, "c"))).downloaded, false);
  await assert.rejects(off.install("example.com/other", "v1.0.0", join(s.dir, "d")), (e: GoProxyError) => e.code === "GOPROXY_OFFLINE" && /example\.com\/other@v1\.0\.0/.test(e.message));
  // the zip is stored once, by its SHA-256
  assert.equal(readdirSync(join(s.dir, "cache/sha256")).filter((f) => !f.startsWith(".")).length, 1);
});

test("install: a proxy serving other bytes than the checksum database records is refused; nothing is cached or left", async (t) => {
  const bad = { ...GREET, zip: moduleZip(GREET.module, GREET.version, { ...GREET.files, "greet.go": "package greet // changed\n" }) };
  const s = await setup(t, [bad]);
  const dest = join(s.dir, "out");
  await assert.rejects((await s.open()).install(GREET.module, GREET.version, dest), (e: GoProxyError) => {
    assert.equal(e.code, "GOPROXY_CHECKSUM");
    assert.match(e.message, /example\.com\/Greet@v1\.2\.0 from http:\/\/127\.0\.0\.1:\d+\/.* hashes to h1:.*, the checksum database says h1:/);
    return true;
  });
  assert.equal(existsSync(dest), false);
  assert.deepEqual(readdirSync(join(s.dir, "cache/sha256")), []);
});

test("install: a damaged zip in the download cache is removed and downloaded again", async (t) => {
  const s = await setup(t);
  await (await s.open()).install(GREET.module, GREET.version, join(s.dir, "a"));
  const [blob] = readdirSync(join(s.dir, "cache/sha256"));
  const path = join(s.dir, "cache/sha256", blob!);
  const bytes = readFileSync(path);
  bytes[70] = bytes[70]! ^ 0xff; // inside the first file's deflated data: same size, other content (or none)
  writeFileSync(path, bytes);
  const r = await (await s.open()).install(GREET.module, GREET.version, join(s.dir, "b"));
  assert.equal(r.downloaded, true);
  assert.equal(readFileSync(join(s.dir, "b/greet.go"), "utf8"), GREET.files["greet.go"]);
});

test("checksum database: a forged record, a forged tile or a wrong key is refused", async (t) => {
  const s = await setup(t);
  s.sumdb.tamper.lookup = (body) => Buffer.from(body.toString().replace(/v1\.2\.0 h1:[^\n]+/, `v1.2.0 h1:${Buffer.alloc(32, 7).toString("base64")}`));
  await assert.rejects((await s.open()).install(GREET.module, GREET.version, join(s.dir, "a")), (e: GoProxyError) => e.code === "GOPROXY_SUMDB" && /not in its signed tree/.test(e.message));
  s.sumdb.tamper.lookup = undefined;
  s.sumdb.tamper.tile = (_p, d) => Buffer.concat([Buffer.alloc(32, 1), d.subarray(32)]);
  await assert.rejects((await s.open()).install(GREET.module, GREET.version, join(s.dir, "b")), (e: GoProxyError) => e.code === "GOPROXY_SUMDB");
  s.sumdb.tamper.tile = undefined;
  const other = new FakeSumdb("sum.test.example");
  await assert.rejects((await s.open({ values: { GOPROXY: s.proxy.url, GOSUMDB: other.vkey } })).install(GREET.module, GREET.version, join(s.dir, "c")), (e: GoProxyError) => e.code === "GOPROXY_SUMDB" && /signature/.test(e.message));
  // after all that, the honest answers verify (the cache kept nothing bad)
  assert.equal((await (await s.open()).install(GREET.module, GREET.version, join(s.dir, "d"))).verification.by, "sumdb");
});

test("GONOSUMDB / GOPRIVATE / GOSUMDB=off / GOFLAGS=-insecure skip the checksum database, with a warning", async (t) => {
  for (const values of [{ GONOSUMDB: "example.com" }, { GOPRIVATE: "*.com/greet,example.com", GONOPROXY: "none" }, { GOSUMDB: "off" }, { GOFLAGS: "-mod=mod -insecure" }]) {
    const s = await setup(t, [GREET], values);
    const r = await (await s.open()).install(GREET.module, GREET.version, join(s.dir, "out"));
    assert.equal(r.verification.by, "none", JSON.stringify(values));
    assert.equal(s.proxy.requests.filter((p) => p.startsWith("sumdb/")).length, 0, JSON.stringify(values));
    assert.match(s.warnings[0] ?? "", /is not checked against a checksum database/);
  }
});

test("GOPROXY: `,` falls back only on 404/410, `|` on any error; transient errors are retried; off and direct-only refuse", async (t) => {
  const s = await setup(t);
  const empty = await startFakeProxy([]);
  const broken = await startFakeProxy([]);
  t.after(() => Promise.all([empty.stop(), broken.stop()]));
  let n = 0;
  const with_ = (goproxy: string) => s.open({ values: { GOPROXY: goproxy, GOSUMDB: s.sumdb.vkey }, cache: `cache-${n++}` });
  assert.equal((await (await with_(`${empty.url},${s.proxy.url}`)).install(GREET.module, GREET.version, join(s.dir, "a"))).files, 3);
  broken.fail.set(`${"example.com/!greet/@v/v1.2.0.zip"}`, [500, 500, 500, 500]);
  broken.fail.set(`sumdb/sum.test.example/supported`, [500, 500, 500, 500]);
  await assert.rejects((await with_(`${broken.url},${s.proxy.url}`)).install(GREET.module, GREET.version, join(s.dir, "b")), (e: GoProxyError) => e.code === "GOPROXY_HTTP");
  broken.fail.set(`sumdb/sum.test.example/supported`, [500, 500, 500, 500]);
  broken.fail.set(`${"example.com/!greet/@v/v1.2.0.zip"}`, [500, 500, 500, 500]);
  assert.equal((await (await with_(`${broken.url}|${s.proxy.url}`)).install(GREET.module, GREET.version, join(s.dir, "c"))).files, 3);
  // two 503s, then the answer: retried on the same proxy
  s.proxy.fail.set("example.com/!greet/@v/list", [503, 503]);
  assert.deepEqual(await (await with_(s.proxy.url)).list(GREET.module), ["v1.2.0"]);
  await assert.rejects(with_("off"), (e: GoProxyError) => e.code === "GOPROXY_OFF");
  await assert.rejects(with_("direct"), (e: GoProxyError) => e.code === "GOPROXY_OFF");
  await assert.rejects(s.open({ values: {} }), (e: GoProxyError) => e.code === "GOPROXY_CONFIG" && /GOPROXY is not set/.test(e.message));
  // a module GONOPROXY/GOPRIVATE sends to version control is refused with the reason
  await assert.rejects((await s.open({ values: { GOPROXY: s.proxy.url, GOSUMDB: s.sumdb.vkey, GOPRIVATE: "example.com" } })).list(GREET.module), (e: GoProxyError) => e.code === "GOPROXY_CONFIG" && /GONOPROXY\/GOPRIVATE/.test(e.message));
});

test("zips: an entry outside module@version/, a `..` or a duplicate is refused; stored entries read", async (t) => {
  const dir = tempDir();
  t.after(dir.cleanup);
  const zipAt = (name: string, b: Buffer) => {
    const p = join(dir.path, name);
    writeFileSync(p, b);
    return p;
  };
  const o = { module: "example.com/m", version: "v1.0.0" };
  for (const raw of ["example.com/m@v1.0.0/../evil", "evil.txt", "example.com/m@v1.0.0/a//b", "example.com/m@v1.0.0/a.go"]) {
    const p = zipAt("bad.zip", moduleZip(o.module, o.version, { "a.go": "package a\n" }, { rawNames: [raw] }));
    await assert.rejects(extractModuleZip(p, join(dir.path, `x-${Math.random()}`), o), (e: GoProxyError) => e.code === "GOPROXY_ZIP", raw);
  }
  // stored (not deflated) entries read too, and hashing without a destination writes nothing
  const stored = zipAt("stored.zip", moduleZip(o.module, o.version, { "a.go": "package a\n" }, { store: true }));
  assert.equal((await extractModuleZip(stored, undefined, o)).h1, moduleZipHash(o.module, o.version, { "a.go": "package a\n" }));
});

test("config: the environment, then the user's go env file, then $GOROOT/go.env; a bare GOSUMDB gets the installation's key", async (t) => {
  const dir = tempDir();
  t.after(dir.cleanup);
  const goroot = join(dir.path, "goroot");
  const { writeTree } = await import("../../testing/index.js");
  const sumdb = new FakeSumdb("sum.test.example");
  writeTree(goroot, {
    "bin/go": { content: "#!/bin/sh\nexit 1\n", mode: 0o755 },
    "go.env": "# defaults\nGOPROXY=https://proxy.test.example,direct\nGOSUMDB=sum.test.example\nGOTOOLCHAIN=auto\n",
    "src/cmd/go/internal/modfetch/key.go": `package modfetch\n\nvar knownGOSUMDB = map[string]string{\n\t"sum.test.example": "${sumdb.vkey}",\n}\n`,
  });
  writeTree(dir.path, { "config/go/env": "GOPRIVATE=corp.example\nGOPROXY=https://user.test.example\n" });
  const env = { PATH: `${join(goroot, "bin")}:/usr/bin`, XDG_CONFIG_HOME: join(dir.path, "config"), GOFLAGS: "-mod=mod" };
  const c = await readGoConfig(env);
  assert.deepEqual(c.values, { GOPROXY: "https://user.test.example", GOSUMDB: "sum.test.example", GOPRIVATE: "corp.example", GOFLAGS: "-mod=mod" });
  assert.equal(c.sources.GOPROXY, join(dir.path, "config/go/env"));
  assert.equal(c.sources.GOSUMDB, join(goroot, "go.env"));
  assert.equal(c.goroot, goroot);
  const { goSourceEnv } = await import("./config.js");
  const handed = await goSourceEnv({ ...env, GOENV: "off" });
  assert.deepEqual(handed, { GOPROXY: "https://proxy.test.example,direct", GOSUMDB: sumdb.vkey, GOFLAGS: "-mod=mod" });
  // no Go installation and no env: nothing configured, and the source says what to set
  assert.deepEqual((await readGoConfig({ PATH: "/nonexistent", GOENV: "off" })).values, {});
});

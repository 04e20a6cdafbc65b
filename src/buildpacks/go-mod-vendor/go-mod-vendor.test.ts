// go-mod-vendor through the harness with the real go command, against a module proxy and checksum
// database on 127.0.0.1 (deps/go/testing.ts): vendoring, the cached module cache, private modules.
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { go } from "../../deps/index.js";
import { FakeSumdb, moduleZipHash, startFakeProxy, type FakeModule, type FakeProxy } from "../../deps/go/testing.js";
import { goTestEnv, readTreeBytes, type GoTestEnv } from "../go-common/testing/index.js";
import { goModVendor } from "./buildpack.js";

const here = dirname(fileURLToPath(import.meta.url));
const buildpackToml = readFileSync(join(here, "../../../src/buildpacks/go-mod-vendor/buildpack.toml"), "utf8");
const bp = goModVendor();
const plan = [{ name: "go", metadata: { build: true } }];

const GREET: FakeModule = {
  module: "example.com/greet",
  version: "v1.2.0",
  files: { "go.mod": "module example.com/greet\n\ngo 1.21\n", "greet.go": 'package greet\n\nfunc Hello() string { return "hello" }\n' },
};
const PRIVATE: FakeModule = {
  module: "corp.example/secret",
  version: "v0.1.0",
  files: { "go.mod": "module corp.example/secret\n\ngo 1.21\n", "secret.go": "package secret\n\nconst Word = 42\n" },
};

function sumLines(m: FakeModule): string {
  return `${m.module} ${m.version} ${moduleZipHash(m.module, m.version, m.files)}\n${m.module} ${m.version}/go.mod ${go.hash1Mod(Buffer.from(m.files["go.mod"] as string))}\n`;
}

const APP = {
  "go.mod": "module example.com/app\n\ngo 1.22\n\nrequire example.com/greet v1.2.0\n",
  "go.sum": sumLines(GREET),
  "main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/greet"\n)\n\nfunc main() { fmt.Println(greet.Hello()) }\n',
};

let g: GoTestEnv;
let proxy: FakeProxy;
let sumdb: FakeSumdb;

before(async () => {
  sumdb = new FakeSumdb();
  proxy = await startFakeProxy([GREET], { sumdb });
  g = await goTestEnv({ GOPROXY: proxy.url, GOSUMDB: sumdb.vkey });
});
after(async () => {
  await proxy.stop();
  g.cleanup();
});

test("detect: go.mod requires go at build, at least its go (or newer toolchain) line; no go.mod: fail", async () => {
  const d = await runDetect(bp, { app: APP, buildpackToml });
  assert.ok(d.outcome === "pass");
  assert.deepEqual(d.plan.requires, [{ name: "go", metadata: { build: true, version: ">= 1.22", "version-source": "go.mod" } }]);
  const tc = await runDetect(bp, { app: { "go.mod": "module x\n\ngo 1.21\n\ntoolchain go1.23.4\n" }, buildpackToml });
  assert.ok(tc.outcome === "pass");
  assert.equal(tc.plan.requires[0]?.metadata?.version, ">= 1.23.4");
  const none = await runDetect(bp, { app: { "main.go": "package main\n" }, buildpackToml });
  assert.equal(none.outcome, "fail");
  assert.match(none.stdout, /go\.mod is not present/);
  const sub = await runDetect(bp, { app: { "svc/go.mod": "module x\n\ngo 1.20\n" }, env: { BP_GO_WORKDIR: "svc" }, buildpackToml });
  assert.equal(sub.outcome, "pass");
  const broken = await runDetect(bp, { app: { "go.mod": "module x\n\ngo one.twenty\n" }, buildpackToml });
  assert.equal(broken.outcome, "error");
  assert.match(broken.stderr, /ERROR: go\.mod:3: "go one\.twenty" is not a Go version/);
});

test("build: go mod vendor into the app, the module cache a cache layer; the next build downloads nothing", async () => {
  const b = await runBuild(bp, { buildpackToml, plan, app: APP, env: g.env, keep: true });
  try {
    assert.equal(b.outcome, "success", b.stderr + b.stdout);
    assert.match(b.stdout, /Paketo Buildpack for Go Mod Vendor 0\.1\.0\n {2}Executing build process\n {4}Running 'go mod vendor'/);
    assert.equal(readFileSync(join(b.dir, "workspace/vendor/example.com/greet/greet.go"), "utf8"), GREET.files["greet.go"]);
    assert.match(readFileSync(join(b.dir, "workspace/vendor/modules.txt"), "utf8"), /# example\.com\/greet v1\.2\.0/);
    assert.deepEqual(b.layers["mod-cache"]?.types, { build: false, launch: false, cache: true });
    const zips = proxy.requests.filter((r) => r.endsWith(".zip")).length;
    assert.equal(zips, 1);
    const cache = { metadata: b.layers["mod-cache"]!.metadata, files: readTreeBytes(join(b.dir, "layers/paketo-buildpacks_go-mod-vendor/mod-cache")) };
    const again = await runBuild(bp, { buildpackToml, plan, app: APP, env: g.env, layers: { "mod-cache": cache } });
    assert.equal(again.outcome, "success", again.stderr);
    assert.match(again.stdout, /Reusing cached layer .*mod-cache/);
    assert.doesNotMatch(again.stdout, /go: downloading/);
    assert.equal(proxy.requests.filter((r) => r.endsWith(".zip")).length, zips, "no module downloaded again");
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});

test("build: a committed vendor/ or a go.mod without requirements runs nothing", async () => {
  const vendored = await runBuild(bp, { buildpackToml, plan, app: { ...APP, "vendor/modules.txt": "# example.com/greet v1.2.0\n" }, env: g.env });
  assert.equal(vendored.outcome, "success");
  assert.match(vendored.stdout, /Skipping build process: modules are already vendored/);
  assert.equal(vendored.layers["mod-cache"], undefined);
  const bare = await runBuild(bp, { buildpackToml, plan, app: { "go.mod": "module x\n\ngo 1.22\n", "main.go": "package main\nfunc main() {}\n" }, env: g.env });
  assert.match(bare.stdout, /Skipping build process: go\.mod requires no modules/);
});

test("build: a private module through GOPRIVATE and a netrc binding; without credentials, one error with go's reason", async () => {
  // the private proxy speaks HTTPS (the go command sends credentials over nothing else) and wants
  // Basic auth; GOPRIVATE keeps the module away from the checksum database
  const { createServer } = await import("node:https");
  const { execFileSync } = await import("node:child_process");
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const tls = mkdtempSync(join(tmpdir(), "paketo-go-tls-"));
  execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", join(tls, "key.pem"), "-out", join(tls, "cert.pem")], { stdio: "pipe" });
  const inner = await startFakeProxy([PRIVATE]);
  const server = createServer({ key: readFileSync(join(tls, "key.pem")), cert: readFileSync(join(tls, "cert.pem")) }, (req, res) => {
    if (req.headers.authorization !== `Basic ${Buffer.from("ci:s3cret").toString("base64")}`) {
      res.writeHead(401).end("no\n");
      return;
    }
    fetch(`${inner.url}${req.url}`).then(async (r) => res.writeHead(r.status).end(Buffer.from(await r.arrayBuffer())));
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const port = (server.address() as { port: number }).port;
  try {
    const app = { ...APP, "go.mod": "module example.com/app\n\ngo 1.22\n\nrequire corp.example/secret v0.1.0\n", "go.sum": sumLines(PRIVATE), "main.go": 'package main\n\nimport "corp.example/secret"\n\nfunc main() { println(secret.Word) }\n' };
    const env = { ...g.env, GOPROXY: `https://127.0.0.1:${port}`, GOPRIVATE: "corp.example", GONOPROXY: "none", SSL_CERT_FILE: join(tls, "cert.pem") };
    const denied = await runBuild(bp, { buildpackToml, plan, app, env });
    assert.equal(denied.outcome, "error");
    assert.match(denied.stderr, /ERROR: 'go mod vendor' in the app exited with status 1; its last output:\n[\s\S]*corp\.example\/secret[\s\S]*401/);
    assert.match(denied.stderr, /netrc binding/);
    const b = await runBuild(bp, { buildpackToml, plan, app, env, bindings: { creds: { type: "netrc", entries: { netrc: `machine 127.0.0.1:${port} login ci password s3cret\n` } } }, keep: true });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.equal(readFileSync(join(b.dir, "workspace/vendor/corp.example/secret/secret.go"), "utf8"), PRIVATE.files["secret.go"]);
    } finally {
      rmSync(b.dir, { recursive: true, force: true });
    }
  } finally {
    server.closeAllConnections();
    server.close();
    await inner.stop();
    rmSync(tls, { recursive: true, force: true });
  }
});

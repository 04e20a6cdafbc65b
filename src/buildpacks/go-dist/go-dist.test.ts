// go-dist through the harness (the runtime bin/detect and bin/build use), with the real deps/go
// code against a module proxy and checksum database on 127.0.0.1 that publish small fake toolchains.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runBuild, runDetect, type LayerSnapshot, type PreviousLayer } from "../../buildpack-api/testing/index.js";
import { go } from "../../deps/index.js";
import { moduleZip } from "../../deps/go/testing.js";
import { validateCycloneDx, validateSpdx } from "../../sbom/testing.js";
import { goDist } from "./buildpack.js";
import { buildpackToml, fakeToolchain, fixtureProxy, RELEASES } from "./testing/index.js";

const bp = goDist({ go });
const target = { os: "linux", arch: "amd64" };

function restored(l: LayerSnapshot | undefined): PreviousLayer {
  assert.ok(l);
  return { metadata: l.metadata, files: l.files };
}

test("detect: provides go; requires it with BP_GO_VERSION only", async () => {
  const d = await runDetect(bp, { buildpackToml, app: { "main.go": "package main\n" }, env: { BP_GO_VERSION: "1.25.*" } });
  assert.ok(d.outcome === "pass", d.stderr);
  assert.deepEqual(d.plan.provides, [{ name: "go" }]);
  assert.deepEqual(d.plan.requires, [{ name: "go", metadata: { version: "1.25.*", "version-source": "BP_GO_VERSION" } }]);
  const bare = await runDetect(bp, { buildpackToml, app: {} });
  assert.ok(bare.outcome === "pass");
  assert.deepEqual(bare.plan.requires, []);
});

test("build: go.mod's minimum takes the newest release; the layer is the toolchain without the standard library's tests; SBOM", async (t) => {
  const px = await fixtureProxy(t);
  const plan = [{ name: "go", metadata: { version: ">= 1.24", "version-source": "go.mod", build: true } }, { name: "go", metadata: { build: true } }];
  const b = await runBuild(bp, { buildpackToml, plan, env: px.env, target });
  assert.equal(b.outcome, "success", b.stderr + b.stdout);
  assert.match(b.stdout, /Paketo Buildpack for Go Distribution 0\.1\.0/);
  assert.match(b.stdout, /Candidate version sources \(in priority order\):\n {6}go\.mod -> ">= 1\.24"\n/);
  assert.match(b.stdout, /Selected Go version \(using go\.mod\): 1\.25\.1\n/);
  assert.match(b.stdout, /Installing Go 1\.25\.1\n.*Completed in .*downloaded .* verified against sum\.test\.example/);
  const l = b.layers.go;
  assert.ok(l);
  assert.deepEqual(l.types, { build: true, launch: false, cache: true });
  assert.deepEqual(l.metadata, { version: "v0.0.1-go1.25.1.linux-amd64", h1: l.metadata.h1, arch: "amd64" });
  assert.match(String(l.metadata.h1), /^h1:/);
  assert.deepEqual(Object.keys(l.files).filter((f) => !f.startsWith("env")), ["VERSION", "bin/go", "pkg/tool/linux_amd64/compile", "src/fmt/print.go"]);
  assert.deepEqual(l.executables, ["bin/go", "pkg/tool/linux_amd64/compile"]);
  assert.equal(l.files["env.build/GOTOOLCHAIN.override"], "local");
  const cdx = JSON.parse(b.files["go.sbom.cdx.json"] ?? "{}");
  const [c] = cdx.components;
  assert.equal(c.name, "go");
  assert.equal(c.version, "1.25.1");
  assert.equal(c.purl, "pkg:golang/golang.org/toolchain@v0.0.1-go1.25.1.linux-amd64");
  assert.equal(c.cpe, "cpe:2.3:a:golang:go:1.25.1:*:*:*:*:*:*:*");
  assert.equal(c.hashes[0].alg, "SHA-256");
  await validateCycloneDx(b.files["go.sbom.cdx.json"]!);
  validateSpdx(b.files["go.sbom.spdx.json"]!);
});

test("build: BP_GO_VERSION wins over go.mod; a second build keeps the layer without a download; a new version replaces it", async (t) => {
  const px = await fixtureProxy(t);
  const plan = (v: string) => [
    { name: "go", metadata: { version: ">= 1.24", "version-source": "go.mod", build: true } },
    { name: "go", metadata: { version: v, "version-source": "BP_GO_VERSION" } },
  ];
  const first = await runBuild(bp, { buildpackToml, plan: plan("1.24.*"), env: px.env, target });
  assert.equal(first.outcome, "success", first.stderr);
  assert.match(first.stdout, /BP_GO_VERSION -> "1\.24\.\*"\n {6}go\.mod {8}-> ">= 1\.24"/);
  assert.match(first.stdout, /Selected Go version \(using BP_GO_VERSION\): 1\.24\.1/);
  const zips = () => px.requests.filter((r) => r.endsWith(".zip")).length;
  assert.equal(zips(), 1);
  const again = await runBuild(bp, { buildpackToml, plan: plan("1.24.*"), env: px.env, target, layers: { go: restored(first.layers.go) } });
  assert.equal(again.outcome, "success", again.stderr);
  assert.match(again.stdout, /Reusing cached layer .*\/go\n/);
  assert.equal(zips(), 1, "no download");
  const newer = await runBuild(bp, { buildpackToml, plan: plan("1.25.0"), env: px.env, target, layers: { go: restored(first.layers.go) } });
  assert.equal(newer.outcome, "success", newer.stderr);
  assert.equal(newer.layers.go?.metadata.version, "v0.0.1-go1.25.0.linux-amd64");
  assert.match(newer.layers.go?.files.VERSION ?? "", /^go1\.25\.0/);
});

test("build: a launch requirement (a Procfile `go run`) makes the layer a launch layer with writable caches", async (t) => {
  const px = await fixtureProxy(t);
  const b = await runBuild(bp, { buildpackToml, plan: [{ name: "go", metadata: { launch: true } }], env: px.env, target });
  assert.equal(b.outcome, "success", b.stderr);
  assert.deepEqual(b.layers.go?.types, { build: false, launch: true, cache: true });
  assert.equal(b.layers.go?.files["env.launch/GOCACHE.default"], "/tmp/go-build");
  assert.equal(b.layers.go?.files["env.launch/GOTOOLCHAIN.default"], "local");
});

test("build: an arm64 target on an amd64 machine (PAKETO_NATIVE_ARCH) installs the amd64 toolchain with GOARCH=arm64; Go at launch stays the target's", async (t) => {
  const releases = RELEASES.flatMap((v) => [fakeToolchain(v), fakeToolchain(v, { arch: "arm64" })]);
  const px = await fixtureProxy(t, releases);
  const arm = { os: "linux", arch: "arm64" };
  const cross = await runBuild(bp, { buildpackToml, plan: [{ name: "go", metadata: { build: true } }], env: { ...px.env, PAKETO_NATIVE_ARCH: "amd64" }, target: arm });
  assert.equal(cross.outcome, "success", cross.stderr);
  assert.match(cross.stdout, /Cross-compiling for linux\/arm64 with the linux\/amd64 toolchain/);
  assert.equal(cross.layers.go?.metadata.version, "v0.0.1-go1.25.1.linux-amd64");
  assert.equal(cross.layers.go?.metadata.arch, "amd64");
  assert.equal(cross.layers.go?.files["env.build/GOARCH.override"], "arm64");
  assert.equal(cross.layers.go?.files["env.build/GOOS.override"], "linux");

  // the same target natively (no PAKETO_NATIVE_ARCH): the arm64 toolchain, no GOARCH; the cross layer is replaced
  const native = await runBuild(bp, { buildpackToml, plan: [{ name: "go", metadata: { build: true } }], env: px.env, target: arm, layers: { go: restored(cross.layers.go) } });
  assert.equal(native.outcome, "success", native.stderr);
  assert.equal(native.layers.go?.metadata.version, "v0.0.1-go1.25.1.linux-arm64");
  assert.equal(native.layers.go?.files["env.build/GOARCH.override"], undefined);

  // Go at launch must run in the arm64 image: the arm64 toolchain (emulated at build), no GOARCH
  const launch = await runBuild(bp, { buildpackToml, plan: [{ name: "go", metadata: { launch: true } }], env: { ...px.env, PAKETO_NATIVE_ARCH: "amd64" }, target: arm });
  assert.equal(launch.outcome, "success", launch.stderr);
  assert.equal(launch.layers.go?.metadata.arch, "arm64");
  assert.equal(launch.layers.go?.files["env.build/GOARCH.override"], undefined);
  assert.match(launch.stdout, /The linux\/arm64 toolchain \(Go is needed at launch\); it runs emulated/);
});

test("build: offline uses the download cache; an unsatisfiable BP_GO_VERSION, a tampered zip: one error each, no layer", async (t) => {
  const px = await fixtureProxy(t, [fakeToolchain("1.24.0"), fakeToolchain("1.25.0"), { ...fakeToolchain("1.25.1"), zip: moduleZip("golang.org/toolchain", "v0.0.1-go1.25.1.linux-amd64", { VERSION: "go1.25.1 (changed)\n" }) }]);
  const ok = await runBuild(bp, { buildpackToml, plan: [{ name: "go", metadata: { version: "1.24.0", "version-source": "BP_GO_VERSION", build: true } }], env: px.env, target });
  assert.equal(ok.outcome, "success", ok.stderr);
  const before = px.requests.length;
  const off = await runBuild(bp, { buildpackToml, plan: [{ name: "go", metadata: { version: "1.24.0", "version-source": "BP_GO_VERSION", build: true } }], env: { ...px.env, PAKETO_OFFLINE: "true" }, target });
  assert.equal(off.outcome, "success", off.stderr);
  assert.equal(px.requests.length, before, "offline: no request");
  assert.match(off.stdout, /from the download cache/);

  const none = await runBuild(bp, { buildpackToml, plan: [{ name: "go", metadata: { version: "1.99.*", "version-source": "BP_GO_VERSION", build: true } }], env: px.env, target });
  assert.equal(none.outcome, "error");
  assert.match(none.stderr, /ERROR: no Go release on the module proxy satisfies "1\.99\.\*" \(BP_GO_VERSION\)/);
  assert.match(none.stderr, /1\.24\.0, 1\.25\.1/);
  assert.equal(none.layers.go, undefined);

  const bad = await runBuild(bp, { buildpackToml, plan: [{ name: "go", metadata: { version: "1.25.1", "version-source": "BP_GO_VERSION", build: true } }], env: px.env, target });
  assert.equal(bad.outcome, "error");
  assert.match(bad.stderr, /ERROR: golang\.org\/toolchain@v0\.0\.1-go1\.25\.1\.linux-amd64 from .* hashes to h1:.*, the checksum database says h1:/);
  assert.deepEqual(Object.keys(bad.layers.go?.files ?? {}), []);
});

// Go toolchain resolution on a proxy whose version list has gaps, as the real one does.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { GoProxyError } from "./errors.js";
import { GoModuleSource } from "./source.js";
import { FakeSumdb, startFakeProxy, type FakeModule } from "./testing.js";
import { parseGoVersion, parseToolchainSpec, resolveToolchain, TOOLCHAIN_MODULE, toSemver } from "./toolchain.js";

const tc = (v: string, o: { arch?: string; unlisted?: boolean } = {}): FakeModule => ({
  module: TOOLCHAIN_MODULE,
  version: `v0.0.1-go${v}.linux-${o.arch ?? "amd64"}`,
  files: { VERSION: `go${v}\n`, "bin/go": "#!/bin/sh\n" },
  ...(o.unlisted ? { unlisted: true } : {}),
});

async function setup(t: { after: (f: () => unknown) => void }, notFoundStatus?: number) {
  const sumdb = new FakeSumdb();
  const proxy = await startFakeProxy(
    [
      tc("1.24.0"), tc("1.24.1"), tc("1.24.2"), tc("1.24.3", { unlisted: true }),
      tc("1.25rc1"), tc("1.25.0"), tc("1.25.1", { unlisted: true }), tc("1.25.2", { unlisted: true }),
      tc("1.26.0", { arch: "arm64" }),
    ],
    { sumdb, ...(notFoundStatus ? { notFoundStatus } : {}) },
  );
  const dir = tempDir();
  t.after(async () => {
    await proxy.stop();
    dir.cleanup();
  });
  const source = await GoModuleSource.open({ env: {}, cacheDir: join(dir.path, "cache"), http: { retryDelayMs: 1 }, config: { values: { GOPROXY: proxy.url, GOSUMDB: sumdb.vkey }, sources: {}, goroot: undefined } });
  return { proxy, source };
}

test("versions: Go's forms, and the semver form ranges use", () => {
  assert.deepEqual(parseGoVersion("go1.26.11"), { major: 1, minor: 26, patch: 11, pre: "", text: "1.26.11" });
  assert.equal(parseGoVersion("1.21")?.text, "1.21.0");
  assert.equal(toSemver(parseGoVersion("1.22rc1")!), "1.22.0-rc.1");
  assert.deepEqual(parseToolchainSpec("go1.25.3", "BP_GO_VERSION"), { exact: parseGoVersion("1.25.3") });
  assert.deepEqual(parseToolchainSpec(">= 1.15", "go.mod"), { range: ">=1.15.0" });
  assert.throws(() => parseToolchainSpec("latest please", "BP_GO_VERSION"), (e: GoProxyError) => e.code === "GOPROXY_VERSION" && /BP_GO_VERSION: "latest please"/.test(e.message));
});

test("the newest release: past the list's end by asking exact versions; never an rc; per arch", async (t) => {
  const { source, proxy } = await setup(t);
  const r = await resolveToolchain(source, { arch: "amd64", spec: undefined, where: "default" });
  assert.equal(r.version.text, "1.25.2");
  assert.equal(r.moduleVersion, "v0.0.1-go1.25.2.linux-amd64");
  assert.match(r.how, /past the proxy's list/);
  assert.ok(proxy.requests.includes("golang.org/toolchain/@v/v0.0.1-go1.25.3.linux-amd64.info"), "the next patch was asked for");
  assert.ok(proxy.requests.includes("golang.org/toolchain/@v/v0.0.1-go1.26.0.linux-amd64.info"), "the next minor was asked for");
  assert.equal((await resolveToolchain(source, { arch: "arm64", spec: undefined, where: "default" })).version.text, "1.26.0");
  // a range of an older line climbs that line's patches too
  assert.equal((await resolveToolchain(source, { arch: "amd64", spec: "1.24.*", where: "BP_GO_VERSION" })).version.text, "1.24.3");
  assert.equal((await resolveToolchain(source, { arch: "amd64", spec: ">= 1.15", where: "go.mod" })).version.text, "1.25.2");
  assert.equal((await resolveToolchain(source, { arch: "amd64", spec: "~1.24.1", where: "BP_GO_VERSION" })).version.text, "1.24.3");
});

test("exact versions are asked for directly; an rc only when named; what is not there is one error with what is", async (t) => {
  // this proxy answers 403 "not available" for what it does not serve
  const { source, proxy } = await setup(t, 403);
  const before = proxy.requests.length;
  const r = await resolveToolchain(source, { arch: "amd64", spec: "1.25.1", where: "BP_GO_VERSION" });
  assert.equal(r.version.text, "1.25.1");
  assert.deepEqual(proxy.requests.slice(before), ["golang.org/toolchain/@v/v0.0.1-go1.25.1.linux-amd64.info"]);
  assert.equal((await resolveToolchain(source, { arch: "amd64", spec: "1.25rc1", where: "BP_GO_VERSION" })).version.text, "1.25rc1");
  await assert.rejects(resolveToolchain(source, { arch: "amd64", spec: "1.23.4", where: "BP_GO_VERSION" }), (e: GoProxyError) => {
    assert.equal(e.code, "GOPROXY_VERSION");
    assert.match(e.message, /Go 1\.23\.4 is not on the module proxy for linux\/amd64/);
    assert.match(e.hint ?? "", /1\.24\.2, 1\.25\.0/);
    return true;
  });
  await assert.rejects(resolveToolchain(source, { arch: "amd64", spec: ">= 1.30", where: "go.mod" }), (e: GoProxyError) => {
    assert.match(e.message, /no Go release on the module proxy satisfies ">= 1\.30" \(go\.mod\)/);
    assert.match(e.hint ?? "", /1\.25\.2/);
    return true;
  });
});

// debian-packages through the buildpack test harness, with the install recorded by a stand-in
// (src/buildpack-api/debian has its own tests against a signed archive; the real bubblewrap and
// slirp4netns land in paketo's own image in src/e2e/kubernetes.test.ts).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { DebianPackagesOptions } from "../../buildpack-api/debian/index.js";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { buildpackToml } from "../node-common/testing/index.js";
import { fakeInstall } from "../web-server-common/testing.js";
import { debianPackages, requestedPackages } from "./buildpack.js";

const toml = buildpackToml("debian-packages");

describe("debian-packages", { concurrency: true }, () => {
  test("BP_DEBIAN_PACKAGES: space- or comma-separated, each once, in order", () => {
    assert.deepEqual(requestedPackages(" bubblewrap, slirp4netns\n bubblewrap jq=1.7.1-6,"), ["bubblewrap", "slirp4netns", "jq=1.7.1-6"]);
    assert.deepEqual(requestedPackages(undefined), []);
    assert.deepEqual(requestedPackages(" , "), []);
  });

  test("detect passes only when BP_DEBIAN_PACKAGES names a package", async () => {
    const bp = debianPackages({ install: fakeInstall([], {}, {}) });
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: {}, env: { BP_DEBIAN_PACKAGES: "bubblewrap" } })).outcome, "pass");
    const none = await runDetect(bp, { buildpackToml: toml, app: {}, env: { BP_DEBIAN_PACKAGES: " " } });
    assert.equal(none.outcome, "fail");
    assert.match(none.stdout + none.stderr, /BP_DEBIAN_PACKAGES is not set/);
  });

  test("build installs every package named, with versions and suites, into the launch layer `packages`", async () => {
    const calls: DebianPackagesOptions[] = [];
    const bp = debianPackages({ install: fakeInstall(calls, { "usr/bin/bwrap": "#!/bin/sh\n" }, { bubblewrap: "0.11.0-2" }) });
    const b = await runBuild(bp, { buildpackToml: toml, app: {}, env: { BP_DEBIAN_PACKAGES: "bubblewrap slirp4netns=1.2.1-1.1 jq/trixie-backports" }, plan: [] });
    assert.equal(b.outcome, "success", b.stderr + b.stdout);
    assert.equal(calls.length, 1);
    assert.equal(calls[0]?.layer, "packages");
    assert.deepEqual(calls[0]?.packages, [
      { name: "bubblewrap", source: "BP_DEBIAN_PACKAGES" },
      { name: "slirp4netns", version: "1.2.1-1.1", source: "BP_DEBIAN_PACKAGES" },
      { name: "jq", suite: "trixie-backports", source: "BP_DEBIAN_PACKAGES" },
    ]);
    assert.match(b.stdout, /bubblewrap 0\.11\.0-2/);
    assert.match(b.stdout, /slirp4netns \(from the run image\)/);
    assert.ok(b.layers.packages?.types.launch, "a launch layer");
  });

  test("an entry that is not a package is one error naming the setting", async () => {
    const b = await runBuild(debianPackages({ install: fakeInstall([], {}, {}) }), { buildpackToml: toml, app: {}, env: { BP_DEBIAN_PACKAGES: "bubblewrap =1.0" }, plan: [] });
    assert.equal(b.outcome, "error");
    assert.match(b.stderr, /BP_DEBIAN_PACKAGES: "=1\.0" is not a package/);
  });
});

// The host ↔ sandbox path map and output line splitting: pure.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildPaths, describeExit, lineSplitter, processSpec, type RunDir } from "./index.js";

test("BuildPaths: with bubblewrap buildpacks see the image's paths; with --sandbox none the host paths", () => {
  const p = buildPaths({ workDir: "/w/build", rootfs: "/cache/rootfs/abc", mode: "bwrap" });
  assert.equal(p.host.layers, "/w/build/layers");
  assert.equal(p.host.buildpacks, "/cache/rootfs/abc/cnb/buildpacks");
  assert.deepEqual(p.sandbox, { layers: "/layers", workspace: "/workspace", platform: "/platform", buildpacks: "/cnb/buildpacks", buildConfig: "/cnb/build-config" });
  assert.equal(p.toSandbox("/w/build/layers/samples_hello/layer"), "/layers/samples_hello/layer");
  assert.equal(p.toSandbox("/w/build/workspace"), "/workspace");
  assert.equal(p.toSandbox("/w/build/tmp/plan.x1/plan.toml"), "/tmp/plan.x1/plan.toml");
  assert.equal(p.toSandbox("/cache/rootfs/abc/cnb/buildpacks/a/1"), "/cnb/buildpacks/a/1");
  assert.equal(p.toSandbox("/cache/rootfs/abc/etc/os-release"), "/etc/os-release");
  assert.throws(() => p.toSandbox("/elsewhere/x"), /not visible in the sandbox/);
  assert.equal(p.toHost("/layers/a/b"), "/w/build/layers/a/b");
  assert.equal(p.toHost("/usr/bin/bash"), "/cache/rootfs/abc/usr/bin/bash");
  assert.equal(p.toHost("/layersx"), "/cache/rootfs/abc/layersx", "a prefix must end at a path separator");

  const n = buildPaths({ workDir: "/w/build", rootfs: "/", mode: "none" });
  assert.equal(n.sandbox.layers, "/w/build/layers");
  assert.equal(n.sandbox.buildpacks, "/cnb/buildpacks");
  assert.equal(n.toSandbox("/w/build/layers/x"), "/w/build/layers/x");
  assert.equal(n.toHost("/w/build/layers/x"), "/w/build/layers/x");
});

test("BuildPaths: an overridden buildpacks dir is bound read-only at /cnb/buildpacks; detect sees the app read-only and no layers", () => {
  const p = buildPaths({ workDir: "/w", rootfs: "/r", mode: "bwrap", buildpacksDir: "/bps" });
  assert.equal(p.toSandbox("/bps/a/1/bin/detect"), "/cnb/buildpacks/a/1/bin/detect");
  const runDir: RunDir = { host: "/w/tmp/plan.1", sandbox: "/tmp/plan.1", remove: async () => {} };
  const settings = { lifecycleEnv: {}, uid: 1001, gid: 1000 };
  const detect = processSpec(p, settings, { argv: ["x"], env: {}, access: { workspace: "ro", layers: "none" }, runDir });
  assert.deepEqual(detect.binds, [
    { source: "/w/workspace", target: "/workspace", readOnly: true },
    { source: "/w/platform", target: "/platform", readOnly: true },
    { source: "/bps", target: "/cnb/buildpacks", readOnly: true },
    { source: "/w/tmp/plan.1", target: "/tmp/plan.1" },
  ]);
  assert.equal(detect.cwd, "/workspace");
  assert.equal(detect.network, "on", "network is on by default (D2)");
  const build = processSpec(p, { ...settings, network: "off" }, { argv: ["x"], env: {}, access: { workspace: "rw", layers: "rw" }, runDir });
  assert.deepEqual(build.binds.slice(0, 2), [
    { source: "/w/workspace", target: "/workspace", readOnly: false },
    { source: "/w/layers", target: "/layers" },
  ]);
  assert.equal(build.network, "off");
  const none = processSpec(buildPaths({ workDir: "/w", rootfs: "/", mode: "none" }), settings, { argv: ["x"], env: {}, access: { workspace: "rw", layers: "rw" }, runDir });
  assert.deepEqual(none.binds, []);
  assert.equal(none.cwd, "/w/workspace");
});

test("output is split into lines across chunks, UTF-8 safe, \\r\\n trimmed, the last partial line flushed", () => {
  const lines: string[] = [];
  const s = lineSplitter((l) => lines.push(l));
  const text = Buffer.from("héllo\r\nwor");
  s.write(text.subarray(0, 2)); // splits the é
  s.write(text.subarray(2));
  s.write(Buffer.from("ld\n\nlast"));
  s.end();
  assert.deepEqual(lines, ["héllo", "world", "", "last"]);
});

test("exits are described for error messages", () => {
  assert.equal(describeExit({ code: 3, signal: null }), "exited with code 3");
  assert.equal(describeExit({ code: null, signal: "SIGKILL" }), "was killed by SIGKILL");
});

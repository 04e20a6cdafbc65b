// The launcher on images without launcher.cfg: it reads the platform spec's config/metadata.toml,
// as the reference lifecycle's exporter writes it, and applies the same version rules planLaunch
// applies to launcher.cfg.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTools, scene, type Tools } from "./testing/harness.js";
import type { LauncherConfig } from "./plan.js";
import type { TreeEntry } from "../testing/index.js";

let tools: Tools;
before(async () => {
  tools = await buildTools();
});
after(() => tools?.cleanup());

/** What the reference exporter writes (Platform API >= 0.10: array commands), with tables the launcher skips. */
const REFERENCE = String.raw`[[buildpacks]]
  id = "acme/runtime"
  version = "1.2.3"
  api = "0.10"
  homepage = "https://example.com"

[[buildpacks]]
  id = "acme/app"
  version = "0.1.0"
  api = "0.11"

[[processes]]
  type = "web"
  command = ["probe", "serve"]
  args = ["--port", "8080"]
  direct = true
  buildpack-id = "acme/app"
  working-dir = "sub"

[[processes]]
  type = "worker" # a comment
  command = ["probe"]
  args = [
    "work", # multi-line, with a trailing comma
  ]
  direct = true
  buildpack-id = "acme/app"
  exec-env = ["test"]

[[slices]]
  paths = ["a/**", 'b\*']

[bom.metadata]
  version = 1.5
  when = 2024-01-02T03:04:05Z
  licenses = [{ type = "MIT", uri = "x" }, { type = "Apache-2.0" }]

[[buildpacks.extra]]
  id = "not-a-buildpack"
`;

function layers(): Record<string, TreeEntry> {
  return {
    "acme_runtime/tools/bin/probe": { symlink: tools.probe },
    "acme_runtime/tools/env.launch/GREETING.default": "hello",
    "acme_app/config/env.launch/web/ROLE": "web",
  };
}

describe("launcher without launcher.cfg: config/metadata.toml", () => {
  it("runs a reference-exported process: command always passed, args replaced, working dir, launch layers found on disk", () => {
    const s = scene(tools, { config: { metadataToml: REFERENCE }, layers: layers(), app: { "sub/.keep": "" } });
    const env = { CNB_PLATFORM_API: "0.12", CNB_APP_DIR: "" };
    const r = s.run("web", [], { ...env, CNB_APP_DIR: s.app });
    assert.equal(r.status, 0, r.stderr);
    const p = r.probe();
    assert.deepEqual(p.argv, ["probe", "serve", "--port", "8080"]);
    assert.equal(p.cwd, `${s.app}/sub`);
    assert.equal(p.env.GREETING, "hello");
    assert.equal(p.env.ROLE, "web");
    assert.ok(p.env.PATH?.startsWith(`${s.layers}/acme_runtime/tools/bin:`), p.env.PATH);
    assert.deepEqual(s.run("web", ["--port", "9"], { CNB_PLATFORM_API: "0.12", CNB_APP_DIR: s.app }).probe().argv, ["probe", "serve", "--port", "9"]);
  });

  it("honours exec-env from Platform API 0.15 only", () => {
    const s = scene(tools, { config: { metadataToml: REFERENCE }, layers: layers(), app: { "sub/.keep": "" } });
    const r15 = s.run("worker", [], { CNB_PLATFORM_API: "0.15", CNB_APP_DIR: s.app });
    assert.equal(r15.status, 82);
    assert.match(r15.stderr, /not eligible for CNB_EXEC_ENV=production \(it runs in: test\)/);
    assert.deepEqual(s.run("worker", [], { CNB_PLATFORM_API: "0.15", CNB_APP_DIR: s.app, CNB_EXEC_ENV: "test" }).probe().argv, ["probe", "work"]);
    assert.deepEqual(s.run("worker", [], { CNB_PLATFORM_API: "0.14", CNB_APP_DIR: s.app }).probe().argv, ["probe", "work"]);
  });

  it("Platform API < 0.10 and buildpack API < 0.9: string commands, shell processes, appended user args, no working dir before 0.8", () => {
    const toml = `[[buildpacks]]
id = "acme/runtime"
api = "0.7"
[[buildpacks]]
id = "acme/old"
api = "0.8"
[[processes]]
type = "web"
command = "probe"
args = ["\${GREETING}", "a b"]
direct = false
buildpack-id = "acme/old"
working-dir = "sub"
default = true
[[processes]]
type = "legacy"
command = "probe"
args = ["x"]
direct = true
buildpack-id = "acme/runtime"
working-dir = "sub"
`;
    const s = scene(tools, { config: { metadataToml: toml }, layers: layers(), app: { "sub/.keep": "" } });
    const env = { CNB_PLATFORM_API: "0.9", CNB_APP_DIR: s.app };
    const web = s.run("web", ["more"], env);
    assert.equal(web.status, 0, web.stderr);
    assert.deepEqual(web.probe().argv, ["probe", "hello", "a b", "more"]);
    assert.equal(web.probe().cwd, `${s.app}/sub`);
    const legacy = s.run("legacy", ["y"], env).probe();
    assert.deepEqual(legacy.argv, ["probe", "x", "y"]);
    assert.equal(legacy.cwd, s.app, "working-dir is ignored for buildpack API 0.7");
    assert.deepEqual(s.run("launcher", [], env).probe().argv, ["probe", "hello", "a b"], "`default = true` is the bare launcher's process");
  });

  it("prefers launcher.cfg when both are present", () => {
    const cfg: LauncherConfig = {
      platformApi: "0.13",
      buildpacks: [{ id: "acme/runtime", api: "0.11", launchLayers: ["tools"] }],
      processes: [{ type: "web", buildpackId: "acme/runtime", command: ["probe", "from-cfg"] }],
    };
    const s = scene(tools, { config: cfg, layers: { ...layers(), "config/metadata.toml": REFERENCE } });
    assert.deepEqual(s.run("web").probe().argv, ["probe", "from-cfg"]);
  });

  it("fails with exit 1 and the line when metadata.toml is malformed, and names both files when neither exists", () => {
    const broken = scene(tools, { config: { metadataToml: `[[processes]]\ntype = "web"\ncommand = ["probe"\n` }, layers: layers() });
    const r = broken.run("web");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^launcher: reading .*config\/metadata\.toml: line 4: expected , or \] in an array\n$/);
    const badType = scene(tools, { config: { metadataToml: `[[processes]]\ntype = "../x"\ncommand = ["probe"]\n` }, layers: layers() });
    assert.match(badType.run("launcher").stderr, /process type "\.\.\/x" cannot be used as a file name/);
    const noCommand = scene(tools, { config: { metadataToml: `[[processes]]\ntype = "web"\ndirect = "yes"\n` }, layers: layers() });
    assert.match(noCommand.run("web").stderr, /process "web": direct must be true or false/);
    const none = scene(tools, { config: { metadataToml: "" }, layers: layers() });
    const r2 = none.run("web");
    assert.equal(r2.status, 82, "an empty metadata.toml is valid and has no processes");
    assert.match(r2.stderr, /process type "web" not found; available: \(none\)/);
  });
});

// The launcher binary, run for real: process selection (CNB-55), user args (CNB-56), execution
// (CNB-58), and its own failures.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTools, CONFIG_ERRORS, exe, scene, type Tools } from "./testing/harness.js";
import type { LauncherConfig } from "./plan.js";

let tools: Tools;
before(async () => {
  tools = await buildTools();
});
after(() => tools?.cleanup());

/** Two buildpacks; `app` has a layer "bin" whose bin/ holds the probe as `probe`. */
function config(over: Partial<LauncherConfig> = {}): LauncherConfig {
  return {
    platformApi: "0.13",
    buildpacks: [
      { id: "acme/runtime", api: "0.11", launchLayers: ["tools"] },
      { id: "acme/app", api: "0.11", launchLayers: [] },
    ],
    processes: [
      { type: "web", buildpackId: "acme/app", command: ["probe", "serve"], args: ["--port", "8080"] },
      { type: "worker", buildpackId: "acme/app", command: ["probe"], args: ["work"] },
    ],
    defaultProcess: "web",
    ...over,
  };
}

function layers(): Record<string, { symlink: string }> {
  return { "acme_runtime/tools/bin/probe": { symlink: tools.probe } };
}

describe("process selection", () => {
  it("runs the process named by $0 (/cnb/process/<type>)", () => {
    const s = scene(tools, { config: config(), layers: layers() });
    const r = s.run("worker");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.probe().argv, ["probe", "work"]);
    assert.equal(r.probe().cwd, s.app);
  });

  it("runs the default process as /cnb/process/<default> and as a bare `launcher`", () => {
    const s = scene(tools, { config: config(), layers: layers() });
    assert.deepEqual(s.run("web").probe().argv, ["probe", "serve", "--port", "8080"]);
    assert.deepEqual(s.run("launcher").probe().argv, ["probe", "serve", "--port", "8080"]);
  });

  it("`launcher -- CMD ARGS` runs CMD directly, on the launch PATH, with no shell expansion", () => {
    const s = scene(tools, { config: config(), layers: layers() });
    const r = s.run("launcher", ["--", "probe", "$HOME", "a b"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.probe().argv, ["probe", "$HOME", "a b"]);
  });

  it("`launcher CMD ARGS` runs through a shell, which expands each token without splitting it", () => {
    const s = scene(tools, { config: config(), layers: layers() });
    const r = s.run("launcher", ["probe", "$GREETING", "a b"], { GREETING: "hello world" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.probe().argv, ["probe", "hello world", "a b"]);
  });

  it("`launcher 'SCRIPT'` runs a single argument as a shell script", () => {
    const s = scene(tools, { config: config(), layers: layers() });
    const r = s.run("launcher", ["echo one; echo two"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "one\ntwo\n");
  });

  it("fails with the available types when $0 names an unknown process type", () => {
    const s = scene(tools, { config: config(), layers: layers() });
    const r = s.run("wroker");
    assert.equal(r.status, 82);
    assert.equal(r.stderr, `launcher: process type "wroker" not found; available: web, worker\n`);
  });

  it("without a default process, a bare `launcher` asks for a command", () => {
    const s = scene(tools, { config: config({ defaultProcess: undefined }), layers: layers() });
    const r = s.run("launcher");
    assert.equal(r.status, 82);
    assert.match(r.stderr, /^launcher: there is no default process, so a command is required/);
    assert.equal(s.run("launcher", ["--"]).status, 82);
  });

  it("ignores CNB_PROCESS_TYPE with a warning, as the reference launcher does", () => {
    const s = scene(tools, { config: config(), layers: layers() });
    const r = s.run("web", [], { CNB_PROCESS_TYPE: "worker" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.probe().argv.slice(0, 2), ["probe", "serve"]);
    assert.match(r.stderr, /warning: CNB_PROCESS_TYPE is not supported .* run \/cnb\/process\/worker instead/);
    assert.equal(r.probe().env.CNB_PROCESS_TYPE, undefined);
  });

  it("honours exec-env from Platform API 0.15 (CNB_EXEC_ENV, default production)", () => {
    const cfg = config({
      platformApi: "0.15",
      buildpacks: [
        { id: "acme/runtime", api: "0.12", launchLayers: ["tools"] },
        { id: "acme/app", api: "0.12", launchLayers: [] },
      ],
      processes: [
        { type: "web", buildpackId: "acme/app", command: ["probe"], execEnv: ["production"] },
        { type: "tests", buildpackId: "acme/app", command: ["probe"], execEnv: ["test", "development"] },
        { type: "any", buildpackId: "acme/app", command: ["probe"], execEnv: ["*"] },
      ],
    });
    const s = scene(tools, { config: cfg, layers: layers() });
    assert.equal(s.run("web").status, 0);
    const refused = s.run("tests");
    assert.equal(refused.status, 82);
    assert.equal(refused.stderr, `launcher: process type "tests" is not eligible for CNB_EXEC_ENV=production (it runs in: test, development)\n`);
    assert.equal(s.run("tests", [], { CNB_EXEC_ENV: "test" }).status, 0);
    assert.equal(s.run("web", [], { CNB_EXEC_ENV: "test" }).status, 82);
    assert.equal(s.run("any", [], { CNB_EXEC_ENV: "development" }).status, 0);
    assert.equal(s.run("launcher", [], { CNB_EXEC_ENV: "test" }).status, 82, "the default process is checked too");
  });
});

describe("user args", () => {
  it("Platform >= 0.10, command array: command[1:] always, user args replace the process args", () => {
    const s = scene(tools, { config: config(), layers: layers() });
    assert.deepEqual(s.run("web", ["--port", "9090"]).probe().argv, ["probe", "serve", "--port", "9090"]);
    assert.deepEqual(s.run("web").probe().argv, ["probe", "serve", "--port", "8080"]);
  });

  it("buildpack API >= 0.9: user args replace the process args", () => {
    const s = scene(tools, { config: config(), layers: layers() });
    assert.deepEqual(s.run("worker", ["b"]).probe().argv, ["probe", "b"]);
  });

  it("buildpack API < 0.9: user args are appended (direct process)", () => {
    const cfg = config({
      buildpacks: [
        { id: "acme/runtime", api: "0.11", launchLayers: ["tools"] },
        { id: "acme/app", api: "0.8", launchLayers: [] },
      ],
      processes: [{ type: "web", buildpackId: "acme/app", command: ["probe"], args: ["a"], direct: true }],
    });
    const s = scene(tools, { config: cfg, layers: layers() });
    assert.deepEqual(s.run("web", ["b", "c"]).probe().argv, ["probe", "a", "b", "c"]);
  });

  it("Platform < 0.10: command[1:] joins the args and user args are appended", () => {
    const s = scene(tools, { config: config({ platformApi: "0.9" }), layers: layers() });
    assert.deepEqual(s.run("web", ["x"]).probe().argv, ["probe", "serve", "--port", "8080", "x"]);
  });
});

describe("execution", () => {
  it("propagates the exit code of the process (the launcher is replaced, not a parent)", () => {
    const s = scene(tools, { config: config(), layers: layers() });
    assert.equal(s.run("web", [], { PROBE_EXIT: "7" }).status, 7);
    assert.equal(s.run("launcher", ["--", "sh", "-c", "exit 42"]).status, 42);
    assert.equal(s.run("launcher", ["exit 43"]).status, 43);
  });

  it("runs in the process working dir (relative to the app dir), else the app dir", () => {
    const cfg = config({
      processes: [
        { type: "web", buildpackId: "acme/app", command: ["probe"], workingDir: "sub" },
        { type: "abs", buildpackId: "acme/app", command: ["probe"], workingDir: "/tmp" },
        { type: "app", buildpackId: "acme/app", command: ["probe"] },
      ],
    });
    const s = scene(tools, { config: cfg, layers: layers(), app: { "sub/x": "" } });
    assert.equal(s.run("web").probe().cwd, `${s.app}/sub`);
    assert.equal(s.run("abs").probe().cwd, "/tmp");
    assert.equal(s.run("app").probe().cwd, s.app);
  });

  it("ignores working-dir for buildpack API < 0.8", () => {
    const cfg = config({
      buildpacks: [
        { id: "acme/runtime", api: "0.11", launchLayers: ["tools"] },
        { id: "acme/app", api: "0.7", launchLayers: [] },
      ],
      processes: [{ type: "web", buildpackId: "acme/app", command: ["probe"], direct: true, workingDir: "sub" }],
    });
    const s = scene(tools, { config: cfg, layers: layers(), app: { "sub/x": "" } });
    assert.equal(s.run("web").probe().cwd, s.app);
  });

  it("looks the command up on the PATH built from the layers; a name with a slash is used as given", () => {
    const cfg = config({
      processes: [
        { type: "web", buildpackId: "acme/app", command: ["probe"] },
        { type: "local", buildpackId: "acme/app", command: ["./bin/start"] },
      ],
    });
    const s = scene(tools, { config: cfg, layers: layers(), app: { "bin/start": { symlink: tools.probe } } });
    const web = s.run("web", [], { PATH: "/usr/bin:/bin" });
    assert.equal(web.status, 0, web.stderr);
    assert.equal(web.probe().env.PATH, `${s.layers}/acme_runtime/tools/bin:/usr/bin:/bin`);
    assert.deepEqual(s.run("local").probe().argv, ["./bin/start"]);
  });

  it("reports a command that is not on PATH", () => {
    const cfg = config({ processes: [{ type: "web", buildpackId: "acme/app", command: ["no-such-program"] }] });
    const s = scene(tools, { config: cfg, layers: layers() });
    const r = s.run("web", [], { PATH: "/usr/bin:/bin" });
    assert.equal(r.status, 82);
    assert.equal(r.stderr, `launcher: process "web": "no-such-program" not found on PATH=${s.layers}/acme_runtime/tools/bin:/usr/bin:/bin\n`);
  });

  it("reports a working dir that does not exist", () => {
    const cfg = config({ processes: [{ type: "web", buildpackId: "acme/app", command: ["probe"], workingDir: "missing" }] });
    const s = scene(tools, { config: cfg, layers: layers() });
    const r = s.run("web");
    assert.equal(r.status, 82);
    assert.equal(r.stderr, `launcher: process "web": changing to working dir missing: No such file or directory\n`);
  });

  it("fails with exit 1 when the config is missing or damaged", () => {
    const s = scene(tools, { config: Buffer.from("paketo-launcher\u00001\u0000app-dir\u0000/w\u0000") });
    const r = s.run("web");
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `launcher: reading ${s.layers}/config/launcher.cfg: truncated: expected a record or "end"\n`);
    const missing = s.run("web", [], { CNB_LAYERS_DIR: `${s.root}/nowhere` });
    assert.equal(missing.status, 1);
    assert.equal(
      missing.stderr,
      `launcher: reading ${s.root}/nowhere/config/metadata.toml: there is neither config/launcher.cfg nor config/metadata.toml in ${s.root}/nowhere\n`,
    );
  });

  it("refuses a damaged config with the same reasons as decodeLaunchPlan", () => {
    for (const [cfg, message] of CONFIG_ERRORS) {
      const s = scene(tools, { config: Buffer.from(cfg) });
      const r = s.run("web");
      assert.equal(r.status, 1, cfg);
      assert.match(r.stderr, new RegExp(`^launcher: reading ${s.layers}/config/launcher.cfg: `));
      assert.match(r.stderr, message);
    }
  });

  it("takes the app dir from CNB_APP_DIR over the config", () => {
    const s = scene(tools, { config: config(), layers: layers(), app: { "other/x": "" } });
    assert.equal(s.run("web", [], { CNB_APP_DIR: `${s.app}/other` }).probe().cwd, `${s.app}/other`);
  });

  it("runs a process from a buildpack with no layers and from a config with no buildpack dirs on disk", () => {
    const cfg = config({
      buildpacks: [{ id: "acme/app", api: "0.11", launchLayers: ["gone"] }],
      processes: [{ type: "web", buildpackId: "acme/app", command: ["sh", "-c", "echo ok"] }],
    });
    const r = scene(tools, { config: cfg }).run("web");
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "ok\n");
  });

  it("passes a start script its args when the process uses an executable from the app", () => {
    const cfg = config({ processes: [{ type: "web", buildpackId: "acme/app", command: ["./start.sh"], args: ["x"] }] });
    const s = scene(tools, { config: cfg, app: { "start.sh": exe(`#!/bin/sh\necho "start $*"\n`) } });
    assert.equal(s.run("web", ["y", "z"]).stdout, "start y z\n");
  });
});

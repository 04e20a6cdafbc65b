// Shell processes (buildpack API < 0.9 with direct = false, and `launcher CMD ARGS`): one shell
// that sources profile.d and <app>/.profile, then runs the command (CNB-58).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildTools, scene, type Tools } from "./testing/harness.js";
import type { LauncherConfig, LauncherProcess } from "./plan.js";

let tools: Tools;
before(async () => {
  tools = await buildTools();
});
after(() => tools?.cleanup());

function config(processes: LauncherProcess[]): LauncherConfig {
  return {
    platformApi: "0.12",
    buildpacks: [
      { id: "acme/runtime", api: "0.10", launchLayers: ["tools"] },
      { id: "acme/legacy", api: "0.8", launchLayers: ["l"] },
    ],
    processes,
  };
}

const layers = () => ({
  "acme_runtime/tools/bin/probe": { symlink: tools.probe },
  "acme_runtime/tools/env/GREETING": "hello world",
  "acme_runtime/tools/profile.d/10.sh": 'export FROM_PROFILE="p1 $GREETING"\nexport PROFILE_SELF="$0"\n',
  "acme_legacy/l/profile.d/20.sh": 'export ORDER="${ORDER}2"\n',
  "acme_legacy/l/profile.d/web/30.sh": 'export ORDER="${ORDER}web"\n',
  "acme_runtime/tools/profile.d/05.sh": 'export ORDER="${ORDER}1"\n',
  "acme_runtime/tools/profile.d/web/01.sh": 'export ORDER="${ORDER}W"\n',
});
const app = { ".profile": 'export APP_PROFILE="after $FROM_PROFILE"\nexport ORDER="${ORDER}app"\n', "sub/x": "" };

describe("shell processes", () => {
  it("with no args, runs the command string as a script after the profiles, in the working dir", () => {
    const s = scene(tools, {
      config: config([{ type: "web", buildpackId: "acme/legacy", command: [`probe "$GREETING" 'a b' "$(pwd)"`], workingDir: "sub" }]),
      layers: layers(),
      app,
    });
    const r = s.run("web");
    assert.equal(r.status, 0, r.stderr);
    const p = r.probe();
    assert.deepEqual(p.argv, ["probe", "hello world", "a b", `${s.app}/sub`]);
    assert.equal(p.env.FROM_PROFILE, "p1 hello world", "profile.d sees the layer env");
    assert.equal(p.env.APP_PROFILE, "after p1 hello world", "<app>/.profile comes after profile.d");
    // profile.d/ of every layer (buildpack, layer, file order), then every profile.d/<type>/, then .profile.
    assert.equal(p.env.ORDER, "12Wwebapp");
    assert.equal(p.env.PROFILE_SELF, `${s.root}/cnb/process/web`, "$0 of the profile scripts is the launcher as invoked");
  });

  it("with args, expands each token ($VAR, $(cmd)) without splitting it, and appends user args", () => {
    const s = scene(tools, {
      config: config([{ type: "web", buildpackId: "acme/legacy", command: ["probe"], args: ["$GREETING", "$(echo sub shell)", "'q'"] }]),
      layers: layers(),
      app,
    });
    const r = s.run("web", ["$FROM_PROFILE", "plain"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.probe().argv, ["probe", "hello world", "sub shell", "'q'", "p1 hello world", "plain"]);
    assert.equal(r.probe().cwd, s.app);
  });

  it("runs in the working dir with args too, and propagates the exit code", () => {
    const s = scene(tools, {
      config: config([
        { type: "web", buildpackId: "acme/legacy", command: ["probe"], args: ["x"], workingDir: "sub" },
        { type: "exit", buildpackId: "acme/legacy", command: ["exit 5"] },
      ]),
      layers: layers(),
      app,
    });
    assert.equal(s.run("web").probe().cwd, `${s.app}/sub`);
    assert.equal(s.run("exit").status, 5);
  });

  it("a direct process of the same buildpack API sources no profile", () => {
    const s = scene(tools, {
      config: config([{ type: "web", buildpackId: "acme/legacy", command: ["probe"], args: ["$GREETING"], direct: true }]),
      layers: layers(),
      app,
    });
    const p = s.run("web").probe();
    assert.deepEqual(p.argv, ["probe", "$GREETING"]);
    assert.equal(p.env.FROM_PROFILE, undefined);
    assert.equal(p.env.APP_PROFILE, undefined);
  });

  it("a user command without -- goes through the shell and its profiles", () => {
    const s = scene(tools, { config: config([]), layers: layers(), app });
    const p = s.run("launcher", ["probe", "$APP_PROFILE"]).probe();
    assert.deepEqual(p.argv, ["probe", "after p1 hello world"]);
    assert.equal(p.env.ORDER, "12app", "no profile.d/<type> for a user command");
  });
});

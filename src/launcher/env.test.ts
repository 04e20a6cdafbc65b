// The launch environment (CNB-16, CNB-17, CNB-57), measured by the probe the launcher execs.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TreeEntry } from "../testing/index.js";
import { buildTools, scene, type Tools } from "./testing/harness.js";
import type { LauncherConfig } from "./plan.js";

let tools: Tools;
before(async () => {
  tools = await buildTools();
});
after(() => tools?.cleanup());

function config(): LauncherConfig {
  return {
    platformApi: "0.12",
    buildpacks: [
      // launchLayers are given unsorted on purpose: the plan sorts them.
      { id: "acme/a", api: "0.10", launchLayers: ["l2", "l1"] },
      { id: "acme/b", api: "0.11", launchLayers: ["m"] },
    ],
    processes: [
      { type: "web", buildpackId: "acme/b", command: [tools.probe] },
      { type: "worker", buildpackId: "acme/b", command: [tools.probe] },
    ],
  };
}

const A1 = "acme_a/l1";
const A2 = "acme_a/l2";
const B = "acme_b/m";

const tree: Record<string, TreeEntry> = {
  [`${A1}/env/OVR`]: "a", // no suffix: override
  [`${A1}/env/OVR2.override`]: "x",
  [`${A1}/env/DEF.default`]: "from-a",
  [`${B}/env/DEF.default`]: "from-b", // the earliest buildpack wins
  [`${A1}/env/DEF_SET.default`]: "ignored",
  [`${A1}/env/DEF_EMPTY.default`]: "filled",
  [`${A1}/env/PRE.prepend`]: "a",
  [`${A1}/env/PRE.delim`]: ":",
  [`${B}/env/PRE.prepend`]: "b",
  [`${B}/env/PRE.delim`]: ":",
  [`${A1}/env/APP.append`]: "a",
  [`${A1}/env/APP.delim`]: ",",
  [`${B}/env/APP.append`]: "b",
  [`${B}/env/APP.delim`]: ",",
  [`${A1}/env/NODELIM.append`]: "x", // no .delim: empty delimiter
  [`${A1}/env.launch/SEP.append`]: "x", // a .delim in another dir of the layer does not apply
  [`${A1}/env/SEP.delim`]: "|",
  [`${A1}/env/FRESH.append`]: "only", // nothing to append to: no delimiter
  [`${A1}/env/FRESH.delim`]: ":",
  [`${A1}/env/NL`]: "v\n", // contents are verbatim
  [`${A1}/env/IGN.foo`]: "ignored", // unknown suffix
  [`${A1}/env/.keep`]: "", // hidden files name no variable
  [`${A1}/env/LEG.`]: "/p", // "NAME." (pre-0.5 form): prepend with ":"
  [`${A1}/env/WIN`]: "a",
  [`${B}/env/WIN`]: "b", // the later buildpack wins
  [`${A1}/env/X`]: "env",
  [`${A1}/env.launch/X`]: "launch",
  [`${A1}/env.launch/web/X`]: "web", // env.launch/<type> beats env.launch, which beats env
  [`${A1}/env.launch/web/ONLYWEB`]: "yes",
  [`${A1}/env.build/BUILDONLY`]: "no", // build env is not launch env
  [`${A2}/env/ORDER.append`]: "2",
  [`${A2}/env/ORDER.delim`]: ":",
  [`${A1}/env/ORDER.append`]: "1", // layers in ascending name order
  [`${A1}/env/ORDER.delim`]: ":",
  [`${A1}/env/PATH.prepend`]: "/a-pre",
  [`${A1}/env/PATH.delim`]: ":",
  [`${A1}/env/sub/IGNORED_DIR`]: "x", // subdirectories are not env files
  [`${A1}/bin/x`]: "",
  [`${A2}/bin/x`]: "",
  [`${A1}/lib/x`]: "",
  [`${B}/bin/x`]: "",
  "acme_a/not-launch/bin/x": "", // not a launch layer: not on PATH
  "acme_a/not-launch/env/NOTLAUNCH": "x",
};

describe("launch environment", () => {
  const base = {
    PATH: "/cnb/process:/usr/bin:/cnb/lifecycle:/bin",
    DEF_SET: "user",
    DEF_EMPTY: "",
    PRE: "base",
    APP: "base",
    NODELIM: "y",
    SEP: "y",
    LEG: "/q",
    CNB_APP_DIR: "",
    CNB_PLATFORM_API: "0.12",
    CNB_DEPRECATION_MODE: "quiet",
    CNB_EXEC_ENV: "production",
    KEEP: "kept",
  };

  it("applies the env files of each launch layer by the suffix rules, buildpack by buildpack", () => {
    const s = scene(tools, { config: config(), layers: tree });
    const r = s.run("web", [], base);
    assert.equal(r.status, 0, r.stderr);
    const env = r.probe().env;
    const L = s.layers;
    const want: Record<string, string | undefined> = {
      OVR: "a",
      OVR2: "x",
      DEF: "from-a",
      DEF_SET: "user",
      DEF_EMPTY: "filled",
      PRE: "b:a:base",
      APP: "base,a,b",
      NODELIM: "yx",
      SEP: "yx",
      FRESH: "only",
      NL: "v\n",
      IGN: undefined,
      LEG: "/p:/q",
      WIN: "b",
      X: "web",
      ONLYWEB: "yes",
      BUILDONLY: undefined,
      NOTLAUNCH: undefined,
      IGNORED_DIR: undefined,
      ORDER: "1:2",
      KEEP: "kept",
      CNB_EXEC_ENV: "production",
      CNB_LAYERS_DIR: undefined,
      CNB_APP_DIR: undefined,
      CNB_PLATFORM_API: undefined,
      CNB_DEPRECATION_MODE: undefined,
      // Per buildpack, every layer's bin/ first (each prepended, so l2 before l1), then env files;
      // /cnb/process and /cnb/lifecycle are gone.
      PATH: `${L}/${B}/bin:/a-pre:${L}/${A2}/bin:${L}/${A1}/bin:/usr/bin:/bin`,
      LD_LIBRARY_PATH: `${L}/${A1}/lib`,
    };
    for (const [k, v] of Object.entries(want)) assert.equal(env[k], v, k);
  });

  it("applies env.launch/<type>/ only to that process type", () => {
    const s = scene(tools, { config: config(), layers: tree });
    const env = s.run("worker", [], base).probe().env;
    assert.equal(env.X, "launch");
    assert.equal(env.ONLYWEB, undefined);
  });

  it("applies no process-type env to a user-provided command", () => {
    const s = scene(tools, { config: config(), layers: tree });
    const env = s.run("launcher", ["--", tools.probe], base).probe().env;
    assert.equal(env.X, "launch");
    assert.equal(env.OVR, "a");
  });

  it("prepends lib/ to an existing LD_LIBRARY_PATH with ':'", () => {
    const s = scene(tools, { config: config(), layers: tree });
    const env = s.run("web", [], { ...base, LD_LIBRARY_PATH: "/usr/local/lib" }).probe().env;
    assert.equal(env.LD_LIBRARY_PATH, `${s.layers}/${A1}/lib:/usr/local/lib`);
  });

  it("fails on an env file it cannot use", () => {
    const nul = scene(tools, { config: config(), layers: { [`${A1}/env/BAD`]: "a\0b" } });
    const r = nul.run("web");
    assert.equal(r.status, 82);
    assert.equal(r.stderr, `launcher: env file ${nul.layers}/${A1}/env/BAD contains a NUL byte\n`);

    const broken = scene(tools, { config: config(), layers: { [`${A1}/env/DANGLING`]: { symlink: "/nonexistent" } } });
    const b = broken.run("web");
    assert.equal(b.status, 82);
    assert.equal(b.stderr, `launcher: reading ${broken.layers}/${A1}/env/DANGLING: No such file or directory\n`);
  });
});

// launcher.cfg: the exact bytes, and a strict decoder.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CONFIG_ERRORS } from "./testing/harness.js";
import { decodeLaunchPlan, encodeLauncherConfig, encodeLaunchPlan, LauncherError, type LaunchPlan, planLaunch } from "./index.js";

const plan: LaunchPlan = planLaunch({
  platformApi: "0.15",
  appDir: "/workspace",
  buildpacks: [
    { id: "acme/node", api: "0.10", launchLayers: ["node"] },
    { id: "acme/app", api: "0.12", launchLayers: [] },
  ],
  processes: [{ type: "web", buildpackId: "acme/app", command: ["node", "a b.js"], args: ["--x", ""], execEnv: ["production"] }],
  defaultProcess: "web",
});

describe("launcher.cfg", () => {
  it("is NUL-terminated tokens, in a fixed order", () => {
    const text = encodeLaunchPlan(plan).toString("utf8").split("\0");
    assert.deepEqual(text, [
      "paketo-launcher", "1",
      "platform-api", "0.15",
      "app-dir", "/workspace",
      "buildpack", "acme_node", "layer", "node",
      "buildpack", "acme_app",
      "process", "web", "acme/app", "direct", "replace", "", "2", "node", "a b.js", "2", "--x", "", "1", "production",
      "default", "web",
      "end", "",
    ]);
  });

  it("round-trips", () => {
    assert.deepEqual(decodeLaunchPlan(encodeLaunchPlan(plan)), plan);
    const noDefault = { ...plan, defaultProcess: undefined };
    delete noDefault.defaultProcess;
    assert.deepEqual(decodeLaunchPlan(encodeLaunchPlan(noDefault)), noDefault);
    assert.deepEqual(encodeLauncherConfig({ platformApi: "0.12", buildpacks: [], processes: [] }).toString().split("\0").slice(2, 6), ["platform-api", "0.12", "app-dir", "/workspace"]);
  });

  it("decodes strictly", () => {
    const good = encodeLaunchPlan(plan);
    const bad = (bytes: Buffer | string, message: RegExp) =>
      assert.throws(
        () => decodeLaunchPlan(typeof bytes === "string" ? Buffer.from(bytes) : bytes),
        (e: unknown) => e instanceof LauncherError && e.code === "LAUNCHER_DECODE" && message.test(e.message),
      );
    bad(good.subarray(0, good.length - 1), /no final NUL/);
    bad(good.subarray(0, good.length - 4), /truncated: expected a record or "end"/);
    bad(Buffer.concat([good, Buffer.from("x\0")]), /data after "end"/);
    bad("paketo-launcher\u00002\u0000end\u0000", /format version 2 is not supported/);
    bad("something\u0000", /not a launcher config/);
    bad("paketo-launcher\u00001\u0000app-dir\u0000/w\u0000frob\u0000end\u0000", /unknown record "frob"/);
    bad("paketo-launcher\u00001\u0000layer\u0000x\u0000end\u0000", /layer record before any buildpack/);
    bad("paketo-launcher\u00001\u0000process\u0000w\u0000b\u0000direct\u0000append\u0000\u0000x\u0000", /process command is not a count: "x"/);
    bad("paketo-launcher\u00001\u0000process\u0000w\u0000b\u0000both\u0000", /exec mode must be direct or shell/);
    bad("paketo-launcher\u00001\u0000end\u0000", /no app dir/);
    for (const [cfg, message] of CONFIG_ERRORS) bad(cfg, message);
  });

  it("refuses a NUL inside a value", () => {
    assert.throws(() => encodeLaunchPlan({ ...plan, appDir: "/a\0b" }), /contains a NUL character/);
  });
});

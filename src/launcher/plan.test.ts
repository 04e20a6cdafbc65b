// planLaunch: every version-gated launch decision, checked with literals.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  escapeBuildpackId,
  LauncherError,
  type LauncherConfig,
  type LauncherProcess,
  launcherEntrypoint,
  launchFeatures,
  parseApiVersion,
  type PlannedProcess,
  planLaunch,
} from "./index.js";

function plan1(platformApi: string, bpApi: string, p: Omit<LauncherProcess, "type" | "buildpackId">): PlannedProcess {
  const plan = planLaunch({
    platformApi,
    buildpacks: [{ id: "acme/bp", api: bpApi, launchLayers: [] }],
    processes: [{ type: "web", buildpackId: "acme/bp", ...p }],
  });
  return plan.processes[0]!;
}

function rejects(cfg: LauncherConfig, message: RegExp, code = "LAUNCHER_CONFIG"): void {
  assert.throws(
    () => planLaunch(cfg),
    (e: unknown) => e instanceof LauncherError && e.code === code && message.test(e.message),
  );
}

describe("launchFeatures", () => {
  it("follows the Buildpack and Platform API tables", () => {
    const f = (p: string, b: string) => launchFeatures(parseApiVersion(p, "p"), parseApiVersion(b, "b"));
    assert.deepEqual(f("0.9", "0.7"), { stringCommand: true, workingDir: false, userArgsReplace: false, commandArgs: false, execEnv: false });
    assert.deepEqual(f("0.10", "0.8"), { stringCommand: true, workingDir: true, userArgsReplace: false, commandArgs: true, execEnv: false });
    assert.deepEqual(f("0.14", "0.9"), { stringCommand: false, workingDir: true, userArgsReplace: true, commandArgs: true, execEnv: false });
    assert.deepEqual(f("0.15", "0.12"), { stringCommand: false, workingDir: true, userArgsReplace: true, commandArgs: true, execEnv: true });
  });
});

describe("planLaunch processes", () => {
  const table: Array<[string, string, Omit<LauncherProcess, "type" | "buildpackId">, Partial<PlannedProcess>]> = [
    // bp < 0.9: string command, shell unless direct, user args appended
    ["0.12", "0.7", { command: ["node server.js"], args: ["a"] }, { exec: "shell", userArgs: "append", command: ["node server.js"], args: ["a"] }],
    ["0.12", "0.8", { command: ["/app/run"], direct: true }, { exec: "direct", userArgs: "append", command: ["/app/run"], args: [] }],
    // bp >= 0.9: always direct, user args replace
    ["0.12", "0.9", { command: ["node"], args: ["server.js"] }, { exec: "direct", userArgs: "replace", command: ["node"], args: ["server.js"] }],
    // platform >= 0.10, command with several elements: command[1:] always passed, args replaceable
    ["0.10", "0.10", { command: ["java", "-jar", "app.jar"], args: ["--x"] }, { userArgs: "replace", command: ["java", "-jar", "app.jar"], args: ["--x"] }],
    // platform < 0.10: command[1:] folded into args; user args appended
    ["0.9", "0.10", { command: ["java", "-jar", "app.jar"], args: ["--x"] }, { userArgs: "append", command: ["java"], args: ["-jar", "app.jar", "--x"] }],
    ["0.9", "0.11", { command: ["node"], args: ["a"] }, { userArgs: "append", command: ["node"], args: ["a"] }],
  ];
  for (const [platform, bp, input, want] of table) {
    it(`platform ${platform}, buildpack ${bp}: ${JSON.stringify(input)}`, () => {
      const got = plan1(platform, bp, input);
      for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof PlannedProcess], v, k);
    });
  }

  it("keeps working-dir from buildpack API 0.8 and drops it before", () => {
    assert.equal(plan1("0.12", "0.7", { command: ["x"], workingDir: "/w/sub" }).workingDir, "");
    assert.equal(plan1("0.12", "0.8", { command: ["x"], workingDir: "/w/sub" }).workingDir, "/w/sub");
    assert.equal(plan1("0.12", "0.11", { command: ["x"] }).workingDir, "");
  });

  it("keeps exec-env from Platform API 0.15 and drops it before", () => {
    assert.deepEqual(plan1("0.14", "0.12", { command: ["x"], execEnv: ["test"] }).execEnv, []);
    assert.deepEqual(plan1("0.15", "0.12", { command: ["x"], execEnv: ["test"] }).execEnv, ["test"]);
  });

  it("refuses what the buildpack API does not allow", () => {
    const cfg = (bpApi: string, p: Partial<LauncherProcess>): LauncherConfig => ({
      platformApi: "0.12",
      buildpacks: [{ id: "acme/bp", api: bpApi, launchLayers: [] }],
      processes: [{ type: "web", buildpackId: "acme/bp", command: ["x"], ...p }],
    });
    rejects(cfg("0.8", { command: ["node", "server.js"] }), /buildpack API < 0.9 has a string command, but 2 elements/);
    rejects(cfg("0.9", { direct: false }), /"direct" is not allowed from buildpack API 0.9/);
    rejects(cfg("0.9", { command: [] }), /process "web" has no command/);
    rejects(cfg("0.6", {}), /buildpack acme\/bp: API 0.6 is not supported/, "LAUNCHER_API");
    rejects(cfg("0.13", {}), /API 0.13 is not supported/, "LAUNCHER_API");
    rejects(cfg("x", {}), /"x" is not an API version/, "LAUNCHER_API");
    rejects({ ...cfg("0.9", {}), platformApi: "0.6" }, /platform: API 0.6 is not supported/, "LAUNCHER_API");
    rejects(cfg("0.9", { args: ["a\0b"] }), /contains a NUL character/);
  });
});

describe("planLaunch structure", () => {
  const base = (): LauncherConfig => ({
    platformApi: "0.13",
    buildpacks: [
      { id: "acme/node", api: "0.10", launchLayers: ["node", "b", "Z", "a"] },
      { id: "acme/npm", api: "0.11", launchLayers: [] },
    ],
    processes: [
      { type: "web", buildpackId: "acme/npm", command: ["npm", "start"] },
      { type: "worker", buildpackId: "acme/node", command: ["node", "w.js"] },
    ],
    defaultProcess: "web",
  });

  it("escapes buildpack ids into dir names and sorts launch layers bytewise", () => {
    const plan = planLaunch(base());
    assert.deepEqual(plan.buildpacks, [
      { dir: "acme_node", layers: ["Z", "a", "b", "node"] },
      { dir: "acme_npm", layers: [] },
    ]);
    assert.equal(plan.appDir, "/workspace");
    assert.equal(plan.defaultProcess, "web");
    assert.equal(escapeBuildpackId("a/b/c"), "a_b_c");
  });

  it("refuses configs the launcher could not run", () => {
    rejects({ ...base(), defaultProcess: "nope" }, /default process "nope" is not one of the processes/);
    rejects({ ...base(), processes: [...base().processes, base().processes[0]!] }, /process type "web" appears twice/);
    rejects({ ...base(), processes: [{ type: "web", buildpackId: "acme/other", command: ["x"] }] }, /not in the group/);
    rejects({ ...base(), processes: [{ type: "a/b", buildpackId: "acme/npm", command: ["x"] }] }, /process type "a\/b" cannot be used as a file name/);
    rejects({ ...base(), buildpacks: [...base().buildpacks, { id: "acme_npm", api: "0.11", launchLayers: [] }] }, /buildpacks acme\/npm and acme_npm share the layers directory acme_npm/);
    rejects({ ...base(), buildpacks: [{ id: "acme/node", api: "0.10", launchLayers: ["a", "a"] }] }, /layer "a" of buildpack acme\/node appears twice/);
    rejects({ ...base(), buildpacks: [{ id: "acme/node", api: "0.10", launchLayers: [".."] }] }, /cannot be used as a file name/);
    rejects({ ...base(), appDir: "workspace" }, /app dir "workspace" is not an absolute path/);
  });

  it("gives the entrypoint the platform spec asks for", () => {
    const plan = planLaunch(base());
    assert.equal(launcherEntrypoint(plan), "/cnb/process/web");
    assert.equal(launcherEntrypoint(plan, "worker"), "/cnb/process/worker");
    assert.equal(launcherEntrypoint({ ...plan, defaultProcess: undefined }), "/cnb/lifecycle/launcher");
    assert.throws(() => launcherEntrypoint(plan, "nope"), /process type "nope" is not one of the processes/);
  });
});

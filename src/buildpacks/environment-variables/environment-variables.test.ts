import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { applyEnvDir } from "../../lifecycle/index.js";
import { environmentVariables } from "./buildpack.js";
import { launchVariables } from "./variables.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const buildpackToml = readFileSync(join(root, "src/buildpacks/environment-variables/buildpack.toml"), "utf8");
const bp = environmentVariables();

/** The launch env a process would get from this layer, applied by the lifecycle's own env-file rules. */
function launchEnv(files: Record<string, string>, base: Record<string, string>): Record<string, string> {
  const dir = Object.entries(files)
    .filter(([p]) => p.startsWith("env.launch/") && !p.slice("env.launch/".length).includes("/"))
    .map(([p, content]) => ({ name: p.slice("env.launch/".length), content }));
  return { ...applyEnvDir(base, dir, "override") };
}

test("environment-variables: detect passes when a BPE_* variable is in the platform env, and only then", async () => {
  const yes = await runDetect(bp, { buildpackToml, platformEnv: { BPE_FOO: "bar" } });
  assert.ok(yes.outcome === "pass", yes.stderr);
  assert.deepEqual(yes.plan.requires, [{ name: "environment-variables", metadata: {} }]);
  const empty = await runDetect(bp, { buildpackToml, platformEnv: { BPE_EMPTY: "" } });
  assert.equal(empty.outcome, "pass", "set to empty is still set (an empty override clears a variable)");
  const none = await runDetect(bp, { buildpackToml, platformEnv: { BP_FOO: "x", NOT_BPE_X: "y" } });
  assert.equal(none.outcome, "fail");
  assert.match(none.stdout, /no BPE_\* variable is set/);
});

test("environment-variables: every prefix becomes its env.launch file, with the delimiter; values verbatim", async () => {
  const platformEnv = {
    BPE_GREETING: "hello world\n",
    BPE_OVERRIDE_NODE_ENV: "staging",
    BPE_DEFAULT_PORT: "8080",
    BPE_APPEND_JAVA_OPTS: "-Xss1m",
    BPE_DELIM_JAVA_OPTS: " ",
    BPE_PREPEND_PATH: "/workspace/bin",
    BPE_DELIM_PATH: ":",
    BPE_APPEND_NODE_OPTIONS: "--enable-source-maps",
    BPE_OVERRIDE_DEFAULT_FOO: "a variable named DEFAULT_FOO",
  };
  const b = await runBuild(bp, { buildpackToml, platformEnv, plan: [{ name: "environment-variables" }] });
  assert.equal(b.outcome, "success", b.stderr);
  const layer = b.layers["environment-variables"];
  assert.ok(layer);
  assert.deepEqual(layer.types, { launch: true, build: false, cache: false });
  assert.deepEqual(layer.files, {
    "env.launch/DEFAULT_FOO.override": "a variable named DEFAULT_FOO",
    "env.launch/GREETING.override": "hello world\n",
    "env.launch/JAVA_OPTS.append": "-Xss1m",
    "env.launch/JAVA_OPTS.delim": " ",
    "env.launch/NODE_ENV.override": "staging",
    "env.launch/NODE_OPTIONS.append": "--enable-source-maps",
    "env.launch/PATH.delim": ":",
    "env.launch/PATH.prepend": "/workspace/bin",
    "env.launch/PORT.default": "8080",
  });
  assert.equal(b.launch, undefined, "no processes, no labels");

  const env = launchEnv(layer.files, { PATH: "/usr/bin:/bin", JAVA_OPTS: "-Xmx1g", NODE_ENV: "production", PORT: "3000", NODE_OPTIONS: "--x" });
  assert.equal(env.PATH, "/workspace/bin:/usr/bin:/bin");
  assert.equal(env.JAVA_OPTS, "-Xmx1g -Xss1m");
  assert.equal(env.NODE_OPTIONS, "--x--enable-source-maps", "no BPE_DELIM_: no delimiter (Paketo's default)");
  assert.equal(env.NODE_ENV, "staging");
  assert.equal(env.PORT, "3000", "a default leaves a set variable alone");
  assert.equal(launchEnv(layer.files, {}).PORT, "8080");
  assert.match(b.stdout, /Launch environment:\n {4}DEFAULT_FOO: set \(BPE_OVERRIDE_DEFAULT_FOO\)\n/);
  assert.doesNotMatch(b.stdout, /staging|8080/, "values are not logged");
});

test("environment-variables: BPE_OVERRIDE_X wins over BPE_X; a name that cannot be an env file is an error naming the setting", () => {
  const r = launchVariables({ BPE_X: "plain", BPE_OVERRIDE_X: "explicit" });
  assert.deepEqual(r.variables, [{ name: "X", modification: "override", value: "explicit", from: "BPE_OVERRIDE_X" }]);
  assert.deepEqual(r.warnings, ["BPE_X is ignored: BPE_OVERRIDE_X also sets X"]);
  assert.throws(() => launchVariables({ BPE_APPEND_: "x" }), { code: "BPE_NAME", message: "BPE_APPEND_ does not name a variable" });
  assert.throws(() => launchVariables({ "BPE_A.B": "x" }), /BPE_A\.B does not name a variable \("A\.B" cannot be an env file name\)/);
});

test("environment-variables: the layer of the previous image is reused while the settings are the same", async () => {
  const platformEnv = { BPE_A: "1", BPE_DEFAULT_B: "2" };
  const plan = [{ name: "environment-variables" }];
  const files = { "env.launch/A.override": "1", "env.launch/B.default": "2" };
  const same = await runBuild(bp, { buildpackToml, platformEnv, plan, layers: { "environment-variables": { metadata: { files }, metadataOnly: true } } });
  assert.equal(same.outcome, "success", same.stderr);
  assert.equal(same.layers["environment-variables"]?.hasDir, false, "kept: the exporter reuses the previous image's layer");
  assert.match(same.stdout, /Reusing the launch environment of the previous image/);
  const changed = await runBuild(bp, { buildpackToml, platformEnv: { ...platformEnv, BPE_A: "3" }, plan, layers: { "environment-variables": { metadata: { files }, metadataOnly: true } } });
  assert.equal(changed.layers["environment-variables"]?.files["env.launch/A.override"], "3");
});

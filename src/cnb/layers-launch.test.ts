import { test } from "node:test";
import assert from "node:assert/strict";
import {
  BUILDPACK_APIS,
  buildpackFeatures,
  isIgnoredLayer,
  layerExecEnv,
  parseApiVersion,
  parseBuildToml,
  parseLaunchToml,
  parseLayerMetadata,
  parseStoreToml,
  sliceEscapesApp,
  stringifyBuildToml,
  stringifyLaunchToml,
  stringifyLayerMetadata,
  stringifyStoreToml,
  type CnbErrorCode,
  type LaunchFile,
} from "./index.js";
import { expectCnbError } from "./testing.js";

const v = (s: string) => parseApiVersion(s);

test("CNB-13: <layer>.toml [types] default to false; [metadata] is free-form", () => {
  const l = parseLayerMetadata(`[types]\nlaunch = true\ncache = true\n\n[metadata]\nversion = "20.11.1"\n[metadata.built]\nat = 2024-01-02T03:04:05Z\n`);
  assert.deepEqual(l.types, { launch: true, build: false, cache: true });
  assert.equal(l.metadata.version, "20.11.1");
  assert.ok((l.metadata.built as Record<string, unknown>).at instanceof Date);
  assert.deepEqual(parseLayerMetadata(stringifyLayerMetadata(l)), l);
  assert.deepEqual(parseLayerMetadata("").types, { launch: false, build: false, cache: false });
});

test("CNB-13: top-level flags (pre-0.6 format) are refused with the field named", () => {
  expectCnbError(() => parseLayerMetadata("launch = true\n", "/layers/a_b/node.toml"), "CNB_INVALID_FIELD", "/layers/a_b/node.toml", "launch", "[types]");
  expectCnbError(() => parseLayerMetadata("[types]\nbuild = 1\n", "n.toml"), "CNB_INVALID_FIELD", "n.toml: types.build");
});

test("CNB-13: unknown keys are ignored, e.g. metadata inside [types] (ruby-bundler)", () => {
  const l = parseLayerMetadata(`[types]\ncache = true\nlaunch = true\n[types.metadata]\nversion = "1"\n`);
  assert.deepEqual(l.types, { launch: true, build: false, cache: true });
  assert.deepEqual(l.metadata, {});
});

test("CNB-25, CNB-39: a restored layer toml carries no [types]", () => {
  const text = stringifyLayerMetadata({ metadata: { sha: "abc" } });
  assert.doesNotMatch(text, /types/);
  assert.deepEqual(parseLayerMetadata(text).types, { launch: false, build: false, cache: false });
});

test("CNB-14: a layer with every flag false is ignored", () => {
  assert.equal(isIgnoredLayer({ launch: false, build: false, cache: false }), true);
  assert.equal(isIgnoredLayer(undefined), true);
  assert.equal(isIgnoredLayer({ launch: false, build: false, cache: true }), false);
});

test("CNB-26: layer exec-env in [metadata]", () => {
  assert.deepEqual(layerExecEnv(parseLayerMetadata('[metadata]\nexec-env = ["test"]')), ["test"]);
  assert.equal(layerExecEnv(parseLayerMetadata("[metadata]\nx = 1")), undefined);
  expectCnbError(() => parseLayerMetadata("[metadata]\nexec-env = 1", "l.toml"), "CNB_INVALID_FIELD", "l.toml", "metadata.exec-env");
});

test("CNB-21: store.toml round-trips its [metadata]", () => {
  const s = parseStoreToml("[metadata]\ncount = 3\n[metadata.nested]\nok = true\n");
  assert.deepEqual(s, { metadata: { count: 3, nested: { ok: true } } });
  assert.deepEqual(parseStoreToml(stringifyStoreToml(s)), s);
});

const API_07 = `
[[processes]]
type = "web"
command = "node server.js"
args = ["--port", "8080"]
direct = false
default = true
working-dir = "/workspace/app"

[[processes]]
type = "worker"
command = "node"
args = ["worker.js"]
direct = true

[[slices]]
paths = ["static/*", "/workspace/public"]

[[labels]]
key = "org.opencontainers.image.vendor"
value = "acme"

[[bom]]
name = "node"
[bom.metadata]
version = "20.11.1"
`;

const API_011 = `
[[processes]]
type = "sys-info"
command = ["/layers/samples_hello-processes/sys-info/sys-info.sh"]
args = ["--verbose"]
default = false

[[processes]]
type = "web"
command = ["./app.sh"]
default = true
exec-env = ["production"]
`;

test("CNB-18: launch.toml for API 0.7 (string command, direct) and 0.11 (array command)", () => {
  const old = parseLaunchToml(API_07, "launch.toml", v("0.7"));
  assert.deepEqual(old.processes[0], { type: "web", command: ["node server.js"], args: ["--port", "8080"], direct: false, default: true, workingDir: "/workspace/app" });
  assert.deepEqual(old.processes[1]?.direct, true);
  assert.deepEqual(old.slices, [{ paths: ["static/*", "/workspace/public"] }]);
  assert.deepEqual(old.labels, [{ key: "org.opencontainers.image.vendor", value: "acme" }]);
  assert.deepEqual(old.bom, [{ name: "node", metadata: { version: "20.11.1" } }]);
  assert.equal(parseLaunchToml('[[processes]]\ntype = "a"\ncommand = "x"', "l", v("0.8")).processes[0]?.direct, false);

  const now = parseLaunchToml(API_011, "launch.toml", v("0.11"));
  assert.deepEqual(now.processes.map((p) => [p.type, p.command, p.direct, p.default]), [
    ["sys-info", ["/layers/samples_hello-processes/sys-info/sys-info.sh"], true, false],
    ["web", ["./app.sh"], true, true],
  ]);
  assert.deepEqual(now.processes[1]?.execEnv, ["production"]);
});

test("CNB-18: launch.toml round-trips at every supported Buildpack API", () => {
  for (const api of BUILDPACK_APIS) {
    const f = buildpackFeatures(api);
    const l: LaunchFile = {
      processes: [{ type: "web" as never, command: f.processCommandIsArray ? ["node", "server.js"] : ["node server.js"], args: ["a"], direct: !f.directKeyAllowed, default: true }],
      slices: [{ paths: ["dist/**"] }],
      labels: [{ key: "k", value: "v" }],
      bom: [],
    };
    assert.deepEqual(parseLaunchToml(stringifyLaunchToml(l, api), "launch.toml", api), l, api);
  }
});

test("CNB-18: invalid launch.toml per API names file and field", () => {
  const cases: [string, string, string, CnbErrorCode, string][] = [
    ["string command at 0.9", "0.9", '[[processes]]\ntype = "web"\ncommand = "node"', "CNB_INVALID_FIELD", "processes[0].command: must be an array"],
    ["array command at 0.8", "0.8", '[[processes]]\ntype = "web"\ncommand = ["node"]', "CNB_INVALID_FIELD", "processes[0].command: must be a string"],
    ["direct at 0.9", "0.9", '[[processes]]\ntype = "web"\ncommand = ["node"]\ndirect = true', "CNB_INVALID_FIELD", "processes[0].direct"],
    ["no command", "0.10", '[[processes]]\ntype = "web"', "CNB_MISSING_FIELD", "processes[0].command"],
    ["empty command", "0.10", '[[processes]]\ntype = "web"\ncommand = []', "CNB_INVALID_FIELD", "processes[0].command"],
    ["bad type", "0.10", '[[processes]]\ntype = "a/b"\ncommand = ["x"]', "CNB_INVALID_PROCESS_TYPE", "processes[0].type"],
    ["duplicate type", "0.10", '[[processes]]\ntype = "web"\ncommand = ["x"]\n[[processes]]\ntype = "web"\ncommand = ["y"]', "CNB_DUPLICATE", "processes[1]"],
    ["two defaults", "0.10", '[[processes]]\ntype = "a"\ncommand = ["x"]\ndefault = true\n[[processes]]\ntype = "b"\ncommand = ["y"]\ndefault = true', "CNB_CONFLICT", "processes"],
    ["duplicate label", "0.10", '[[labels]]\nkey = "k"\nvalue = "1"\n[[labels]]\nkey = "k"\nvalue = "2"', "CNB_DUPLICATE", "labels[1]"],
    ["escaping slice", "0.10", '[[slices]]\npaths = ["a/../../etc"]', "CNB_INVALID_FIELD", "slices[0].paths[0]"],
    ["bom version", "0.10", '[[bom]]\nname = "n"\nversion = "1"', "CNB_INVALID_FIELD", "bom[0].version"],
  ];
  for (const [name, api, text, code, field] of cases) {
    const e = expectCnbError(() => parseLaunchToml(text, "/layers/acme_web/launch.toml", v(api)), code, "/layers/acme_web/launch.toml", field);
    assert.ok(e, name);
  }
});

test("CNB-20: slice globs must not leave the app dir", () => {
  for (const ok of ["static/*", "a/../b", "./x", "/workspace/x", "*.jar"]) assert.equal(sliceEscapesApp(ok), false, ok);
  for (const bad of ["..", "../x", "a/../../x"]) assert.equal(sliceEscapesApp(bad), true, bad);
});

test("CNB-11: build.toml [[unmet]] and legacy [[bom]]", () => {
  const b = parseBuildToml('[[unmet]]\nname = "node"\n[[bom]]\nname = "npm"\n[bom.metadata]\nversion = "10"\n');
  assert.deepEqual(b, { unmet: [{ name: "node" }], bom: [{ name: "npm", metadata: { version: "10" } }] });
  assert.deepEqual(parseBuildToml(stringifyBuildToml(b)), b);
  expectCnbError(() => parseBuildToml("[[unmet]]\n", "/layers/x/build.toml"), "CNB_MISSING_FIELD", "/layers/x/build.toml", "unmet[0].name");
});

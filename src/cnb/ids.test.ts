import { test } from "node:test";
import assert from "node:assert/strict";
import {
  escapeId,
  execEnvMatches,
  findCaseInsensitiveDuplicate,
  isStrictVersion,
  parseBuildpackId,
  parseBuildpackVersion,
  parseExecEnvName,
  parseLayerName,
  parseProcessType,
} from "./index.js";
import { expectCnbError } from "./testing.js";

test("CNB-2: buildpack ids allow letters, digits, '.', '/', '-'", () => {
  for (const ok of ["samples/hello-world", "paketo-buildpacks/node-engine", "heroku/nodejs", "io.buildpacks.ruby", "A1"]) {
    assert.equal(parseBuildpackId(ok), ok);
  }
});

test("CNB-2: invalid and reserved ids are refused with the field named", () => {
  const cases: [string, string][] = [
    ["", "is empty"],
    ["my_bp", '"_"'],
    ["a b", '" "'],
    ["bp@1", '"@"'],
    ["app", "reserved"],
    ["config", "reserved"],
    ["generated", "reserved"],
    ["sbom", "reserved"],
    ["SBOM", "reserved"],
    ["..", "not a usable"],
  ];
  for (const [id, why] of cases) expectCnbError(() => parseBuildpackId(id, "buildpack.toml: buildpack.id"), "CNB_INVALID_ID", "buildpack.toml: buildpack.id", why);
});

test("CNB-2: ids must be unique ignoring case", () => {
  assert.deepEqual(findCaseInsensitiveDuplicate(["a/b", "c", "A/B"]), ["a/b", "A/B"]);
  assert.equal(findCaseInsensitiveDuplicate(["a/b", "a/c"]), undefined);
});

test("CNB-3: escaped ids replace '/' with '_'", () => {
  assert.equal(escapeId("samples/hello-world"), "samples_hello-world");
  assert.equal(escapeId("a/b/c"), "a_b_c");
  assert.equal(escapeId("plain"), "plain");
});

test("CNB-12: layer names refuse build, launch, store and names clashing with files next to layers", () => {
  for (const ok of ["node", "node_modules", "jdk-17", "sys-info", "a.b"]) assert.equal(parseLayerName(ok), ok);
  const cases: [string, string][] = [
    ["build", "reserved"],
    ["launch", "reserved"],
    ["store", "reserved"],
    ["", "usable"],
    ["..", "usable"],
    ["a/b", "path separator"],
    ["x.toml", '".toml"'],
    ["x.sha", '".sha"'],
    ["x.ignore", '".ignore"'],
    ["launch.sbom.cdx.json", '".sbom.cdx.json"'],
    ["node.sbom.spdx.json", ".sbom.spdx.json"],
  ];
  for (const [name, why] of cases) expectCnbError(() => parseLayerName(name, "layer"), "CNB_INVALID_LAYER_NAME", "layer", why);
});

test("CNB-18: process types allow letters, digits, '.', '_', '-'", () => {
  for (const ok of ["web", "worker", "sys-info", "task_1", "v1.2"]) assert.equal(parseProcessType(ok), ok);
  for (const bad of ["", "a/b", "a b", "x:y", "..", "wéb"]) {
    expectCnbError(() => parseProcessType(bad, "launch.toml: processes[0].type"), "CNB_INVALID_PROCESS_TYPE", "processes[0].type");
  }
});

test("buildpack versions: lenient for real registries, refusing what cannot be a directory", () => {
  for (const ok of ["0.0.1", "1.2.3", "1.0.0-rc.1", "2024.01.02", "v3"]) assert.equal(parseBuildpackVersion(ok), ok);
  for (const bad of ["", "1.0 beta", "1/2", "..", "{{ .version }}"]) {
    expectCnbError(() => parseBuildpackVersion(bad, "buildpack.toml: buildpack.version"), "CNB_INVALID_VERSION", "buildpack.version");
  }
  assert.equal(isStrictVersion("1.2.3"), true);
  for (const loose of ["1.2", "01.2.3", "1.2.3-rc1", "v1.2.3"]) assert.equal(isStrictVersion(loose), false, loose);
});

test("CNB-26: exec-env names and matching ('*' and absent mean every environment)", () => {
  assert.equal(parseExecEnvName("production"), "production");
  expectCnbError(() => parseExecEnvName("a/b", "x"), "CNB_INVALID_FIELD", "x");
  assert.equal(execEnvMatches(undefined, "test"), true);
  assert.equal(execEnvMatches([], "test"), true);
  assert.equal(execEnvMatches(["*"], "test"), true);
  assert.equal(execEnvMatches(["production"], "test"), false);
  assert.equal(execEnvMatches(["test", "development"], "test"), true);
});

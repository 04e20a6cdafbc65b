import { test } from "node:test";
import assert from "node:assert/strict";
import {
  apiSupported,
  BUILDPACK_APIS,
  BUILDPACK_FEATURE_TABLE,
  buildpackFeatures,
  compareApi,
  highestCommonApi,
  parseApiVersion,
  PLATFORM_APIS,
  PLATFORM_FEATURE_TABLE,
  platformFeatures,
  requireBuildpackApi,
  requirePlatformApi,
  type ApiVersion,
} from "./index.js";
import { expectCnbError } from "./testing.js";

const v = (s: string) => parseApiVersion(s);

test("CNB-1: API versions parse to <major>.<minor>; a bare major means .0", () => {
  for (const [input, want] of [["0.7", "0.7"], ["0.10", "0.10"], ["1", "1.0"], ["2.3", "2.3"], ["0", "0.0"]] as const) {
    assert.equal(parseApiVersion(input), want);
  }
  for (const bad of ["", "v0.7", "0.7.1", "0.07", "01", "a.b", "0.", " 0.7"]) {
    expectCnbError(() => parseApiVersion(bad, "buildpack.toml: api"), "CNB_INVALID_API", "buildpack.toml: api", JSON.stringify(bad));
  }
});

test("API versions compare numerically, not as strings", () => {
  assert.equal(compareApi(v("0.9"), v("0.10")), -1);
  assert.equal(compareApi(v("0.12"), v("0.12")), 0);
  assert.equal(compareApi(v("1.0"), v("0.15")), 1);
  const sorted = [v("0.10"), v("0.7"), v("1"), v("0.9")].sort(compareApi);
  assert.deepEqual(sorted, ["0.7", "0.9", "0.10", "1.0"]);
});

test("§0: supported ranges are Buildpack API 0.7–0.12 and Platform API 0.7–0.15", () => {
  assert.deepEqual([...BUILDPACK_APIS], ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12"]);
  assert.deepEqual([...PLATFORM_APIS], ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14", "0.15"]);
});

test("CNB-1, CNB-29: unsupported Buildpack API (exit 12) and Platform API (exit 11) are refused by name", () => {
  assert.equal(requireBuildpackApi(v("0.12"), "x"), "0.12");
  for (const bad of ["0.1", "0.6", "0.13", "9.9"]) {
    expectCnbError(() => requireBuildpackApi(v(bad), "/cnb/buildpacks/a/1/buildpack.toml"), "CNB_UNSUPPORTED_BUILDPACK_API", "buildpack.toml", bad, "0.7–0.12");
  }
  assert.equal(requirePlatformApi(v("0.15"), "CNB_PLATFORM_API"), "0.15");
  expectCnbError(() => requirePlatformApi(v("0.1"), "CNB_PLATFORM_API"), "CNB_UNSUPPORTED_PLATFORM_API", "CNB_PLATFORM_API", "0.1");
});

test("supported lists: 0.x matches exactly; from 1.0 a listed minor serves lower minors", () => {
  const list = [v("0.9"), v("1.2")];
  assert.equal(apiSupported(v("0.9"), list), true);
  assert.equal(apiSupported(v("0.8"), list), false);
  assert.equal(apiSupported(v("1.0"), list), true);
  assert.equal(apiSupported(v("1.3"), list), false);
  assert.equal(highestCommonApi(PLATFORM_APIS, [v("0.3"), v("0.10"), v("0.12")]), "0.12");
  assert.equal(highestCommonApi(PLATFORM_APIS, [v("0.3")]), undefined);
});

const at = (api: string) => buildpackFeatures(v(api));

test("§0 table, buildpack API rows: <0.8, <0.9, ≥0.9, ≥0.10, ≥0.12", () => {
  // <0.8: positional args only; working-dir ignored
  assert.deepEqual([at("0.7").positionalArgsOnly, at("0.8").positionalArgsOnly], [true, false]);
  assert.deepEqual([at("0.7").workingDirHonoured, at("0.8").workingDirHonoured], [false, true]);
  // <0.9: string command, optional direct, args appended; ≥0.9: array, direct is an error, always direct, args replaced
  for (const [api, before] of [["0.8", true], ["0.9", false], ["0.12", false]] as const) {
    const f = at(api);
    assert.equal(f.processCommandIsArray, !before, api);
    assert.equal(f.directKeyAllowed, before, api);
    assert.equal(f.processesAlwaysDirect, !before, api);
    assert.equal(f.userArgsReplace, !before, api);
  }
  // ≥0.10: CNB_TARGET_*, targets replace stacks, image extensions
  for (const k of ["targetsEnv", "stacksDeprecated", "imageExtensions", "bionicStackAlwaysTranslated"] as const) {
    assert.deepEqual([at("0.9")[k], at("0.10")[k]], [false, true], k);
  }
  // ≥0.11: requires.version gone from the spec; ≥0.12: CNB_EXEC_ENV and exec-env
  assert.deepEqual([at("0.10").topLevelRequireVersionRemoved, at("0.11").topLevelRequireVersionRemoved], [false, true]);
  assert.deepEqual([at("0.11").execEnv, at("0.12").execEnv], [false, true]);
});

test("rows older than 0.7 are on for every supported Buildpack API (CNB-13, CNB-14, CNB-16, CNB-19, CNB-22)", () => {
  for (const api of BUILDPACK_APIS) {
    const f = buildpackFeatures(api);
    for (const k of ["unsuffixedEnvFileOverrides", "layerTypesTable", "ignoredLayersRenamed", "explicitDefaultProcess", "sbomFiles"] as const) {
      assert.equal(f[k], true, `${k} at ${api}`);
    }
  }
  assert.equal(at("0.4").unsuffixedEnvFileOverrides, false);
  assert.equal(at("0.5").layerTypesTable, false);
});

test("platform feature rows switch at their documented versions", () => {
  const p = (api: string) => platformFeatures(v(api));
  const cases: [keyof typeof PLATFORM_FEATURE_TABLE, string, string][] = [
    ["sbomLayers", "0.7", "0.8"],
    ["sourceDateEpoch", "0.8", "0.9"],
    ["processCommandIsArray", "0.9", "0.10"],
    ["overridableArgs", "0.9", "0.10"],
    ["buildConfigEnv", "0.10", "0.11"],
    ["runToml", "0.11", "0.12"],
    ["targetData", "0.11", "0.12"],
    ["insecureRegistries", "0.12", "0.13"],
    ["restorerResolvesRunImage", "0.13", "0.14"],
    ["execEnv", "0.14", "0.15"],
    ["systemToml", "0.14", "0.15"],
  ];
  for (const [k, off, on] of cases) assert.deepEqual([p(off)[k], p(on)[k]], [false, true], k);
  assert.deepEqual([p("0.8").legacyBom, p("0.9").legacyBom], [true, false]);
});

test("every feature row cites a checklist item and has a bound; results are frozen booleans", () => {
  for (const table of [BUILDPACK_FEATURE_TABLE, PLATFORM_FEATURE_TABLE]) {
    for (const [k, gate] of Object.entries(table)) {
      assert.match(gate.cite, /^CNB-\d+/, k);
      assert.ok("since" in gate || "before" in gate, k);
    }
  }
  const apis: ApiVersion[] = [...BUILDPACK_APIS];
  for (const api of apis) {
    const f = buildpackFeatures(api);
    assert.ok(Object.isFrozen(f));
    assert.deepEqual(Object.keys(f).sort(), Object.keys(BUILDPACK_FEATURE_TABLE).sort());
  }
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { parsePhaseArgs, PlatformUsageError } from "./flags.js";

test("a flag wins over its CNB_* variable, which wins over the spec's default", () => {
  const a = parsePhaseArgs(["-layers", "/l", "-app=/a", "img"], { CNB_LAYERS_DIR: "/env-layers", CNB_PLATFORM_DIR: "/env-platform" });
  assert.equal(a.get("layers"), "/l");
  assert.equal(a.get("app"), "/a");
  assert.equal(a.get("platform"), "/env-platform");
  assert.equal(a.get("buildpacks"), "/cnb/buildpacks");
  assert.equal(a.get("run-image"), undefined);
  assert.deepEqual(a.images, ["img"]);
});

test("booleans take no value (or =false); -tag and -insecure-registry repeat; the env's list is comma-separated", () => {
  const a = parsePhaseArgs(["-skip-restore", "-layout=false", "-tag", "r/a:1", "--tag", "r/a:2", "r/a"], { CNB_INSECURE_REGISTRIES: "a:1, b:2" });
  assert.equal(a.has("skip-restore"), true);
  assert.equal(a.has("layout"), false);
  assert.deepEqual(a.all("tag"), ["r/a:1", "r/a:2"]);
  assert.deepEqual(a.all("insecure-registry"), ["a:1", "b:2"]);
  assert.deepEqual(parsePhaseArgs(["-insecure-registry", "c:3"], { CNB_INSECURE_REGISTRIES: "a:1" }).all("insecure-registry"), ["c:3"]);
});

test("an unknown flag or a missing value is a usage error (exit 3)", () => {
  assert.throws(() => parsePhaseArgs(["-bogus"], {}), (e: PlatformUsageError) => e.exitCode === 3 && /unknown flag -bogus/.test(e.message));
  assert.throws(() => parsePhaseArgs(["-run-image"], {}), /flag -run-image needs a value/);
});

// build-plan through the harness: plan.toml's sections become the buildpack's plan.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runDetect } from "../../buildpack-api/testing/index.js";
import { buildPlan } from "./buildpack.js";

const buildpackToml = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../../../src/buildpacks/build-plan/buildpack.toml"), "utf8");

test("plan.toml's requires (with metadata), provides and or join the plan; without it detection fails; a broken one is an error", async () => {
  const d = await runDetect(buildPlan(), { buildpackToml, app: { "plan.toml": '[[requires]]\n  name = "go"\n\n  [requires.metadata]\n    launch = true\n\n[[or]]\n[[or.provides]]\nname = "x"\n' } });
  assert.ok(d.outcome === "pass", d.stderr);
  assert.deepEqual(d.plan.requires, [{ name: "go", metadata: { launch: true } }]);
  assert.deepEqual(d.plan.or, [{ provides: [{ name: "x" }], requires: [] }]);
  const none = await runDetect(buildPlan(), { buildpackToml, app: {} });
  assert.equal(none.outcome, "fail");
  const bad = await runDetect(buildPlan(), { buildpackToml, app: { "plan.toml": "[[requires]]\nversion = 1\n" } });
  assert.equal(bad.outcome, "error");
  assert.match(bad.stderr, /ERROR: plan\.toml/);
});

// The shared merge of a runtime's plan entries: source priority, unknown sources last in plan
// order, ignored versions, and the ORed build/launch flags.
import assert from "node:assert/strict";
import { test } from "node:test";
import { mergeRequirements } from "./requirements.js";

const SOURCES = ["BP_X_VERSION", "x.mod"] as const;

test("merge: known sources by priority, unknown ones after them in plan order; ignored versions dropped", () => {
  const m = mergeRequirements(
    [
      { version: "1.2", "version-source": "somewhere" },
      { version: " >= 1.20 ", "version-source": "x.mod", build: true },
      { version: "default", "version-source": "BP_X_VERSION" },
      { version: "1.3" },
      { version: "", "version-source": "BP_X_VERSION", launch: true },
    ],
    SOURCES,
    (v) => v === "default",
  );
  assert.deepEqual(m.chosen, { version: ">= 1.20", source: "x.mod" });
  assert.deepEqual(m.candidates, [
    { version: ">= 1.20", source: "x.mod" },
    { version: "1.2", source: "somewhere" },
    { version: "1.3", source: undefined },
  ]);
  assert.equal(m.build, true);
  assert.equal(m.launch, true);
});

test("merge: nothing asks for a version: no choice, flags false", () => {
  const m = mergeRequirements([{}, { version: "default" }], SOURCES, (v) => v === "default");
  assert.equal(m.chosen, undefined);
  assert.deepEqual(m.candidates, []);
  assert.equal(m.build, false);
  assert.equal(m.launch, false);
  // Without an ignore predicate, "default" is an ordinary spec.
  assert.equal(mergeRequirements([{ version: "default" }], SOURCES).chosen?.version, "default");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { fail, pass } from "./detect.js";

test("pass carries a plan (top level and or alternatives), in the spec's shape", () => {
  const r = pass({ provides: [{ name: "node" }], requires: [{ name: "node", metadata: { version: "22" } }], or: [{ requires: [{ name: "yarn" }] }] });
  assert.deepEqual(r, {
    pass: true,
    plan: {
      provides: [{ name: "node" }],
      requires: [{ name: "node", metadata: { version: "22" } }],
      or: [{ provides: [], requires: [{ name: "yarn", metadata: {} }] }],
    },
  });
  assert.deepEqual(pass(), { pass: true, plan: { provides: [], requires: [], or: [] } });
  assert.ok(Object.isFrozen(r));
});

test("fail cannot carry a plan: it takes only a reason", () => {
  const r = fail("no package.json");
  assert.deepEqual(r, { pass: false, reason: "no package.json" });
  assert.ok(!("plan" in r));
  assert.deepEqual(fail(), { pass: false });
  // @ts-expect-error a failed detect has no plan to give
  fail({ provides: [{ name: "node" }] });
  const either = Math.random() > 2 ? pass() : fail();
  // @ts-expect-error the plan is only reachable after narrowing on pass
  void either.plan;
  if (either.pass) assert.fail("unreachable");
});

test("pass refuses an empty name", () => {
  assert.throws(() => pass({ requires: [{ name: "" }] }), /detect: requires\[0\]: name is empty/);
  assert.throws(() => pass({ or: [{ provides: [{ name: "" }] }] }), /detect: or\[0\]\.provides\[0\]: name is empty/);
});

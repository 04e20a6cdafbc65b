// Order expansion (CNB-5, CNB-34), pure: literals in, flat groups out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Order, type OrderEntry, parseBuildpackId, parseBuildpackVersion, type SystemFile } from "../../cnb/index.js";
import { LifecycleError } from "../errors.js";
import { expandOrder, withSystemBuildpacks } from "./order.js";

/** "A" → A@1, "A?" → optional. */
const e = (s: string): OrderEntry => ({ id: parseBuildpackId(s.replace(/\?$/, "")), version: parseBuildpackVersion("1"), optional: s.endsWith("?") });
const order = (...groups: string[][]): Order => groups.map((g) => ({ group: g.map(e) }));
const show = (groups: OrderEntry[][]) => groups.map((g) => g.map((x) => `${x.id}${x.optional ? "?" : ""}`).join(","));

function expand(o: Order, composites: Record<string, Order>): string[] {
  return show(expandOrder(o, (x) => composites[x.id]));
}

test("CNB-34: a composite expands in place, each of its groups multiplying the outer group (the spec's O/P example)", () => {
  // O = [[A, B], [C, D]]: [E, O, F] → [E, A, B, F], [E, C, D, F]
  assert.deepEqual(expand(order(["E", "O", "F"]), { O: order(["A", "B"], ["C", "D"]) }), ["E,A,B,F", "E,C,D,F"]);
  // P = [[G], [H]] as well: depth-first, left to right — the first composite varies slowest.
  assert.deepEqual(expand(order(["O", "P"]), { O: order(["A"], ["C"]), P: order(["G"], ["H"]) }), ["A,G", "A,H", "C,G", "C,H"]);
  // Groups of the order stay in order, each expanded.
  assert.deepEqual(expand(order(["O"], ["X"]), { O: order(["A"], ["B"]) }), ["A", "B", "X"]);
});

test("CNB-34: an optional composite adds the group without it, after its alternatives; optional components keep their flag", () => {
  assert.deepEqual(expand(order(["E", "O?", "F"]), { O: order(["A", "B?"], ["C"]) }), ["E,A,B?,F", "E,C,F", "E,F"]);
  assert.deepEqual(expand(order(["X?", "Y"]), {}), ["X?,Y"], "a component keeps its flag; resolution drops it if it fails");
});

test("CNB-5: composites nest", () => {
  assert.deepEqual(expand(order(["O"]), { O: order(["A", "P"]), P: order(["B"], ["C"]) }), ["A,B", "A,C"]);
});

test("CNB-34: a buildpack already in the group is not repeated (reference)", () => {
  assert.deepEqual(expand(order(["A", "O"]), { O: order(["A", "B"]) }), ["A,B"]);
});

test("CNB-5: a composite that contains itself, directly or not, is an error (exit 22) instead of endless recursion", () => {
  const cycles: Record<string, Order>[] = [{ O: order(["O"]) }, { O: order(["A", "P"]), P: order(["O"]) }];
  for (const composites of cycles) {
    assert.throws(
      () => expand(order(["O"]), composites),
      (err: unknown) => err instanceof LifecycleError && err.exitCode === 22 && /contains itself/.test(err.message),
    );
  }
  // The same composite twice side by side is not a cycle.
  assert.deepEqual(expand(order(["O", "Q"]), { O: order(["A"]), Q: order(["O", "B"]) }), ["A,B"]);
});

test("an order whose expansion is absurdly large is refused", () => {
  const composites: Record<string, Order> = {};
  const names: string[] = [];
  for (let i = 0; i < 20; i++) {
    composites[`C${i}`] = order([`A${i}`], [`B${i}`]);
    names.push(`C${i}`);
  }
  assert.throws(() => expand(order(names), composites), /more than 10000 groups/);
});

test("CNB-34: system.toml pre/post buildpacks join each group unless the group names them", () => {
  const system: SystemFile = { pre: [e("P")], post: [e("Q?")] };
  assert.deepEqual(show(withSystemBuildpacks(order(["A"], ["P", "B"]), system).map((g) => g.group)), ["P,A,Q?", "P,B,Q?"]);
});

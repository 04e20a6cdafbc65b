// Group selection and build plan resolution (CNB-35, CNB-36), pure: literal detect outcomes in.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { DetectPlan, PlanSections } from "../../cnb/index.js";
import { type Candidate, type DetectOutcome, resolveGroup } from "./resolve.js";

const el = (s: string): Candidate => ({ id: s.replace(/\?$/, ""), version: "1", optional: s.endsWith("?") });
const req = (name: string, metadata: Record<string, unknown> = {}) => ({ name, metadata });
const sections = (provides: string[], requires: ReturnType<typeof req>[]): PlanSections => ({ provides: provides.map((name) => ({ name })), requires });
const pass = (s: PlanSections, ...or: PlanSections[]): DetectOutcome => ({ kind: "pass", plan: { ...s, or } satisfies DetectPlan });
const FAIL: DetectOutcome = { kind: "fail" };
const ERROR: DetectOutcome = { kind: "error", reason: "exit 1" };
const EMPTY = pass(sections([], []));

/** Resolves "A", "B?"... with outcomes by id; returns the passing ids and the plan as "name:providers:requireCount". */
function resolve(group: string[], outcomes: Record<string, DetectOutcome>) {
  const r = resolveGroup(group.map(el), (e) => outcomes[e.id] ?? EMPTY);
  if (r.kind !== "pass") return r;
  return { kind: r.kind, group: r.group.map((e) => e.id), plan: r.plan.map((p) => `${p.name}:${p.providers.map((x) => x.id).join("+")}:${p.requires.length}`) };
}

test("CNB-35: every required element must pass; optional ones that fail or error are dropped", () => {
  assert.deepEqual(resolve(["A", "B?"], { B: FAIL }), { kind: "pass", group: ["A"], plan: [] });
  assert.deepEqual(resolve(["A", "B?"], { B: ERROR }), { kind: "pass", group: ["A"], plan: [] });
  assert.deepEqual(resolve(["A", "B"], { B: FAIL }), { kind: "fail", reason: "B@1 did not pass detection" });
  // A required failure plus any error (even of an optional element) makes the group errored, as the reference.
  assert.deepEqual(resolve(["A", "B", "C?"], { B: FAIL, C: ERROR }), { kind: "error", reason: "B@1 did not pass detection", errored: [el("C?")] });
  assert.deepEqual(resolve(["A?", "B?"], { A: FAIL, B: FAIL }), { kind: "fail", reason: "no buildpack passed detection" });
  assert.deepEqual(resolve([], {}), { kind: "fail", reason: "no buildpack passed detection" });
});

test("CNB-36: requires need a provider at the same or an earlier position; provides a requirer at the same or a later one", () => {
  const hello = pass(sections(["some-world"], [req("some-world")]));
  const moon = pass(sections([], [req("some-world", { world: "Earth-616" })]));
  assert.deepEqual(resolve(["W", "M"], { W: hello, M: moon }), { kind: "pass", group: ["W", "M"], plan: ["some-world:W:2"] });
  // hello-moon alone: its require has no provider.
  assert.deepEqual(resolve(["M"], { M: moon }), { kind: "fail", reason: "M@1 requires some-world, which no buildpack before it provides" });
  // The provider must come first.
  const provider = pass(sections(["node"], []));
  const user = pass(sections([], [req("node")]));
  assert.equal(resolve(["U", "P"], { U: user, P: provider }).kind, "fail");
  assert.deepEqual(resolve(["P", "U"], { U: user, P: provider }), { kind: "pass", group: ["P", "U"], plan: ["node:P:1"] });
  // A provide nobody requires fails a required element.
  assert.deepEqual(resolve(["P"], { P: provider }), { kind: "fail", reason: "P@1 provides node, which no buildpack after it requires" });
});

test("CNB-36: two providers of a name before a requirer are both providers of the entry", () => {
  const p = pass(sections(["node"], []));
  const r = pass(sections([], [req("node", { version: "22" })]));
  assert.deepEqual(resolve(["P1", "P2", "R"], { P1: p, P2: p, R: r }), { kind: "pass", group: ["P1", "P2", "R"], plan: ["node:P1+P2:1"] });
});

test("CNB-36: optional elements that break the plan are dropped with their requires and provides, until stable", () => {
  const provider = pass(sections(["node"], []));
  const user = pass(sections([], [req("node")]));
  // O? requires ruby (nobody provides): dropped. P? provides node only for Q?, which is dropped → P? then provides unused → dropped too.
  const needsRuby = pass(sections([], [req("ruby")]));
  const q = pass(sections(["x"], [req("node"), req("ruby")]));
  assert.deepEqual(resolve(["A", "O?", "P?", "Q?"], { O: needsRuby, P: provider, Q: q }), { kind: "pass", group: ["A"], plan: [] });
  assert.deepEqual(resolve(["P?", "U"], { P: provider, U: user }), { kind: "pass", group: ["P", "U"], plan: ["node:P:1"] });
  // Dropping every element leaves nothing: the trial fails.
  assert.deepEqual(resolve(["O?"], { O: needsRuby }), { kind: "fail", reason: "no buildpack is left once unmet optional buildpacks are dropped" });
});

test("CNB-36: [[or]] alternatives are tried depth-first, left to right; the first trial that resolves wins", () => {
  // A: top = requires node (unmet), or = provides node. B: top = requires node, or = nothing.
  const a = pass(sections([], [req("node")]), sections(["node"], []));
  const b = pass(sections([], [req("node", { from: "b" })]), sections([], []));
  assert.deepEqual(resolve(["A", "B"], { A: a, B: b }), { kind: "pass", group: ["A", "B"], plan: ["node:A:1"] });
  // Order of trials: A's first option with each of B's, then A's second. With both of B's options
  // working for A's first, B's top-level option wins.
  const a2 = pass(sections(["x"], []), sections(["y"], []));
  const b2 = pass(sections([], [req("x")]), sections([], [req("y")]));
  assert.deepEqual(resolve(["A", "B"], { A: a2, B: b2 }), { kind: "pass", group: ["A", "B"], plan: ["x:A:1"] });
  const b3 = pass(sections([], [req("y")]), sections([], [req("x")]));
  assert.deepEqual(resolve(["A", "B"], { A: a2, B: b3 }), { kind: "pass", group: ["A", "B"], plan: ["x:A:1"] }, "A's first option, B's [[or]]");
});

test("CNB-36 (reference quirk): only an optional element's last alternative may be dropped; earlier ones count as required", () => {
  // O? offers: top = requires ruby (unmet), or = requires python (unmet). Trial 1 (top, required) fails;
  // trial 2 (last alternative, optional) drops O.
  const o = pass(sections([], [req("ruby")]), sections([], [req("python")]));
  assert.deepEqual(resolve(["A", "O?"], { O: o }), { kind: "pass", group: ["A"], plan: [] });
  // If O's last alternative works, O stays.
  const o2 = pass(sections([], [req("ruby")]), sections([], []));
  assert.deepEqual(resolve(["A", "O?"], { O: o2 }), { kind: "pass", group: ["A", "O"], plan: [] });
});

// Build plan bookkeeping during build (CNB-11) and process/label merging (CNB-18, CNB-19): pure.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type BuildpackId,
  type LaunchProcess,
  parseBuildpackId,
  parseBuildpackVersion,
  parseProcessType,
  type PlanFile,
} from "../../cnb/index.js";
import { LifecycleError } from "../errors.js";
import { buildpackPlanFor, filterPlan, metRequires } from "./plan.js";
import { EMPTY_PROCESSES, mergeLabels, mergeProcesses, type ProcessSet, sortedProcesses } from "./processes.js";

const p = (id: string) => ({ id: parseBuildpackId(id), version: parseBuildpackVersion("1"), extension: false });
const r = (name: string, metadata: Record<string, unknown> = {}) => ({ name, metadata });
const PLAN: PlanFile = {
  entries: [
    { providers: [p("a"), p("b")], requires: [r("node", { version: "22" }), r("node", { launch: true })] },
    { providers: [p("a")], requires: [r("npm")] },
    { providers: [p("b")], requires: [r("yarn")] },
  ],
};

test("CNB-11: a buildpack's plan holds every requirement of each entry it provides, names repeated", () => {
  assert.deepEqual(buildpackPlanFor(PLAN, "a").entries, [r("node", { version: "22" }), r("node", { launch: true }), r("npm")]);
  assert.deepEqual(buildpackPlanFor(PLAN, "b").entries, [r("node", { version: "22" }), r("node", { launch: true }), r("yarn")]);
  assert.deepEqual(buildpackPlanFor(PLAN, "c").entries, []);
});

test("CNB-11: met entries leave the plan; unmet ones stay for the next provider; an unknown unmet name is an error", () => {
  const aPlan = buildpackPlanFor(PLAN, "a");
  const met = metRequires(aPlan, { unmet: [{ name: "node" }], bom: [] }, "build.toml");
  assert.deepEqual(met, ["npm"]);
  const next = filterPlan(PLAN, met);
  assert.deepEqual(buildpackPlanFor(next, "b").entries, [r("node", { version: "22" }), r("node", { launch: true }), r("yarn")]);
  assert.deepEqual(filterPlan(PLAN, metRequires(aPlan, { unmet: [], bom: [] }, "build.toml")).entries.map((e) => e.requires[0]?.name), ["yarn"]);
  assert.throws(
    () => metRequires(aPlan, { unmet: [{ name: "ruby" }], bom: [] }, "/layers/a/build.toml"),
    (e: unknown) => e instanceof LifecycleError && e.exitCode === 52 && e.message.includes('/layers/a/build.toml: unmet[0].name: "ruby" is not in the buildpack\'s plan'),
  );
});

const proc = (type: string, o: Partial<LaunchProcess> = {}): LaunchProcess => ({ type: parseProcessType(type), command: [type], args: [], direct: true, default: false, ...o });
const add = (set: ProcessSet, bp: string, ...ps: LaunchProcess[]) => mergeProcesses(set, parseBuildpackId(bp) as BuildpackId, ps);

test("CNB-19: a later buildpack's process of the same type replaces the earlier one; sorted by type", () => {
  let s = add(EMPTY_PROCESSES, "a", proc("web"), proc("worker")).set;
  s = add(s, "b", proc("web", { command: ["./server"] }), proc("cli")).set;
  assert.deepEqual(
    sortedProcesses(s).map((x) => [x.type, x.buildpackId, x.command[0]]),
    [
      ["cli", "b", "cli"],
      ["web", "b", "./server"],
      ["worker", "a", "worker"],
    ],
  );
});

test("CNB-19: the default is the last default=true; a later non-default redefinition of it leaves none, with a warning", () => {
  let m = add(EMPTY_PROCESSES, "a", proc("web", { default: true }));
  assert.equal(m.set.defaultType, "web");
  m = add(m.set, "b", proc("worker", { default: true }));
  assert.equal(m.set.defaultType, "worker");
  m = add(m.set, "c", proc("web"));
  assert.equal(m.set.defaultType, "worker", "redefining a non-default type keeps the default");
  assert.equal(m.warning, undefined);
  m = add(m.set, "d", proc("worker"));
  assert.equal(m.set.defaultType, undefined);
  assert.match(m.warning ?? "", /d redefines the default process type worker/);
  // Within one buildpack, a later default clears the warning (reference).
  m = add(add(EMPTY_PROCESSES, "a", proc("web", { default: true })).set, "b", proc("web"), proc("api", { default: true }));
  assert.equal(m.set.defaultType, "api");
  assert.equal(m.warning, undefined);
});

test("CNB-18: labels: the last buildpack to set a key wins", () => {
  assert.deepEqual(
    mergeLabels([
      { key: "a", value: "1" },
      { key: "b", value: "2" },
      { key: "a", value: "3" },
    ]),
    [
      { key: "a", value: "3" },
      { key: "b", value: "2" },
    ],
  );
});

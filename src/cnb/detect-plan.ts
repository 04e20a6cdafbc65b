// The build plan a buildpack's bin/detect writes (CNB-8).
import { type Fields, readToml, type Table, writeToml } from "./fields.js";
import { readRequirement, type Requirement, requirementToToml } from "./plan.js";

export interface Provide {
  name: string;
}

/** One set of provides and requires. */
export interface PlanSections {
  provides: Provide[];
  requires: Requirement[];
}

/**
 * The build plan bin/detect writes to its plan path (`$2`, or `CNB_BUILD_PLAN_PATH` from API 0.8).
 * Written by the buildpack; read by the detector, which resolves plans across the group (CNB-36).
 * The top-level sections are the first alternative; each `[[or]]` is another.
 */
export interface DetectPlan extends PlanSections {
  or: PlanSections[];
}

function readSections(f: Fields): PlanSections {
  return {
    provides: f.tables("provides").map((p) => ({ name: p.str("name") })),
    requires: f.tables("requires").map(readRequirement),
  };
}

function sectionsToToml(s: PlanSections): Table {
  return {
    provides: s.provides.length === 0 ? undefined : s.provides.map((p) => ({ name: p.name })),
    requires: s.requires.length === 0 ? undefined : s.requires.map(requirementToToml),
  };
}

/** Parses a detect plan; an empty file (the detector creates it empty) is a plan with no sections. */
export function parseDetectPlan(text: string, where = "build plan"): DetectPlan {
  const f = readToml(text, where);
  return { ...readSections(f), or: f.tables("or").map(readSections) };
}

export function stringifyDetectPlan(p: DetectPlan): string {
  return writeToml({ ...sectionsToToml(p), or: p.or.length === 0 ? undefined : p.or.map(sectionsToToml) });
}

/** The alternatives plan resolution tries, in order: the top level, then each `[[or]]` (CNB-36). */
export function planAlternatives(p: DetectPlan): PlanSections[] {
  return [{ provides: p.provides, requires: p.requires }, ...p.or];
}

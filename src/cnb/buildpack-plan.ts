// The buildpack plan handed to bin/build (CNB-11).
import { readToml, writeToml } from "./fields.js";
import { readRequirement, type Requirement, requirementToToml } from "./plan.js";

/**
 * The buildpack plan. Written by the builder to a fresh file per buildpack (`$3`, or
 * `CNB_BP_PLAN_PATH` from API 0.8); read by the buildpack's bin/build. It holds every requirement
 * of each plan entry this buildpack provides, so a name may repeat; entries met by an earlier
 * buildpack are gone (CNB-11).
 */
export interface BuildpackPlan {
  entries: Requirement[];
}

export function parseBuildpackPlan(text: string, where = "buildpack plan"): BuildpackPlan {
  return { entries: readToml(text, where).tables("entries").map(readRequirement) };
}

export function stringifyBuildpackPlan(p: BuildpackPlan): string {
  return writeToml({ entries: p.entries.map(requirementToToml) });
}

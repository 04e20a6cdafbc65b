// Detect outcomes as values (libcnb.rs DetectResultBuilder): `pass(plan)` or `fail()`. A failed
// detect has no plan field at all, so it cannot carry one; failing is a value, not an exception.
import type { DetectPlan, PlanSections, Table } from "../cnb/index.js";
import { BuildpackError } from "./errors.js";

/** A dependency this buildpack can provide to the group (CNB-8). */
export interface Provide {
  name: string;
}

/** A dependency this buildpack needs; `metadata` reaches the provider's buildpack plan (CNB-8, CNB-11). */
export interface Require {
  name: string;
  metadata?: Table;
}

/** One alternative of provides and requires. */
export interface PlanAlternative {
  provides?: readonly Provide[];
  requires?: readonly Require[];
}

/** The plan of a passing detect: the top-level alternative, then each `or` (CNB-8, CNB-36). */
export interface PlanInput extends PlanAlternative {
  or?: readonly PlanAlternative[];
}

export type DetectResult =
  | { readonly pass: true; readonly plan: DetectPlan }
  /** `reason` is printed (the platform shows it at debug level); it is not a plan. */
  | { readonly pass: false; readonly reason?: string };

function sections(a: PlanAlternative, where: string): PlanSections {
  const named = <T extends { name: string }>(xs: readonly T[] | undefined, kind: string): T[] =>
    (xs ?? []).map((x, i) => {
      if (typeof x.name !== "string" || x.name === "") throw new BuildpackError("BUILDPACK_RESULT", `detect: ${where}${kind}[${i}]: name is empty`);
      return x;
    });
  return {
    provides: named(a.provides, "provides").map((p) => ({ name: p.name })),
    requires: named(a.requires, "requires").map((r) => ({ name: r.name, metadata: structuredClone(r.metadata ?? {}) })),
  };
}

/** Detection passes; the plan says what this buildpack provides and requires (empty: neither). */
export function pass(plan: PlanInput = {}): DetectResult {
  return Object.freeze({
    pass: true as const,
    plan: { ...sections(plan, ""), or: (plan.or ?? []).map((alt, i) => sections(alt, `or[${i}].`)) },
  });
}

/** Detection fails (exit code 100): this buildpack does not apply to the app. */
export function fail(reason?: string): DetectResult {
  return Object.freeze(reason === undefined ? { pass: false as const } : { pass: false as const, reason });
}

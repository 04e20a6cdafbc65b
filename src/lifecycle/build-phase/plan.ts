// The build plan during build (CNB-11): what each buildpack receives, and what it leaves unmet.
import type { BuildFile, BuildpackPlan, PlanFile } from "../../cnb/index.js";
import { LifecycleError } from "../errors.js";

/** A buildpack's plan: every requirement of each entry that lists it as a provider (a name may repeat). */
export function buildpackPlanFor(plan: PlanFile, id: string): BuildpackPlan {
  return { entries: plan.entries.filter((e) => e.providers.some((p) => p.id === id && !p.extension)).flatMap((e) => e.requires) };
}

/**
 * The names a buildpack met: those of its plan that its build.toml does not list as `[[unmet]]`.
 * An unmet name that is not in its plan is an error (CNB-11). `where` names the build.toml.
 */
export function metRequires(bpPlan: BuildpackPlan, build: BuildFile, where: string): string[] {
  const names = new Set(bpPlan.entries.map((e) => e.name));
  build.unmet.forEach((u, i) => {
    if (!names.has(u.name)) {
      throw new LifecycleError("BUILD_ERROR", `${where}: unmet[${i}].name: ${JSON.stringify(u.name)} is not in the buildpack's plan`, {
        hint: `a buildpack can leave unmet only what its plan asked for (${[...names].join(", ") || "nothing"})`,
      });
    }
  });
  const unmet = new Set(build.unmet.map((u) => u.name));
  return [...new Set(bpPlan.entries.map((e) => e.name))].filter((n) => !unmet.has(n));
}

/** The plan later buildpacks receive: entries with a met name are gone; unmet ones go to the next provider. */
export function filterPlan(plan: PlanFile, met: readonly string[]): PlanFile {
  const gone = new Set(met);
  return { entries: plan.entries.filter((e) => !e.requires.some((r) => gone.has(r.name))) };
}

// plan.toml (CNB-36): the resolved build plan, and the requirement shape every plan file shares.
import { type Fields, readToml, type Table, writeToml } from "./fields.js";
import { type BuildpackId, type BuildpackVersion, parseBuildpackId, parseBuildpackVersion } from "./ids.js";

/** A dependency requirement: `name` plus free-form `metadata` (CNB-8, CNB-11). */
export interface Requirement {
  name: string;
  metadata: Table;
}

/**
 * Reads one requirement. A top-level `version` was removed from the spec (Buildpack API 0.11) and
 * the reference lifecycle refuses it at every API, alone or next to `metadata.version` (CNB-8).
 */
export function readRequirement(r: Fields): Requirement {
  if (r.has("version")) {
    r.fail("version", 'is not supported; put it in [metadata] as "version"', "CNB_INVALID_FIELD", "the buildpack should write requires.metadata.version");
  }
  return { name: r.str("name"), metadata: r.freeform("metadata") };
}

export function requirementToToml(r: Requirement): Table {
  return { name: r.name, metadata: Object.keys(r.metadata).length === 0 ? undefined : r.metadata };
}

/** A provider of a plan entry. */
export interface PlanProvider {
  id: BuildpackId;
  version: BuildpackVersion;
  /** true for an image extension (never, with paketo: CNB-73). */
  extension: boolean;
}

/** All requirements of one dependency name, and the elements that provide it. */
export interface PlanEntry {
  providers: PlanProvider[];
  requires: Requirement[];
}

/**
 * plan.toml. Written by the detector (`CNB_PLAN_PATH`, default `<layers>/plan.toml`); read by the
 * builder, which hands each buildpack the requires of the entries it provides (its buildpack plan).
 */
export interface PlanFile {
  entries: PlanEntry[];
}

export function parsePlanToml(text: string, where = "plan.toml"): PlanFile {
  const f = readToml(text, where);
  const entries = f.tables("entries").map((e) => {
    const providers = e.tables("providers").map((p) => ({
      id: p.parsed("id", parseBuildpackId),
      version: p.parsed("version", parseBuildpackVersion),
      extension: p.bool("extension"),
    }));
    const requires = e.tables("requires").map(readRequirement);
    if (providers.length === 0) e.fail("providers", "needs at least one provider", "CNB_MISSING_FIELD");
    if (requires.length === 0) e.fail("requires", "needs at least one requirement", "CNB_MISSING_FIELD");
    const other = requires.find((r) => r.name !== requires[0]?.name);
    if (other) e.fail("requires", `mixes names ${JSON.stringify(requires[0]?.name)} and ${JSON.stringify(other.name)}`, "CNB_CONFLICT");
    return { providers, requires };
  });
  return { entries };
}

export function stringifyPlanToml(p: PlanFile): string {
  return writeToml({
    entries: p.entries.map((e) => ({
      providers: e.providers.map((p) => ({ id: p.id, version: p.version, extension: p.extension ? true : undefined })),
      requires: e.requires.map(requirementToToml),
    })),
  });
}

// Which Go a build gets: the plan's `go` requirements merged as Paketo merges them (the version of
// the highest-priority source wins: BP_GO_VERSION, then go.mod; build and launch are ORed).
import { mergeRequirements as merge, type MergedRequirement, type VersionRequirement } from "../common/requirements.js";

export type { MergedRequirement as MergedGoRequirement };

export const VERSION_SOURCES = ["BP_GO_VERSION", "go.mod"] as const;

export function mergeRequirements(entries: readonly VersionRequirement[]): MergedRequirement {
  return merge(entries, VERSION_SOURCES, (v) => v === "default");
}

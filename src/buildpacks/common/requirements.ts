// A runtime's plan entries (`node`, `go`, ...) merged as Paketo merges them: the version of the
// highest-priority source wins (in the order the buildpack gives, then any other source in plan
// order); `build` and `launch` are true when any entry says so. And the "Candidate version
// sources" lines Paketo logs. Pure, but for the logger.
import type { Logger } from "../../buildpack-api/index.js";

/** One requirement of the plan, its metadata as buildpacks write it. */
export interface VersionRequirement {
  version?: string | undefined;
  "version-source"?: string | undefined;
  build?: boolean | undefined;
  launch?: boolean | undefined;
}

export interface MergedRequirement {
  /** The chosen version spec and where it came from; undefined: no entry asks for a version. */
  chosen: { version: string; source: string | undefined } | undefined;
  /** Every entry with a version, highest priority first (what "Candidate version sources" lists). */
  candidates: { version: string; source: string | undefined }[];
  build: boolean;
  launch: boolean;
}

/** Merges `entries`; `sources` are the version sources, highest priority first; `ignore` drops a version (e.g. "default"). */
export function mergeRequirements(entries: readonly VersionRequirement[], sources: readonly string[], ignore: (version: string) => boolean = () => false): MergedRequirement {
  const priority = (source: string | undefined) => {
    const i = source === undefined ? -1 : sources.indexOf(source);
    return i < 0 ? sources.length : i;
  };
  const candidates = entries
    .map((e, i) => ({ version: (e.version ?? "").trim(), source: e["version-source"], i }))
    .filter((e) => e.version !== "" && !ignore(e.version))
    .sort((a, b) => priority(a.source) - priority(b.source) || a.i - b.i)
    .map(({ version, source }) => ({ version, source }));
  return {
    chosen: candidates[0],
    candidates,
    build: entries.some((e) => e.build === true),
    launch: entries.some((e) => e.launch === true),
  };
}

/** "Candidate version sources (in priority order):" and one line per candidate, as Paketo logs them. */
export function logCandidates(log: Logger, merged: MergedRequirement, describe: (source: string | undefined) => string = (s) => s ?? "<unknown>"): void {
  const rows = merged.candidates.map((c) => [describe(c.source), c.version] as const);
  if (rows.length === 0) rows.push(["<unknown>", ""]);
  const width = Math.max(...rows.map(([name]) => name.length));
  log.subprocess("Candidate version sources (in priority order):");
  for (const [name, version] of rows) log.action(`${name.padEnd(width)} -> ${JSON.stringify(version)}`);
  log.break();
}

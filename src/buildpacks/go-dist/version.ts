// Which Go a build gets: the plan's `go` requirements merged as Paketo merges them (the version of
// the highest-priority source wins: BP_GO_VERSION, then go.mod; build and launch are ORed).
// Pure: values in, values out.

export interface GoRequirement {
  version?: string | undefined;
  "version-source"?: string | undefined;
  build?: boolean | undefined;
  launch?: boolean | undefined;
}

export interface MergedGoRequirement {
  /** The chosen spec and where it came from; undefined: no entry asks for a version (the newest). */
  chosen: { version: string; source: string | undefined } | undefined;
  /** Every entry with a version, highest priority first (what "Candidate version sources" lists). */
  candidates: { version: string; source: string | undefined }[];
  build: boolean;
  launch: boolean;
}

export const VERSION_SOURCES = ["BP_GO_VERSION", "go.mod"] as const;

function priority(source: string | undefined): number {
  const i = (VERSION_SOURCES as readonly (string | undefined)[]).indexOf(source);
  return i < 0 ? VERSION_SOURCES.length : i;
}

export function mergeRequirements(entries: readonly GoRequirement[]): MergedGoRequirement {
  const candidates = entries
    .map((e, i) => ({ version: (e.version ?? "").trim(), source: e["version-source"], i }))
    .filter((e) => e.version !== "" && e.version !== "default")
    .sort((a, b) => priority(a.source) - priority(b.source) || a.i - b.i)
    .map(({ version, source }) => ({ version, source }));
  return {
    chosen: candidates[0],
    candidates,
    build: entries.some((e) => e.build === true),
    launch: entries.some((e) => e.launch === true),
  };
}

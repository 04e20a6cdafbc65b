// Merging the group's processes and labels (CNB-18, CNB-19).
import type { BuildpackId, ImageLabel, LaunchProcess, MetadataProcess, ProcessType } from "../../cnb/index.js";

/** The processes so far and the buildpack default (CNB-19). */
export interface ProcessSet {
  /** Keyed by type; a later buildpack's process of the same type replaced the earlier one. */
  processes: ReadonlyMap<ProcessType, MetadataProcess>;
  defaultType?: ProcessType;
}

export const EMPTY_PROCESSES: ProcessSet = { processes: new Map() };

export function toMetadataProcess(p: LaunchProcess, buildpackId: BuildpackId): MetadataProcess {
  return {
    type: p.type,
    command: p.command,
    args: p.args,
    direct: p.direct,
    buildpackId,
    ...(p.workingDir !== undefined ? { workingDir: p.workingDir } : {}),
    ...(p.execEnv !== undefined ? { execEnv: p.execEnv } : {}),
  };
}

/**
 * Adds one buildpack's processes, as the reference: a process of an existing type replaces it; the
 * default is the last process marked default; a later non-default process that redefines the
 * default type leaves no default, with a warning.
 */
export function mergeProcesses(set: ProcessSet, buildpackId: BuildpackId, added: readonly LaunchProcess[]): { set: ProcessSet; warning?: string } {
  const processes = new Map(set.processes);
  let defaultType = set.defaultType;
  let warning: string | undefined;
  for (const p of added) {
    if (p.default) {
      defaultType = p.type;
      warning = undefined;
    } else if (p.type === defaultType) {
      defaultType = undefined;
      warning = `${buildpackId} redefines the default process type ${p.type} with a process not marked as default; the image has no default process`;
    }
    processes.set(p.type, toMetadataProcess(p, buildpackId));
  }
  const next: ProcessSet = defaultType === undefined ? { processes } : { processes, defaultType };
  return warning === undefined ? { set: next } : { set: next, warning };
}

/** The processes sorted by type, as metadata.toml and the label list them (reference). */
export function sortedProcesses(set: ProcessSet): MetadataProcess[] {
  return [...set.processes.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/** Labels with one value per key: the last buildpack to set a key wins (CNB-18); first-seen key order. */
export function mergeLabels(labels: readonly ImageLabel[]): ImageLabel[] {
  const m = new Map<string, string>();
  for (const l of labels) m.set(l.key, l.value);
  return [...m].map(([key, value]) => ({ key, value }));
}

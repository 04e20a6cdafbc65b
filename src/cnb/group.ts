// group.toml (CNB-38): the buildpacks that passed detection.
import { type ApiVersion, parseApiVersion } from "./api-version.js";
import { type Fields, readToml, strip, type Table, writeToml } from "./fields.js";
import { type BuildpackId, type BuildpackVersion, parseBuildpackId, parseBuildpackVersion } from "./ids.js";

/** A buildpack (or extension) of the selected group. `id`, `version` and `api` are required. */
export interface GroupEntry {
  id: BuildpackId;
  version: BuildpackVersion;
  /** Its Buildpack API: later phases speak this version's contract with it. */
  api: ApiVersion;
  homepage?: string;
}

/**
 * group.toml. Written by the detector (`CNB_GROUP_PATH`, default `<layers>/group.toml`) with the
 * passing elements of the first passing group, in order. Read by the restorer, builder and exporter.
 */
export interface GroupFile {
  group: GroupEntry[];
  /** `[[group-extensions]]`: extensions that passed (always empty when paketo detects, CNB-73). */
  groupExtensions: GroupEntry[];
}

function readGroupEntry(e: Fields): GroupEntry {
  return strip({
    id: e.parsed("id", parseBuildpackId),
    version: e.parsed("version", parseBuildpackVersion),
    api: e.parsed("api", parseApiVersion),
    homepage: e.optStr("homepage"),
  });
}

function groupEntryToToml(e: GroupEntry): Table {
  return { id: e.id, version: e.version, api: e.api, homepage: e.homepage };
}

export function parseGroupToml(text: string, where = "group.toml"): GroupFile {
  const f = readToml(text, where);
  return { group: f.tables("group").map(readGroupEntry), groupExtensions: f.tables("group-extensions").map(readGroupEntry) };
}

export function stringifyGroupToml(g: GroupFile): string {
  return writeToml({
    group: g.group.map(groupEntryToToml),
    "group-extensions": g.groupExtensions.length === 0 ? undefined : g.groupExtensions.map(groupEntryToToml),
  });
}

// The legacy `[[bom]]` entries of launch.toml and build.toml (CNB-23), deprecated since Buildpack API 0.7.
import { type Fields, strip, type Table } from "./fields.js";
import { type BuildpackId, type BuildpackVersion, parseBuildpackId, parseBuildpackVersion } from "./ids.js";

export interface BomEntry {
  name: string;
  metadata: Table;
  /** The contributing buildpack; added by the lifecycle when it gathers entries (metadata.toml, report.toml). */
  buildpack?: { id: BuildpackId; version: BuildpackVersion };
}

/** Reads `[[key]]` BOM entries. A top-level `version` is refused, as the reference lifecycle does. */
export function readBom(f: Fields, key = "bom"): BomEntry[] {
  return f.tables(key).map((e) => {
    if (e.has("version")) e.fail("version", "is not allowed in a bom entry; use metadata.version");
    const bp = e.sub("buildpack");
    const buildpack = bp && { id: bp.parsed("id", parseBuildpackId), version: bp.parsed("version", parseBuildpackVersion) };
    return strip({ name: e.str("name"), metadata: e.freeform("metadata"), buildpack });
  });
}

export function bomToToml(bom: readonly BomEntry[]): Table[] | undefined {
  if (bom.length === 0) return undefined;
  return bom.map((e) => ({
    name: e.name,
    metadata: e.metadata,
    buildpack: e.buildpack && { id: e.buildpack.id, version: e.buildpack.version },
  }));
}

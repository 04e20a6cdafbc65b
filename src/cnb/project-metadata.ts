// project-metadata.toml (CNB-62) and the `io.buildpacks.project.metadata` label (CNB-47).
import { type Fields, readJson, readToml, sortKeys, strip, type Table, writeToml } from "./fields.js";

/** Where the app source came from; every field is optional. */
export interface ProjectSource {
  /** e.g. `git`, `s3` */
  type?: string;
  /** Identifies the version, e.g. `{ commit: "..." }`. */
  version?: Table;
  /** e.g. `{ repository: "...", refs: [...] }` */
  metadata?: Table;
}

/**
 * project-metadata.toml. Written by the platform (`CNB_PROJECT_METADATA_PATH`, default
 * `<layers>/project-metadata.toml`); read by the exporter, which writes it as the
 * `io.buildpacks.project.metadata` label (`{}` when there is no source).
 */
export interface ProjectMetadata {
  source?: ProjectSource;
}

function readSource(f: Fields): ProjectMetadata {
  const s = f.sub("source");
  if (!s) return {};
  const version = s.sub("version");
  const metadata = s.sub("metadata");
  return { source: strip({ type: s.optStr("type"), version: version && s.freeform("version"), metadata: metadata && s.freeform("metadata") }) };
}

function sourceObject(m: ProjectMetadata): Table {
  const s = m.source;
  return s === undefined ? {} : { source: { type: s.type, version: s.version && sortKeys(s.version), metadata: s.metadata && sortKeys(s.metadata) } };
}

export function parseProjectMetadataToml(text: string, where = "project-metadata.toml"): ProjectMetadata {
  return readSource(readToml(text, where));
}

export function stringifyProjectMetadataToml(m: ProjectMetadata): string {
  return writeToml(sourceObject(m));
}

export const PROJECT_METADATA_LABEL = "io.buildpacks.project.metadata";

export function parseProjectMetadataLabel(json: string, where = PROJECT_METADATA_LABEL): ProjectMetadata {
  return readSource(readJson(json, where));
}

export function stringifyProjectMetadataLabel(m: ProjectMetadata): string {
  return JSON.stringify(sourceObject(m));
}

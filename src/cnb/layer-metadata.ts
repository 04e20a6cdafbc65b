// <layer>.toml (CNB-13) and store.toml (CNB-21).
import { CnbError } from "./errors.js";
import { readToml, type Table, writeToml } from "./fields.js";
import { parseExecEnvName } from "./ids.js";

/** What a layer is for; each defaults to false (CNB-13, CNB-25). */
export interface LayerTypes {
  launch: boolean;
  build: boolean;
  cache: boolean;
}

/**
 * `<layers>/<escaped-id>/<layer>.toml`, Layer Content Metadata. Written by the buildpack (and by the
 * restorer, without `[types]`, from the previous image or cache: CNB-25, CNB-39); read by the
 * builder (env of later buildpacks, CNB-15), the exporter and the cache writer.
 */
export interface LayerMetadataFile {
  /**
   * `[types]`. Undefined writes no `[types]` table, as the restorer does, so a buildpack must set
   * the flags again to keep the layer. Parsing always fills it (all false when absent).
   */
  types?: LayerTypes;
  /** `[metadata]`: free-form. From Buildpack API 0.12 it may hold `exec-env = [...]` (see `layerExecEnv`). */
  metadata: Table;
}

const FLAGS = ["launch", "build", "cache"] as const;

/**
 * Parses a layer toml. Flags at the top level (the pre-0.6 format) are malformed and refused, as the
 * reference lifecycle does at export; unknown keys (e.g. `metadata` inside `[types]`) are ignored.
 */
export function parseLayerMetadata(text: string, where = "layer.toml"): LayerMetadataFile {
  const f = readToml(text, where);
  for (const flag of FLAGS) {
    if (f.has(flag)) {
      f.fail(flag, "must be in the [types] table (top-level flags are the pre-0.6 format)", "CNB_INVALID_FIELD", `write [types] ${flag} = ${String(f.table[flag])}`);
    }
  }
  const t = f.sub("types");
  const types: LayerTypes = { launch: t?.bool("launch") ?? false, build: t?.bool("build") ?? false, cache: t?.bool("cache") ?? false };
  const file: LayerMetadataFile = { types, metadata: f.freeform("metadata") };
  layerExecEnv(file, where);
  return file;
}

export function stringifyLayerMetadata(l: LayerMetadataFile): string {
  return writeToml({
    types: l.types === undefined ? undefined : { launch: l.types.launch, build: l.types.build, cache: l.types.cache },
    metadata: l.metadata,
  });
}

/** A layer with every flag false: the builder renames it to `<layer>.ignore` (CNB-14). */
export function isIgnoredLayer(types: LayerTypes | undefined): boolean {
  return types === undefined || (!types.launch && !types.build && !types.cache);
}

/** `[metadata] exec-env` (Buildpack API 0.12, CNB-26): the execution environments the layer is for; undefined = all. */
export function layerExecEnv(l: LayerMetadataFile, where = "layer.toml"): string[] | undefined {
  const v = l.metadata["exec-env"];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((s): s is string => typeof s === "string")) {
    throw new CnbError("CNB_INVALID_FIELD", `${where}: metadata.exec-env: must be an array of strings`);
  }
  return v.map((s, i) => parseExecEnvName(s, `${where}: metadata.exec-env[${i}]`));
}

/**
 * `<layers>/<escaped-id>/store.toml`. Written by the buildpack; the exporter saves `[metadata]` in
 * the image label (and cache) and the restorer writes it back on the next build (CNB-21, CNB-39).
 */
export interface StoreFile {
  metadata: Table;
}

export function parseStoreToml(text: string, where = "store.toml"): StoreFile {
  return { metadata: readToml(text, where).freeform("metadata") };
}

export function stringifyStoreToml(s: StoreFile): string {
  return writeToml({ metadata: s.metadata });
}

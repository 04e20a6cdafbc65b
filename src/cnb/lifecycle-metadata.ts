// The `io.buildpacks.lifecycle.metadata` label (CNB-47) and its TOML twin, analyzed.toml `[metadata]` (CNB-32).
import { type Fields, isTable, readJson, sortKeys, strip, type Table } from "./fields.js";
import { type LayerTypes } from "./layer-metadata.js";

/** A layer by its uncompressed digest (diffID). */
export interface LayerDiff {
  sha: string;
}

/** A launch layer as the exporter recorded it: diffID, `<layer>.toml` flags and `[metadata]`. */
export interface ExportedLayer extends LayerTypes {
  sha: string;
  /** The layer's `[metadata]` table. */
  data: Table;
}

/** One buildpack's entry: its launch layers by name and its store.toml `[metadata]`. */
export interface BuildpackLayersMetadata {
  /** The buildpack id (`key` in the label). */
  key: string;
  version: string;
  layers: Record<string, ExportedLayer>;
  store?: Table;
}

export interface RunImageForExport {
  image?: string;
  mirrors?: string[];
}

export interface RunImageForRebase extends RunImageForExport {
  /** diffID of the run image's top layer: everything up to it is replaced on rebase (CNB-54). */
  topLayer: string;
  /** Digest reference or image id of the run image. */
  reference: string;
}

/**
 * `io.buildpacks.lifecycle.metadata`. Written by the exporter (and rebaser) on the app image; read
 * by the analyzer/restorer of the next build (layer reuse, store.toml, CNB-39, CNB-49) and by the
 * rebaser. analyzed.toml `[metadata]` carries the same data in TOML spelling.
 */
export interface LifecycleMetadata {
  /** App slice layers, then the remainder layer (CNB-43). */
  app: LayerDiff[];
  sbom?: LayerDiff;
  buildpacks: BuildpackLayersMetadata[];
  config?: LayerDiff;
  launcher?: LayerDiff;
  processTypes?: LayerDiff;
  runImage?: RunImageForRebase;
  /** Deprecated copy of runImage's image and mirrors (Platform API <0.12 readers). */
  stack?: { runImage: RunImageForExport };
  /** Platform API 0.15: the execution environment of the build. */
  execEnv?: string;
}

type Dialect = { runImage: string; topLayer: string; data: string };
const JSON_KEYS: Dialect = { runImage: "runImage", topLayer: "topLayer", data: "data" };
const TOML_KEYS: Dialect = { runImage: "run-image", topLayer: "top-layer", data: "metadata" };

function readDiff(f: Fields, key: string): LayerDiff | undefined {
  const t = f.sub(key);
  return t && { sha: t.optStr("sha") ?? "" };
}

function readRunImage(f: Fields | undefined): RunImageForExport | undefined {
  return f && strip({ image: f.optStr("image"), mirrors: f.optStrs("mirrors") });
}

function readBuildpack(b: Fields, k: Dialect): BuildpackLayersMetadata {
  const layersTable = b.sub("layers");
  const layers: Record<string, ExportedLayer> = {};
  for (const name of Object.keys(layersTable?.table ?? {})) {
    const l = layersTable?.sub(name);
    if (!l) continue;
    layers[name] = { sha: l.optStr("sha") ?? "", data: l.freeform(k.data), build: l.bool("build"), launch: l.bool("launch"), cache: l.bool("cache") };
  }
  const store = b.sub("store");
  return strip({ key: b.str("key"), version: b.optStr("version") ?? "", layers, store: store?.freeform("metadata") });
}

/** Reads the metadata from a label object or an analyzed.toml `[metadata]` table. */
export function readLifecycleMetadata(f: Fields, dialect: "json" | "toml"): LifecycleMetadata {
  const k = dialect === "json" ? JSON_KEYS : TOML_KEYS;
  const appRaw = f.raw("app");
  // Old labels held a single app layer object instead of a list.
  const app = isTable(appRaw) ? [{ sha: typeof appRaw.sha === "string" ? appRaw.sha : "" }] : f.tables("app").map((a) => ({ sha: a.optStr("sha") ?? "" }));
  const ri = f.sub(k.runImage);
  const runImage = ri && { ...readRunImage(ri), topLayer: ri.optStr(k.topLayer) ?? "", reference: ri.optStr("reference") ?? "" };
  const stackRun = readRunImage(f.sub("stack")?.sub(k.runImage));
  return strip({
    app,
    sbom: readDiff(f, "sbom"),
    buildpacks: f.tables("buildpacks").map((b) => readBuildpack(b, k)),
    config: readDiff(f, "config"),
    launcher: readDiff(f, "launcher"),
    processTypes: readDiff(f, "process-types"),
    runImage,
    stack: stackRun && { runImage: stackRun },
    execEnv: f.optStr("exec-env"),
  });
}

/** The label or TOML object, keys in the reference lifecycle's order; free-form data sorted. */
export function lifecycleMetadataObject(m: LifecycleMetadata, dialect: "json" | "toml"): Table {
  const k = dialect === "json" ? JSON_KEYS : TOML_KEYS;
  const diff = (d: LayerDiff | undefined) => d && { sha: d.sha };
  const run = (r: RunImageForExport) => ({ image: r.image, mirrors: r.mirrors && r.mirrors.length > 0 ? r.mirrors : undefined });
  return {
    app: m.app.map(diff),
    sbom: diff(m.sbom),
    buildpacks: m.buildpacks.map((b) => ({
      key: b.key,
      version: b.version,
      layers: Object.fromEntries(
        Object.keys(b.layers)
          .sort()
          .map((name) => {
            const l = b.layers[name] as ExportedLayer;
            return [name, { sha: l.sha, [k.data]: sortKeys(l.data), build: l.build, launch: l.launch, cache: l.cache }];
          }),
      ),
      store: b.store && { metadata: sortKeys(b.store) },
    })),
    config: diff(m.config),
    launcher: diff(m.launcher),
    "process-types": diff(m.processTypes),
    [k.runImage]: m.runImage && { [k.topLayer]: m.runImage.topLayer, reference: m.runImage.reference, ...run(m.runImage) },
    stack: m.stack && { [k.runImage]: run(m.stack.runImage) },
    "exec-env": m.execEnv,
  };
}

export const LIFECYCLE_METADATA_LABEL = "io.buildpacks.lifecycle.metadata";

export function parseLifecycleMetadataLabel(json: string, where = LIFECYCLE_METADATA_LABEL): LifecycleMetadata {
  return readLifecycleMetadata(readJson(json, where), "json");
}

/** The label value: reproducible JSON (fixed key order, sorted free-form data). */
export function stringifyLifecycleMetadataLabel(m: LifecycleMetadata): string {
  return JSON.stringify(lifecycleMetadataObject(m, "json"));
}

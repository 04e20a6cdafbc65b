// What a buildpack left in `<layers>/<escaped-id>/` after bin/build (CNB-11..14, CNB-18, CNB-21,
// CNB-22), read on the host without following symlinks out of the layers dir.
import { copyFile, mkdir, readdir, readlink, rename, rm } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import {
  type BuildpackPlan,
  buildpackFeatures,
  escapeId,
  isIgnoredLayer,
  type LaunchFile,
  layerExecEnv,
  type LayerName,
  type LayerTypes,
  parseBuildToml,
  parseLaunchToml,
  parseLayerMetadata,
  parseLayerName,
  parseStoreToml,
  SBOM_MEDIA_TYPES,
  type StoreFile,
  type Table,
} from "../../cnb/index.js";
import type { BuildLayerEnv } from "../env/index.js";
import { type Buildpack, type BuildPaths, entryType, existingSubdirs, readEnvDir, readFileInside, resolveInside } from "../exec/index.js";
import { LifecycleError } from "../errors.js";
import { metRequires } from "./plan.js";

/** A layer a buildpack kept (at least one of launch, build, cache). */
export interface BuiltLayer {
  name: LayerName;
  types: LayerTypes;
  /** `[metadata]` of `<layer>.toml`. */
  metadata: Table;
  /** `[metadata] exec-env` (Buildpack API 0.12, CNB-26). */
  execEnv?: string[];
  /** The layer directory on the host; undefined when only `<layer>.toml` exists (reuse, CNB-25). */
  hostPath?: string;
  /** The layer directory as buildpacks saw it (`/layers/<escaped-id>/<name>` with the sandbox). */
  path: string;
}

export type SbomType = "launch" | "build" | "cache";
export type SbomFormat = keyof typeof SBOM_MEDIA_TYPES;

/** A buildpack SBOM file (CNB-22) and where the builder copies it. */
export interface SbomFile {
  buildpackId: string;
  /** The layer it describes; undefined for `launch.sbom.*` / `build.sbom.*`. */
  layer?: string;
  type: SbomType;
  format: SbomFormat;
  mediaType: string;
  /** The file the buildpack wrote (host; checked again when copied, see `copySbomFiles`). */
  source: string;
  /** The source as buildpacks saw it, for messages. */
  shown: string;
  /** `<layers>/sbom/<type>/<escaped-id>/[<layer>/]sbom.<format>` (host). */
  destination: string;
}

export interface BuildpackOutputs {
  /** Kept layers, by name. Layers with every flag false were renamed to `<layer>.ignore` (CNB-14). */
  layers: BuiltLayer[];
  ignored: LayerName[];
  /** Names of the buildpack plan it met (CNB-11). */
  met: string[];
  launch: LaunchFile;
  store?: StoreFile;
  sbom: SbomFile[];
  /** Its build layers, by name, for the env of later buildpacks (CNB-15). */
  buildEnv: BuildLayerEnv[];
  warnings: string[];
}

const RESERVED_TOMLS = new Set(["launch.toml", "build.toml", "store.toml"]);
const SBOM_NAME = /^(.+?)\.sbom\.(.+\.json)$/;
const BUILD_DIRS = ["bin", "lib", "include", "pkgconfig"];

function refuse(message: string, hint?: string): never {
  throw new LifecycleError("BUILD_ERROR", message, hint === undefined ? {} : { hint });
}

/** Reads, validates and tidies up a finished buildpack's outputs. */
export async function readBuildpackOutputs(opts: { bp: Buildpack; paths: BuildPaths; bpPlan: BuildpackPlan }): Promise<BuildpackOutputs> {
  const { bp, paths, bpPlan } = opts;
  const esc = escapeId(bp.id);
  const dir = join(paths.host.layers, esc);
  const shownDir = posix.join(paths.sandbox.layers, esc);
  const root = paths.host.layers;
  const warnings: string[] = [];
  const empty: BuildpackOutputs = { layers: [], ignored: [], met: bpPlan.entries.map((e) => e.name), launch: { processes: [], slices: [], labels: [], bom: [] }, sbom: [], buildEnv: [], warnings };

  const dirType = await entryType(dir);
  if (dirType === "missing") return empty;
  if (dirType !== "dir") refuse(`${shownDir} is not a directory (${dirType}); refused`, "a buildpack must not replace its layers directory");
  const names = (await readdir(dir)).sort();
  const read = (name: string) => readFileInside(root, join(dir, name), `${shownDir}/${name}`);

  // Layers: found through their <layer>.toml (CNB-12, CNB-13).
  const layers: BuiltLayer[] = [];
  const ignored: LayerName[] = [];
  for (const file of names) {
    if (!file.endsWith(".toml") || RESERVED_TOMLS.has(file) || (await entryType(join(dir, file))) === "dir") continue;
    const shown = `${shownDir}/${file}`;
    const name = parseLayerName(file.slice(0, -".toml".length), shown);
    const meta = parseLayerMetadata((await read(file)) ?? "", shown);
    const types = meta.types ?? { launch: false, build: false, cache: false };
    const layerDir = join(dir, name);
    const layerShown = posix.join(shownDir, name);
    const kind = await entryType(layerDir);
    if (kind === "symlink") {
      refuse(`layer ${layerShown} is a symlink (to ${await readlink(layerDir)}); refused`, "a layer must be a directory inside the layers directory");
    }
    if (kind !== "dir" && kind !== "missing") refuse(`layer ${layerShown} is not a directory`);
    if (isIgnoredLayer(types)) {
      if (kind === "dir") {
        await rm(`${layerDir}.ignore`, { recursive: true, force: true });
        await rename(layerDir, `${layerDir}.ignore`);
      }
      ignored.push(name);
      continue;
    }
    const execEnv = layerExecEnv(meta, shown);
    layers.push({
      name,
      types,
      metadata: meta.metadata,
      ...(execEnv !== undefined ? { execEnv } : {}),
      ...(kind === "dir" ? { hostPath: layerDir } : {}),
      path: layerShown,
    });
  }

  // build.toml: unmet entries go to the next provider (CNB-11).
  const buildText = await read("build.toml");
  const met = buildText === undefined ? empty.met : metRequires(bpPlan, parseBuildToml(buildText, `${shownDir}/build.toml`), `${shownDir}/build.toml`);

  // launch.toml: processes, slices, labels (CNB-18).
  const launchText = await read("launch.toml");
  const launch = launchText === undefined ? empty.launch : parseLaunchToml(launchText, `${shownDir}/launch.toml`, bp.api);
  if (!buildpackFeatures(bp.api).workingDirHonoured) {
    for (const p of launch.processes) {
      if (p.workingDir !== undefined) {
        warnings.push(`${bp.id}: process ${p.type}: working-dir is not supported by Buildpack API ${bp.api}; ignored`);
        delete p.workingDir;
      }
    }
  }

  // store.toml (CNB-21).
  const storeText = await read("store.toml");
  const store = storeText === undefined ? undefined : parseStoreToml(storeText, `${shownDir}/store.toml`);

  const sbom = await sbomFiles({ bp, paths, dir, shownDir, names, layers });

  const buildEnv: BuildLayerEnv[] = [];
  for (const l of layers) {
    if (!l.types.build || l.hostPath === undefined) continue;
    buildEnv.push({
      path: l.path,
      subdirs: await existingSubdirs(l.hostPath, BUILD_DIRS),
      env: await readEnvDir(root, join(l.hostPath, "env"), `${l.path}/env`),
      envBuild: await readEnvDir(root, join(l.hostPath, "env.build"), `${l.path}/env.build`),
    });
  }
  return { layers, ignored, met, launch, ...(store ? { store } : {}), sbom, buildEnv, warnings };
}

/**
 * SBOM files (CNB-22): `<layer>.sbom.<ext>`, `launch.sbom.<ext>`, `build.sbom.<ext>`. A launch
 * layer's go to launch, other layers' to build, and a cache layer's also to cache. A file for a
 * layer that was not kept is skipped (as the reference). A format the buildpack does not declare
 * in `sbom-formats`, or an unknown one, is an error.
 */
async function sbomFiles(o: { bp: Buildpack; paths: BuildPaths; dir: string; shownDir: string; names: string[]; layers: BuiltLayer[] }): Promise<SbomFile[]> {
  const { bp, paths } = o;
  const out: SbomFile[] = [];
  for (const file of o.names) {
    const m = SBOM_NAME.exec(file);
    if (!m) continue;
    const [, layer = "", format = ""] = m;
    const shown = `${o.shownDir}/${file}`;
    let types: SbomType[];
    if (layer === "launch") types = ["launch"];
    else if (layer === "build") types = ["build"];
    else {
      const l = o.layers.find((x) => x.name === layer);
      if (l === undefined) continue;
      types = [l.types.launch ? "launch" : "build", ...(l.types.cache ? (["cache"] as const) : [])];
    }
    if (!(format in SBOM_MEDIA_TYPES)) {
      refuse(`${shown}: unsupported SBOM format ${JSON.stringify(format)}`, `SBOM files end in ${Object.keys(SBOM_MEDIA_TYPES).map((e) => `.sbom.${e}`).join(", ")}`);
    }
    const fmt = format as SbomFormat;
    const mediaType = SBOM_MEDIA_TYPES[fmt];
    if (!bp.descriptor.buildpack.sbomFormats.includes(mediaType)) {
      refuse(`${shown}: SBOM media type ${mediaType} is not declared by ${bp.id}`, `add it to [buildpack] sbom-formats in buildpack.toml (declared: ${bp.descriptor.buildpack.sbomFormats.join(", ") || "none"})`);
    }
    const source = join(o.dir, file);
    if ((await resolveInside(paths.host.layers, source, shown)) === undefined) continue;
    const isLayer = layer !== "launch" && layer !== "build";
    for (const type of types) {
      const destination = join(paths.host.layers, "sbom", type, escapeId(bp.id), ...(isLayer ? [layer] : []), `sbom.${fmt}`);
      out.push({ buildpackId: bp.id, ...(isLayer ? { layer } : {}), type, format: fmt, mediaType, source, shown, destination });
    }
  }
  return out;
}

/**
 * Checks again, once every buildpack has run, what earlier checks found: /layers is writable to all
 * buildpacks, so a later one could have swapped an earlier one's layer for a symlink. A kept
 * layer must still be a directory (or still absent).
 */
export async function recheckLayers(layers: readonly BuiltLayer[]): Promise<void> {
  for (const l of layers) {
    const kind = l.hostPath === undefined ? "missing" : await entryType(l.hostPath);
    if (kind !== (l.hostPath === undefined ? "missing" : "dir")) refuse(`layer ${l.path} changed after its buildpack ran (now: ${kind}); refused`);
  }
}

/**
 * Copies SBOM files to `<layers>/sbom/...` (CNB-22), resolving each source again now that no
 * buildpack runs any more, so a link swapped in by a later buildpack is refused, not followed.
 * The caller clears `<layers>/sbom` first.
 */
export async function copySbomFiles(layersDir: string, files: readonly SbomFile[]): Promise<void> {
  for (const f of files) {
    const real = await resolveInside(layersDir, f.source, f.shown);
    if (real === undefined) refuse(`${f.shown} disappeared after its buildpack ran`);
    await mkdir(dirname(f.destination), { recursive: true });
    await copyFile(real, f.destination);
  }
}

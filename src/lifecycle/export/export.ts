// The export phase (CNB-42..49): the run image plus the build's layers, labels and launch config.
// read (scan.ts) -> decide (plan.ts, pure) -> apply (here). The result is an Image; the platform
// writes it with oci.transport (save.ts). Nothing of the run image is read but its manifest and
// config, so a run image in a registry is never downloaded: its layers keep their origin() and a
// push mounts or skips them.
import { join, posix } from "node:path";
import { readFile, stat } from "node:fs/promises";
import type { BigIntStats } from "node:fs";
import { type BuildMetadata, type BuildMetadataLabel, buildMetadataLabel, escapeId, LIFECYCLE_METADATA_LABEL, type LifecycleMetadata, parseApiVersion, platformFeatures, PROJECT_METADATA_LABEL, type ProjectMetadata, stringifyBuildMetadataLabel, stringifyLifecycleMetadataLabel, stringifyProjectMetadataLabel, BUILD_METADATA_LABEL, type BuildpackLayersMetadata } from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";
import { encodeLauncherConfig, type LauncherConfig, launcherEntrypoint, LAUNCHER_PATH, planLaunch, PROCESS_DIR } from "../../launcher/index.js";
import * as oci from "../../oci/index.js";
import { writeFileAtomic } from "../../fs/index.js";
import { previousMetadata } from "../images/index.js";
import { type BuiltBuildpackLayer, type FactoryLayer, type KeyedEntry, type LayerFactory, type LayerInput, walkTree } from "../layer-cache/index.js";
import { kindOf, readBuildMetadata, readGroup, readProjectMetadata, realDir, type ScannedBuildpack, scanBuildpacks } from "../layers-dir/index.js";
import { type PhaseLog, quietLog } from "../log.js";
import { ExportError } from "./errors.js";
import { type CurrentLayers, type PlannedLayer, planExport } from "./plan.js";
import { sliceAppDir } from "./slices.js";

export interface ExportInputs {
  /** The layers dir on this machine. */
  layersDir: string;
  /** The app dir on this machine. */
  appDir: string;
  /** Where the build saw them, which is where the image has them (CNB-44). Defaults `/layers`, `/workspace`. */
  imageLayersDir?: string;
  imageAppDir?: string;
  /** group.toml (default `<layers>/group.toml`). */
  groupPath?: string;
  /** project-metadata.toml (default `<layers>/project-metadata.toml`); missing gives `{}`. */
  projectMetadataPath?: string;
  /** The image to export onto (CNB-42). Only its manifest and config are read. */
  runImage: oci.Image;
  /** What the label records about the run image: its digest reference, and name and mirrors (Platform ≥0.12). */
  runImageRef: { reference: string; image?: string; mirrors?: string[] };
  /** The previous image: launch layers kept without contents are taken from it by diffID (CNB-49). */
  previousImage?: oci.Image;
  /** Its io.buildpacks.lifecycle.metadata (analyzed.toml `[metadata]`); read from `previousImage` when absent. */
  previousMetadata?: LifecycleMetadata;
  /** The launcher binary and its provenance for io.buildpacks.build.metadata. */
  launcher: { path: string; version?: string; source?: { repository: string; commit: string } };
  /** The Platform API the image is exported for (CNB_PLATFORM_API). */
  platformApi: string;
  /** The platform's `-process-type` (CNB-46): the entrypoint; must be one of the build's processes. */
  processType?: string;
  /** CNB_EXEC_ENV (Platform ≥0.15): recorded in the labels. */
  execEnv?: string;
  /** Builds the layers and remembers them across builds (owner uid/gid and time stamp are its settings). */
  layers: LayerFactory;
  /**
   * The SHA-256 of an app file (path relative to the app dir) when the platform knows it for that
   * inode state: the app layer's content key then need not read it.
   */
  appFileHash?: (rel: string, st: BigIntStats) => string | undefined;
  /**
   * Where this destination's app layer is recorded chunk by chunk (LayerFactory.chunkedDir): the
   * next export of nearly the same app writes only the chunks whose files changed. Without it
   * (or with slices) the app is tarred whole through the layer content cache.
   */
  appLayerRecord?: string;
}

/** One appended layer and where its bytes came from. */
export interface ExportedLayerInfo {
  id: string;
  createdBy: string;
  diffId: oci.Digest;
  digest: oci.Digest;
  /**
   * `built`: tarred and compressed by this export. `cached`: same files as a layer built before
   * (the layer content cache). `previous`: the previous image's layer, taken by diffID.
   */
  from: "built" | "cached" | "previous";
}

export interface ExportResult {
  image: oci.Image;
  /** The io.buildpacks.lifecycle.metadata label's value. */
  metadata: LifecycleMetadata;
  /** The io.buildpacks.build.metadata label's value. */
  buildMetadata: BuildMetadataLabel;
  /** The appended layers, in order. */
  layers: ExportedLayerInfo[];
  /** `created`: layers tarred by this export; `reused`: layers appended without tarring. */
  stats: { created: number; reused: number };
  /** Buildpack layers as built (launch layers with contents), for the cache save to reuse. */
  buildpackLayers: BuiltBuildpackLayer[];
}

/** Exports the build as an image on top of the run image. */
/** What export reports to. */
export interface ExportDeps {
  log?: PhaseLog;
}

export function exportImage(inputs: ExportInputs, deps: ExportDeps = {}): Promise<ExportResult> {
  return ExportError.within(() => exportImagePhase(inputs, deps));
}

async function exportImagePhase(inputs: ExportInputs, deps: ExportDeps): Promise<ExportResult> {
  const log = deps.log ?? quietLog;
  const platformApi = wrap(() => parseApiVersion(inputs.platformApi, "platform API"));
  const features = platformFeatures(platformApi);
  const imageLayersDir = posix.resolve("/", inputs.imageLayersDir ?? "/layers");
  const imageAppDir = posix.resolve("/", inputs.imageAppDir ?? "/workspace");
  const L = imageLayersDir.slice(1);
  const factory = inputs.layers;

  const group = await readGroup(inputs.groupPath ?? join(inputs.layersDir, "group.toml"));
  if ((await realDir(inputs.layersDir, "config")) === "missing") {
    throw new ExportError("EXPORT_LAYERS_DIR", `${join(inputs.layersDir, "config")} is missing`, { hint: "run build first: it writes config/metadata.toml" });
  }
  const buildMd = await readBuildMetadata(inputs.layersDir);
  const project = await readProjectMetadata(inputs.projectMetadataPath ?? join(inputs.layersDir, "project-metadata.toml"));
  const scanned = await scanBuildpacks(inputs.layersDir, group, imageLayersDir);
  const sbomDir = join(inputs.layersDir, "sbom", "launch");
  const sbomKind = await realDir(inputs.layersDir, "sbom", "launch");
  const previous = inputs.previousMetadata ?? (await previousMetadata(inputs.previousImage, log));

  const plan = planExport(currentLayers(scanned, buildMd, sbomKind === "dir"), previous);

  // The launcher config lists every launch layer the image carries, reused ones included.
  const launchLayers = new Map<string, string[]>();
  for (const p of plan) {
    if (p.role.kind === "buildpack") launchLayers.set(p.role.buildpackId, [...(launchLayers.get(p.role.buildpackId) ?? []), p.role.layer]);
  }
  const launcherConfig: LauncherConfig = {
    platformApi,
    appDir: imageAppDir,
    buildpacks: group.map((g) => ({ id: g.id, api: g.api, launchLayers: launchLayers.get(g.id) ?? [] })),
    processes: buildMd.processes.map((p) => {
      const out: LauncherConfig["processes"][number] = { type: p.type, buildpackId: p.buildpackId, command: p.command, args: p.args, direct: p.direct };
      if (p.workingDir !== undefined) out.workingDir = p.workingDir;
      if (p.execEnv !== undefined) out.execEnv = p.execEnv;
      return out;
    }),
  };
  if (buildMd.buildpackDefaultProcessType !== undefined) launcherConfig.defaultProcess = buildMd.buildpackDefaultProcessType;
  if (inputs.processType !== undefined && !buildMd.processes.some((p) => p.type === inputs.processType)) {
    throw new ExportError("EXPORT_PROCESS_TYPE", `process type ${JSON.stringify(inputs.processType)} is not one of the build's processes`, {
      hint: buildMd.processes.length ? `the build has: ${buildMd.processes.map((p) => p.type).join(", ")}` : "the build defined no processes",
    });
  }
  const launchPlan = wrap(() => planLaunch(launcherConfig), "EXPORT_LAUNCHER");
  const entrypoint = wrap(() => launcherEntrypoint(launchPlan, inputs.processType), "EXPORT_LAUNCHER");
  await writeIfChanged(join(inputs.layersDir, "config", "launcher.cfg"), encodeLauncherConfig(launcherConfig));

  // Everything to build, in plan order (reused layers need no input).
  const toBuild: Array<{ p: PlannedLayer; input: LayerInput }> = [];
  const chunkedApp = inputs.appLayerRecord !== undefined && buildMd.slices.length === 0 ? inputs.appLayerRecord : undefined;
  const appInputs = chunkedApp ? [] : await appLayerInputs(factory, inputs.appDir, imageAppDir, buildMd, inputs.appFileHash);
  const chunked = new Map<string, FactoryLayer>();
  for (const p of plan) {
    if (p.action !== "build") continue;
    const r = p.role;
    if (r.kind === "app" && chunkedApp) {
      if (!(await kindOf(inputs.appDir).then((k) => k === "dir"))) throw new ExportError("EXPORT_LAYERS_DIR", `the app dir ${inputs.appDir} is not a directory`);
      const hashOf = inputs.appFileHash;
      const app = await factory.chunkedDir(p.id, inputs.appDir, imageAppDir.slice(1), { record: chunkedApp, ...(hashOf ? { hash: hashOf } : {}) });
      log.debug(`App layer: ${app.reused} chunk(s) taken from the previous one, ${app.written} written`);
      chunked.set(p.id, app);
      continue;
    }
    let input: LayerInput;
    switch (r.kind) {
      case "buildpack": {
        const bp = scanned.find((b) => b.entry.id === r.buildpackId) as ScannedBuildpack;
        input = await factory.dirInput(p.id, join(bp.dir, r.layer), `${L}/${escapeId(r.buildpackId)}/${r.layer}`);
        break;
      }
      case "sbom":
        input = await factory.snapshotInput(p.id, sbomDir, `${L}/sbom/launch`);
        break;
      case "app":
        input = appInputs[r.index] as LayerInput;
        break;
      case "launcher":
        input = await launcherInput(factory, inputs.launcher.path);
        break;
      case "config":
        input = await factory.snapshotInput(p.id, join(inputs.layersDir, "config"), `${L}/config`);
        break;
      case "process-types":
        input = processTypesInput(factory, buildMd.processes.map((x) => x.type));
        break;
    }
    toBuild.push({ p, input });
  }
  const built = await factory.build(toBuild.map((b) => b.input));
  const builtById = new Map([...toBuild.map((b, i): [string, FactoryLayer] => [b.p.id, built[i] as FactoryLayer]), ...chunked]);

  // Decide each layer's bytes: the previous image's layer whenever the diffID is the same.
  const created = oci.reproducibleDate(factory.sourceDateEpoch);
  const createdIso = created.toISOString().replace(/\.000Z$/, "Z");
  const addenda: oci.mutate.Addendum[] = [];
  const infos: ExportedLayerInfo[] = [];
  const shas = new Map<string, oci.Digest>();
  for (const p of plan) {
    let layer: oci.Layer;
    let from: ExportedLayerInfo["from"];
    if (p.action === "reuse") {
      layer = await previousLayer(inputs.previousImage, p.previous[0] as string, p.id);
      from = "previous";
      log.info(`Reusing layer '${p.id}'`);
    } else {
      const b = builtById.get(p.id) as FactoryLayer;
      const prev = p.previous.includes(b.diffId) ? await previousLayerOrUndefined(inputs.previousImage, b.diffId) : undefined;
      layer = prev ?? b.layer;
      from = b.from === "built" ? "built" : prev ? "previous" : "cached";
      log.info(`${b.from === "built" ? "Adding" : "Reusing"} layer '${p.id}'`);
    }
    const diffId = await layer.diffId();
    shas.set(p.id, diffId);
    infos.push({ id: p.id, createdBy: p.createdBy, diffId, digest: await layer.digest(), from });
    addenda.push({ layer, history: features.configHistory ? { created: createdIso, created_by: p.createdBy } : { created: createdIso } });
  }

  // io.buildpacks.lifecycle.metadata
  const runConfig = await inputs.runImage.configFile();
  const runLabels = runConfig.config.Labels ?? {};
  const topLayer = runConfig.rootfs.diff_ids.at(-1) ?? "";
  const runImage: LifecycleMetadata["runImage"] = { topLayer, reference: inputs.runImageRef.reference };
  if (features.lifecycleLabelRunImage) {
    if (inputs.runImageRef.image !== undefined) runImage.image = inputs.runImageRef.image;
    if (inputs.runImageRef.mirrors?.length) runImage.mirrors = inputs.runImageRef.mirrors;
  }
  const metadata: LifecycleMetadata = {
    app: plan.filter((p) => p.role.kind === "app").map((p) => ({ sha: shas.get(p.id) as string })),
    buildpacks: scanned.map((bp) => bpMetadata(bp, plan, shas)),
    launcher: { sha: shas.get("launcher") as string },
    config: { sha: shas.get("config") as string },
    runImage,
    stack: { runImage: { ...(inputs.runImageRef.image !== undefined ? { image: inputs.runImageRef.image } : {}), ...(inputs.runImageRef.mirrors?.length ? { mirrors: inputs.runImageRef.mirrors } : {}) } },
  };
  if (shas.has("sbom")) metadata.sbom = { sha: shas.get("sbom") as string };
  if (shas.has("process-types")) metadata.processTypes = { sha: shas.get("process-types") as string };
  if (features.execEnv && inputs.execEnv) metadata.execEnv = inputs.execEnv;

  const buildMetadata = buildMetadataLabel(buildMd, {
    version: inputs.launcher.version ?? "",
    source: { git: { repository: inputs.launcher.source?.repository ?? "", commit: inputs.launcher.source?.commit ?? "" } },
  });
  const labels: Record<string, string> = {
    [LIFECYCLE_METADATA_LABEL]: stringifyLifecycleMetadataLabel(metadata),
    [BUILD_METADATA_LABEL]: stringifyBuildMetadataLabel(buildMetadata, platformApi),
    [PROJECT_METADATA_LABEL]: stringifyProjectMetadataLabel(project satisfies ProjectMetadata),
    // CNB-48: the run image's word, else true: without extensions nothing makes the layers depend on more than the run image's ABI.
    "io.buildpacks.rebasable": runLabels["io.buildpacks.rebasable"] ?? "true",
  };
  for (const l of buildMd.labels) labels[l.key] = l.value;
  if (features.execEnv && inputs.execEnv) labels["io.buildpacks.exec-env"] = inputs.execEnv;

  const runPath = (runConfig.config.Env ?? []).find((e) => e.startsWith("PATH="))?.slice(5);
  const env: Record<string, string> = {
    CNB_LAYERS_DIR: imageLayersDir,
    CNB_APP_DIR: imageAppDir,
    CNB_PLATFORM_API: platformApi,
    CNB_DEPRECATION_MODE: "quiet",
    PATH: [PROCESS_DIR, posix.dirname(LAUNCHER_PATH), ...(runPath ? [runPath] : [])].join(":"),
  };

  let image = oci.mutate.appendLayers(inputs.runImage, ...addenda);
  image = oci.mutate.withLabels(image, labels);
  image = oci.mutate.withEnv(image, env);
  image = oci.mutate.withWorkingDir(image, imageAppDir);
  image = oci.mutate.withEntrypoint(image, [entrypoint], null);
  image = oci.mutate.withCreatedAt(image, created);

  const createdCount = infos.filter((i) => i.from === "built").length;
  const buildpackLayers = plan.flatMap((p) =>
    p.role.kind === "buildpack" && p.action === "build" ? [{ buildpackId: p.role.buildpackId, name: p.role.layer, layer: builtById.get(p.id) as FactoryLayer }] : [],
  );
  return { image, metadata, buildMetadata, layers: infos, stats: { created: createdCount, reused: infos.length - createdCount }, buildpackLayers };
}

function currentLayers(scanned: ScannedBuildpack[], md: BuildMetadata, sbom: boolean): CurrentLayers {
  return {
    buildpacks: scanned.map((bp) => ({
      id: bp.entry.id,
      version: bp.entry.version,
      layers: bp.layers.map((l) => ({ name: l.name, ...l.types, hasContents: l.contents !== "none" })),
    })),
    slices: md.slices.length,
    sbom,
    processes: md.processes.length,
  };
}

function bpMetadata(bp: ScannedBuildpack, plan: PlannedLayer[], shas: Map<string, oci.Digest>): BuildpackLayersMetadata {
  const layers: BuildpackLayersMetadata["layers"] = {};
  for (const l of bp.layers) {
    const p = plan.find((x) => x.role.kind === "buildpack" && x.role.buildpackId === bp.entry.id && x.role.layer === l.name);
    if (!p) continue;
    layers[l.name] = { sha: shas.get(p.id) as string, data: l.metadata, ...l.types };
  }
  const out: BuildpackLayersMetadata = { key: bp.entry.id, version: bp.entry.version, layers };
  if (bp.store !== undefined) out.store = bp.store;
  return out;
}

/** The app dir as `slices + 1` layers (CNB-20): files owned by the CNB user, the app dir's parents by root. */
async function appLayerInputs(factory: LayerFactory, appDir: string, imageAppDir: string, md: BuildMetadata, hashOf?: ExportInputs["appFileHash"]): Promise<LayerInput[]> {
  const kind = await kindOf(appDir);
  if (kind !== "dir") throw new ExportError("EXPORT_LAYERS_DIR", `the app dir ${appDir} is not a directory`);
  const at = imageAppDir.slice(1);
  const walked = await walkTree(appDir, at);
  const paths = walked.map((w) => ({ rel: w.path === at ? "" : w.path.slice(at.length + 1), isDir: w.stat.isDirectory() }));
  const parts = sliceAppDir(paths, md.slices, imageAppDir);
  const settings = factory.settings("cnb", "root");
  // The platform copies the app dir afresh for each build: look its layers up by content too.
  return parts.map((indices, i) => ({
    id: md.slices.length === 0 ? "app" : `slice ${i + 1}`,
    settings,
    entries: indices.map((j) => {
      const w = walked[j] as (typeof walked)[number];
      const rel = (paths[j] as (typeof paths)[number]).rel;
      return hashOf ? { walked: w, hash: (st: BigIntStats) => hashOf(rel, st) } : { walked: w };
    }),
    byContent: true,
  }));
}

async function launcherInput(factory: LayerFactory, path: string): Promise<LayerInput> {
  const st = await stat(path).catch((e: unknown) => {
    throw new ExportError("EXPORT_LAUNCHER", `the launcher ${path} cannot be read: ${(e as Error).message}`, { cause: e });
  });
  if (!st.isFile()) throw new ExportError("EXPORT_LAUNCHER", `the launcher ${path} is not a regular file`);
  const [file] = await walkTree(path, LAUNCHER_PATH.slice(1));
  const root = { mode: 0o755, uid: 0, gid: 0 };
  const entries: KeyedEntry[] = [
    { literal: { path: "cnb", dir: true, ...root } },
    { literal: { path: posix.dirname(LAUNCHER_PATH).slice(1), dir: true, ...root } },
    { walked: file as NonNullable<typeof file>, ...root },
  ];
  return { id: "launcher", settings: factory.settings("root"), entries };
}

function processTypesInput(factory: LayerFactory, types: string[]): LayerInput {
  const root = { mode: 0o755, uid: 0, gid: 0 };
  const entries: KeyedEntry[] = [
    { literal: { path: "cnb", dir: true, ...root } },
    { literal: { path: PROCESS_DIR.slice(1), dir: true, ...root } },
    ...types.map((t): KeyedEntry => ({ literal: { path: `${PROCESS_DIR.slice(1)}/${t}`, symlink: LAUNCHER_PATH, ...root } })),
  ];
  return { id: "process-types", settings: factory.settings("root"), entries };
}

async function previousLayer(img: oci.Image | undefined, diffId: string, id: string): Promise<oci.Layer> {
  if (!img) {
    throw new ExportError("EXPORT_REUSE", `cannot reuse layer ${id}: the previous image is not available`, {
      hint: "pass the previous image to the exporter, or let the buildpack rebuild the layer",
    });
  }
  try {
    return await img.layerByDiffId(diffId as oci.Digest);
  } catch (e) {
    throw new ExportError("EXPORT_REUSE", `cannot reuse layer ${id}: the previous image has no layer ${diffId}`, { cause: e });
  }
}

async function previousLayerOrUndefined(img: oci.Image | undefined, diffId: oci.Digest): Promise<oci.Layer | undefined> {
  if (!img) return undefined;
  return img.layerByDiffId(diffId).catch(() => undefined);
}

/** Writes a file only when its content differs, so that an unchanged config keeps its content key. */
async function writeIfChanged(path: string, data: Uint8Array): Promise<void> {
  const old = await readFile(path).catch(() => undefined);
  if (old && Buffer.compare(old, data) === 0) return;
  await writeFileAtomic(path, data);
}

function wrap<T>(fn: () => T, code: "EXPORT_LAUNCHER" | "EXPORT_LAYERS_DIR" = "EXPORT_LAYERS_DIR"): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof PaketoError && !(e instanceof ExportError)) throw new ExportError(code, e.message, { cause: e, ...(e.hint ? { hint: e.hint } : {}) });
    throw e;
  }
}

// What `paketo inspect` shows of a CNB app image (CNB-47), as pure functions of the image config:
// its labels, Entrypoint and Env. No I/O; a malformed label is reported in `problems`, never thrown,
// so inspecting a damaged image still shows everything else.
import {
  BUILD_METADATA_LABEL,
  type BuildMetadataLabel,
  LIFECYCLE_METADATA_LABEL,
  type LifecycleMetadata,
  PROJECT_METADATA_LABEL,
  type ProjectSource,
  parseBuildMetadataLabel,
  parseLifecycleMetadataLabel,
  parseProjectMetadataLabel,
} from "../../cnb/index.js";

/** The part of an image config (`config` in the config file) the description reads. */
export interface ImageConfigView {
  Labels?: Record<string, string>;
  Entrypoint?: string[] | null;
  Env?: string[] | null;
}

export interface CnbBuildpack {
  id: string;
  version: string;
  homepage?: string;
}

export interface CnbProcess {
  type: string;
  command: string[];
  args: string[];
  /** Run without a shell (`direct`). */
  direct: boolean;
  /** The process the image runs when started without an entrypoint override. */
  default: boolean;
  buildpackId: string;
  workingDir?: string;
}

export interface CnbRunImage {
  /** The run image's name as recorded (what a rebase re-reads by default). */
  image?: string;
  mirrors?: string[];
  /** Digest reference (or image id) of the run image the app was exported (or last rebased) onto. */
  reference?: string;
  /** diffID of the run image's top layer: everything up to it is the run image. */
  topLayer?: string;
}

export interface CnbBaseImage {
  /** `io.buildpacks.stack.id` (Platform API <0.12 images; still written by many stacks). */
  stackId?: string;
  /** The `io.buildpacks.base.*` and `io.buildpacks.stack.*` labels, sorted by key. */
  labels: Record<string, string>;
}

export interface CnbLauncher {
  version?: string;
  source?: { repository: string; commit: string };
  /** diffID of the launcher layer. */
  layer?: string;
}

export interface CnbImageDescription {
  buildpacks: CnbBuildpack[];
  extensions?: CnbBuildpack[];
  processes: CnbProcess[];
  /** The default process type, if the image has one. */
  defaultProcess?: string;
  runImage?: CnbRunImage;
  base: CnbBaseImage;
  launcher?: CnbLauncher;
  /** `io.buildpacks.rebasable`; absent labels count as rebasable (CNB-48). */
  rebasable: boolean;
  /** `CNB_PLATFORM_API` from the image's Env. */
  platformApi?: string;
  /** diffID of the SBOM layer (CNB-22), when the image has one. */
  sbomLayer?: string;
  /** `io.buildpacks.project.metadata` source, when it names one. */
  project?: ProjectSource;
  /** Labels that could not be read, one message each. */
  problems: string[];
}

const PROCESS_DIR = "/cnb/process/";

/** Is this the config of an image exported by a CNB lifecycle? */
export function isCnbImage(config: ImageConfigView): boolean {
  const labels = config.Labels ?? {};
  return LIFECYCLE_METADATA_LABEL in labels || BUILD_METADATA_LABEL in labels;
}

/** `io.buildpacks.base.*` and `io.buildpacks.stack.*` labels (the run image's, copied on rebase), sorted. */
export function baseImageLabels(labels: Record<string, string>): Record<string, string> {
  const keys = Object.keys(labels)
    .filter((k) => k.startsWith("io.buildpacks.base.") || k.startsWith("io.buildpacks.stack."))
    .sort();
  return Object.fromEntries(keys.map((k) => [k, labels[k] as string]));
}

/** The value of NAME in an Env list (`NAME=value`), last one wins. */
export function envValue(env: readonly string[] | null | undefined, name: string): string | undefined {
  let value: string | undefined;
  for (const e of env ?? []) if (e.startsWith(`${name}=`)) value = e.slice(name.length + 1);
  return value;
}

/**
 * The default process type: the one the Entrypoint starts (`/cnb/process/<type>`, Platform API
 * ≥0.6), else `CNB_PROCESS_TYPE` in Env (older images), else none. An Entrypoint of the bare
 * launcher means no default process.
 */
export function defaultProcessType(config: ImageConfigView): string | undefined {
  const ep = config.Entrypoint?.[0];
  if (ep?.startsWith(PROCESS_DIR) && ep.length > PROCESS_DIR.length && !ep.slice(PROCESS_DIR.length).includes("/")) return ep.slice(PROCESS_DIR.length);
  return envValue(config.Env, "CNB_PROCESS_TYPE") || undefined;
}

function attempt<T>(problems: string[], label: string, value: string | undefined, parse: (s: string) => T): T | undefined {
  if (value === undefined) return undefined;
  try {
    return parse(value);
  } catch (e) {
    problems.push(`${label}: ${(e as Error).message}`);
    return undefined;
  }
}

function runImageOf(md: LifecycleMetadata | undefined): CnbRunImage | undefined {
  if (!md) return undefined;
  const r = md.runImage;
  const s = md.stack?.runImage;
  const image = r?.image ?? s?.image;
  const mirrors = r?.image !== undefined ? r.mirrors : (r?.mirrors ?? s?.mirrors);
  const out: CnbRunImage = {};
  if (image) out.image = image;
  if (mirrors && mirrors.length > 0) out.mirrors = [...mirrors];
  if (r?.reference) out.reference = r.reference;
  if (r?.topLayer) out.topLayer = r.topLayer;
  return Object.keys(out).length > 0 ? out : undefined;
}

function launcherOf(bm: BuildMetadataLabel | undefined, md: LifecycleMetadata | undefined): CnbLauncher | undefined {
  const out: CnbLauncher = {};
  if (bm?.launcher.version) out.version = bm.launcher.version;
  const git = bm?.launcher.source.git;
  if (git && (git.repository || git.commit)) out.source = { repository: git.repository, commit: git.commit };
  if (md?.launcher?.sha) out.layer = md.launcher.sha;
  return Object.keys(out).length > 0 ? out : undefined;
}

function buildpackOf(b: { id: string; version: string; homepage?: string }): CnbBuildpack {
  return { id: b.id, version: b.version, ...(b.homepage ? { homepage: b.homepage } : {}) };
}

/**
 * The CNB view of an image config: buildpacks, processes, run image, base image labels and the
 * launcher. Undefined for images no CNB lifecycle exported (no lifecycle or build metadata label).
 */
export function describeCnbImage(config: ImageConfigView): CnbImageDescription | undefined {
  if (!isCnbImage(config)) return undefined;
  const labels = config.Labels ?? {};
  const problems: string[] = [];
  const md = attempt(problems, LIFECYCLE_METADATA_LABEL, labels[LIFECYCLE_METADATA_LABEL], (s) => parseLifecycleMetadataLabel(s));
  const bm = attempt(problems, BUILD_METADATA_LABEL, labels[BUILD_METADATA_LABEL], (s) => parseBuildMetadataLabel(s));
  const project = attempt(problems, PROJECT_METADATA_LABEL, labels[PROJECT_METADATA_LABEL], (s) => parseProjectMetadataLabel(s));

  // The build metadata names the group; an image with only the lifecycle label still says which
  // buildpacks contributed layers.
  const buildpacks = bm ? bm.buildpacks.map(buildpackOf) : (md?.buildpacks ?? []).map((b) => ({ id: b.key, version: b.version }));
  const defaultType = defaultProcessType(config);
  const processes: CnbProcess[] = (bm?.processes ?? []).map((p) => ({
    type: p.type,
    command: [...p.command],
    args: [...p.args],
    direct: p.direct,
    default: p.type === defaultType,
    buildpackId: p.buildpackId,
    ...(p.workingDir !== undefined ? { workingDir: p.workingDir } : {}),
  }));

  const base = baseImageLabels(labels);
  const out: CnbImageDescription = {
    buildpacks,
    processes,
    base: { ...(labels["io.buildpacks.stack.id"] ? { stackId: labels["io.buildpacks.stack.id"] } : {}), labels: base },
    rebasable: labels["io.buildpacks.rebasable"] !== "false",
    problems,
  };
  if (bm?.extensions && bm.extensions.length > 0) out.extensions = bm.extensions.map(buildpackOf);
  if (defaultType !== undefined && processes.some((p) => p.default)) out.defaultProcess = defaultType;
  const runImage = runImageOf(md);
  if (runImage) out.runImage = runImage;
  const launcher = launcherOf(bm, md);
  if (launcher) out.launcher = launcher;
  const platformApi = envValue(config.Env, "CNB_PLATFORM_API");
  if (platformApi) out.platformApi = platformApi;
  if (md?.sbom?.sha) out.sbomLayer = md.sbom.sha;
  if (project?.source) out.project = project.source;
  return out;
}

/** A process's command line as one string, for reading (not for a shell). */
export function processCommandLine(p: Pick<CnbProcess, "command" | "args">): string {
  return [...p.command, ...p.args].map((a) => (a === "" || /[\s"'\\$`]/.test(a) ? JSON.stringify(a) : a)).join(" ");
}

// The build phase (CNB-10..22, CNB-41): each buildpack of the group in order, in the sandbox.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import {
  type ApiVersion,
  BUILD_RECORD_FILE,
  type BuildMetadata,
  type BuildRecord,
  parseBuildRecord,
  type BuildpackId,
  type BuildpackVersion,
  defaultEnvAction,
  escapeId,
  type GroupFile,
  type ImageLabel,
  type MetadataProcess,
  platformFeatures,
  type PlanFile,
  type ProcessType,
  requirePlatformApi,
  type RunImageTarget,
  type Slice,
  stringifyBuildMetadata,
  stringifyBuildpackPlan,
  type StoreFile,
  type LaunchProcess,
  decodeProgressLine,
  PROGRESS_ENV,
} from "../../cnb/index.js";
import type { Digest, OnProgress } from "../../oci/index.js";
import type { Runner } from "../../sandbox/index.js";
import { applyBuildLayer, buildVars, composeEnv, type Env } from "../env/index.js";
import {
  type Buildpack,
  buildpackKey,
  type BuildPaths,
  type BuildpackStore,
  describeExit,
  dirStore,
  entryType,
  type ExecSettings,
  type HostFactory,
  type HostSession,
  lazyHost,
  makeRunDir,
  type PhaseEnvironment,
  preparePhaseEnvironment,
  prepareBuildMounts,
  processSpec,
  readFileInside,
  runProcess,
} from "../exec/index.js";
import { LifecycleError, toLifecycleError } from "../errors.js";
import type { BuildLog } from "../log.js";
import { type BuiltLayer, copySbomFiles, readBuildpackOutputs, recheckLayers, type SbomFile } from "./outputs.js";
import { buildpackPlanFor, filterPlan } from "./plan.js";
import { EMPTY_PROCESSES, mergeLabels, mergeProcesses, type ProcessSet, sortedProcesses } from "./processes.js";

export interface BuildInputs {
  paths: BuildPaths;
  exec: ExecSettings;
  platformApi: ApiVersion;
  /** group.toml and plan.toml from detect. */
  group: GroupFile;
  plan: PlanFile;
  /** The source of CNB_TARGET_* (CNB-10). */
  runImageTarget: RunImageTarget;
  /** CNB_EXEC_ENV (CNB-26); default "production". */
  execEnv?: string;
  /** Where buildpacks are read from (default: `dirStore(paths)`). */
  store?: BuildpackStore;
  /**
   * Ask each bin/build what it depended on beyond its files (cnb/build-record.ts): buildpacks on
   * paketo's buildpack API say; others leave the record empty, which is "not memoisable".
   */
  askRecords?: boolean;
}

export interface BuildDeps {
  runner: Runner;
  log: BuildLog;
  /**
   * Live progress of buildpacks' long steps: when given, buildpacks are asked for progress lines
   * (PAKETO_PROGRESS=1, cnb/progress-line.ts), which go here instead of into the log.
   */
  onProgress?: OnProgress;
  /** Runs buildpacks on paketo's buildpack API in one process for the phase (exec/host.ts); without it each runs as its own. */
  host?: HostFactory;
}

/** One buildpack of the group and what it produced. */
export interface BuiltBuildpack {
  id: BuildpackId;
  version: BuildpackVersion;
  api: ApiVersion;
  homepage?: string;
  /** `<layers>/<escaped-id>` on the host and as buildpacks saw it. */
  layersDir: { host: string; path: string };
  /** Kept layers by name (launch, build and/or cache); all-false layers are not listed (CNB-14). */
  layers: BuiltLayer[];
  /** store.toml (CNB-21), saved in the image label and cache by the exporter. */
  store?: StoreFile;
  /** Its launch.toml processes, labels and slices, as written. */
  processes: LaunchProcess[];
  labels: ImageLabel[];
  slices: Slice[];
  sbom: SbomFile[];
  /** What it said it depended on, when asked (`askRecords`). */
  record?: BuildRecord;
}

/** What the exporter and cache writer need from the build. */
export interface BuildResult {
  buildpacks: BuiltBuildpack[];
  /** Merged (CNB-19) and sorted by type. */
  processes: MetadataProcess[];
  defaultProcess?: ProcessType;
  /** One value per key: the last buildpack wins (CNB-18). */
  labels: ImageLabel[];
  /** In buildpack order (CNB-20). */
  slices: Slice[];
  /** Copied SBOM files (CNB-22): `<layers>/sbom/{launch,build,cache}/...`. */
  sbom: SbomFile[];
  /** `<layers>/config/metadata.toml` (CNB-41) as written, and its host path. */
  metadata: BuildMetadata;
  metadataPath: string;
}

/** How many output lines of a failing buildpack its error message repeats. */
export const FAILURE_TAIL_LINES = 20;

/**
 * Runs bin/build of each buildpack in the group, in order, and writes
 * `<layers>/config/metadata.toml`. A buildpack that exits non-zero stops the build (exit 51, its
 * last output lines in the message); malformed output files stop it with exit 52.
 */
export async function build(inputs: BuildInputs, deps: BuildDeps): Promise<BuildResult> {
  const { log } = deps;
  return log.time("build", async () => {
    try {
      log.phase("building");
      return await runBuild(inputs, deps);
    } catch (e) {
      throw toLifecycleError(e, "BUILD_ERROR", "build");
    }
  });
}

async function runBuild(inputs: BuildInputs, deps: BuildDeps): Promise<BuildResult> {
  const { paths, platformApi } = inputs;
  requirePlatformApi(platformApi, "Platform API");
  await mkdir(paths.host.layers, { recursive: true });
  const env = await preparePhaseEnvironment(paths, inputs.exec, platformApi);
  const host = lazyHost(deps, { paths, exec: inputs.exec, env: env.base, access: { workspace: "rw", layers: "rw" }, home: env.home }, {
    onStart: () => deps.log.debug("Started the buildpack host: one Node.js process runs the buildpacks on the buildpack API"),
  });
  try {
    return await buildGroup(inputs, deps, env, host.get);
  } finally {
    await host.close();
  }
}

async function buildGroup(
  inputs: BuildInputs,
  deps: BuildDeps,
  env: PhaseEnvironment,
  host: (bp: Buildpack) => Promise<HostSession | undefined>,
): Promise<BuildResult> {
  const { paths, platformApi } = inputs;
  const { log } = deps;
  const pf = platformFeatures(platformApi);
  const store = inputs.store ?? dirStore(paths);
  let plan = inputs.plan;
  let layerEnv: Env = env.base;
  let processes: ProcessSet = EMPTY_PROCESSES;
  const built: BuiltBuildpack[] = [];
  const allLabels: ImageLabel[] = [];
  const slices: Slice[] = [];
  const sbom: SbomFile[] = [];

  for (const entry of inputs.group.group) {
    const bp = await store.lookup(entry.id, entry.version);
    const bpPlan = buildpackPlanFor(plan, bp.id);
    const record = await runBuildpack(bp, stringifyBuildpackPlan(bpPlan), layerEnv, inputs, deps, env, host);
    const out = await readBuildpackOutputs({ bp, paths, bpPlan });
    for (const w of out.warnings) log.warn(w);

    plan = filterPlan(plan, out.met);
    for (const l of out.buildEnv) layerEnv = applyBuildLayer(layerEnv, l, defaultEnvAction("layer", bp.api));
    const merged = mergeProcesses(processes, bp.id, out.launch.processes);
    if (merged.warning) log.warn(merged.warning);
    processes = merged.set;
    allLabels.push(...out.launch.labels);
    slices.push(...out.launch.slices);
    sbom.push(...out.sbom);
    const homepage = bp.descriptor.buildpack.homepage;
    built.push({
      id: bp.id,
      version: bp.version,
      api: bp.api,
      ...(homepage ? { homepage } : {}),
      layersDir: { host: join(paths.host.layers, escapeId(bp.id)), path: posix.join(paths.sandbox.layers, escapeId(bp.id)) },
      layers: out.layers,
      ...(out.store ? { store: out.store } : {}),
      processes: out.launch.processes,
      labels: out.launch.labels,
      slices: out.launch.slices,
      sbom: out.sbom,
      ...(record ? { record } : {}),
    });
    for (const name of out.ignored) log.debug(`${bp.id}: layer ${name} has no launch, build or cache flag; renamed to ${name}.ignore`);
  }

  // <layers>/sbom and <layers>/config are the lifecycle's. They are cleared only now, after every
  // buildpack ran: /layers is writable in the sandbox, and a link planted there (sbom -> /etc)
  // must not steer the host-side writes below. Clearing also drops stale SBOMs (as the reference).
  await rm(join(paths.host.layers, "sbom"), { recursive: true, force: true });
  await rm(join(paths.host.layers, "config"), { recursive: true, force: true });
  await recheckLayers(built.flatMap((b) => b.layers));
  const copied = pf.sbomLayers ? sbom : [];
  await copySbomFiles(paths.host.layers, copied);

  const metadata: BuildMetadata = {
    buildpacks: built.map((b) => ({ id: b.id, version: b.version, api: b.api, ...(b.homepage ? { homepage: b.homepage } : {}) })),
    extensions: [],
    processes: sortedProcesses(processes),
    slices,
    labels: allLabels,
    bom: [],
    ...(processes.defaultType !== undefined ? { buildpackDefaultProcessType: processes.defaultType } : {}),
  };
  const metadataPath = join(paths.host.layers, "config", "metadata.toml");
  await mkdir(dirname(metadataPath), { recursive: true });
  await writeFile(metadataPath, stringifyBuildMetadata(metadata, platformApi));
  return {
    buildpacks: built,
    processes: metadata.processes,
    ...(processes.defaultType !== undefined ? { defaultProcess: processes.defaultType } : {}),
    labels: mergeLabels(allLabels),
    slices,
    sbom: copied,
    metadata,
    metadataPath,
  };
}

/** A buildpack's output lines: progress lines to `onProgress` (their step's line is the buildpack's own), the rest to the log. */
function withProgress(log: (line: string) => void, onProgress: OnProgress | undefined): (line: string) => void {
  if (!onProgress) return log;
  return (line) => {
    const e = decodeProgressLine(line.replace(/\n$/, ""));
    if (!e) return log(line);
    const digest = e.digest as Digest; // a key naming the transfer, as the renderer uses it
    onProgress(e.kind === "blob-done" ? { ...e, digest, logged: true } : { ...e, digest });
  };
}

/** One bin/build run (CNB-10): `$1=<layers>/<escaped-id>`, `$2=<platform>`, `$3=<plan>`, cwd the app (writable). */
async function runBuildpack(
  bp: Buildpack,
  planToml: string,
  layerEnv: Env,
  inputs: BuildInputs,
  deps: BuildDeps,
  env: PhaseEnvironment,
  host: (bp: Buildpack) => Promise<HostSession | undefined>,
): Promise<BuildRecord | undefined> {
  const { paths } = inputs;
  const esc = escapeId(bp.id);
  const layersHost = join(paths.host.layers, esc);
  const layersPath = posix.join(paths.sandbox.layers, esc);
  const existing = await entryType(layersHost);
  if (existing !== "missing" && existing !== "dir") {
    throw new LifecycleError("BUILD_ERROR", `${layersPath} is not a directory (${existing}); refused`, { hint: "a buildpack must not create another buildpack's layers directory" });
  }
  await mkdir(layersHost, { recursive: true });
  if ((await entryType(join(bp.dir.host, "bin", "build"))) === "missing") {
    throw new LifecycleError("BUILD_ERROR", `${buildpackKey(bp)}: ${bp.dir.sandbox}/bin/build does not exist`);
  }
  const run = await makeRunDir(paths, esc);
  try {
    const planPath = posix.join(run.sandbox, "plan.toml");
    await writeFile(join(run.host, "plan.toml"), planToml);
    const recordHost = join(run.host, BUILD_RECORD_FILE);
    if (inputs.askRecords) await writeFile(recordHost, "");
    const processEnv = composeEnv({
      base: layerEnv,
      platformEnv: bp.descriptor.buildpack.clearEnv ? undefined : env.platformEnv,
      buildConfigEnv: env.buildConfigEnv,
      cnbVars: buildVars({
        api: bp.api,
        buildpackDir: bp.dir.sandbox,
        platformDir: paths.sandbox.platform,
        planPath,
        layersDir: layersPath,
        target: inputs.runImageTarget,
        execEnv: inputs.execEnv ?? "production",
      }),
    });
    // Layer folders that earlier buildpacks asked to show inside the app (build-mounts.ts).
    const mounts = await prepareBuildMounts(paths, processEnv);
    for (const note of mounts.notes) deps.log.debug(`${bp.id}: build mount ${note}`);
    const argv = [posix.join(bp.dir.sandbox, "bin", "build"), layersPath, paths.sandbox.platform, planPath];
    const runEnv = deps.onProgress ? { ...processEnv, [PROGRESS_ENV]: "1" } : processEnv;
    const spec = processSpec(paths, inputs.exec, {
      argv,
      env: runEnv,
      access: { workspace: "rw", layers: "rw" },
      runDir: run,
      home: env.home,
      mounts: mounts.binds,
    });
    const write = withProgress(deps.log.buildpack(bp.title), deps.onProgress);
    const { exit, lines: output } = await deps.log
      .time(`build: ${bp.id}`, async () => {
        // Buildpacks on paketo's buildpack API run in the phase's host process when there is one;
        // the host's binds were fixed when it started, so a buildpack that needs build mounts runs
        // as its own process.
        const session = mounts.binds.length === 0 ? await host(bp) : undefined;
        const hosted = session ? await session.run({ bp, argv, env: runEnv, onLine: write, bufferLines: FAILURE_TAIL_LINES }) : undefined;
        if (session && hosted === undefined) {
          throw new LifecycleError("BUILDPACK_FAILED", `buildpack ${buildpackKey(bp)} failed: the buildpack host process ended during its bin/build`, {
            hint: "run with --verbose for its output",
          });
        }
        return hosted ?? runProcess(deps.runner, spec, { onLine: write, bufferLines: FAILURE_TAIL_LINES });
      })
      .finally(() => mounts.restore());
    if (exit.code !== 0) {
      const lines = output.filter((l) => !decodeProgressLine(l));
      const tail = lines.length > 0 ? `\nLast output lines:\n${lines.map((l) => `  ${l}`).join("\n")}` : "";
      throw new LifecycleError("BUILDPACK_FAILED", `buildpack ${buildpackKey(bp)} failed: bin/build ${describeExit(exit)}${tail}`, {
        hint: "the buildpack's output above says why",
      });
    }
    if (!inputs.askRecords) return undefined;
    const shown = posix.join(run.sandbox, BUILD_RECORD_FILE);
    try {
      return parseBuildRecord((await readFileInside(run.host, recordHost, shown)) ?? "", shown);
    } catch (e) {
      return { memoisable: false, reason: e instanceof Error ? e.message : String(e) };
    }
  } finally {
    await run.remove();
  }
}

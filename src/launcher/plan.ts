// What the exporter knows about launching (processes, buildpacks, their API versions) turned
// into what the launcher does: every version-gated choice is made here, once, so the C launcher
// only obeys a resolved plan. Pure: no I/O.
import { type ApiVersion, atLeast, SUPPORTED_BUILDPACK_APIS, SUPPORTED_PLATFORM_APIS, supportedApi } from "./api.js";
import { LauncherError } from "./errors.js";

/** The launch-relevant part of a build, as the exporter has it. */
export interface LauncherConfig {
  /** The Platform API the image is exported for (CNB_PLATFORM_API). */
  platformApi: string;
  /** The app dir in the image; the launcher's default when CNB_APP_DIR is unset. Default /workspace. */
  appDir?: string;
  /** The buildpacks of the group, in build order. */
  buildpacks: LauncherBuildpack[];
  /** The merged processes (CNB-19), in the order the image lists them (the lifecycle sorts by type). */
  processes: LauncherProcess[];
  /** The buildpack-provided default process type, if any (CNB-19). */
  defaultProcess?: string;
}

export interface LauncherBuildpack {
  id: string;
  /** The buildpack's Buildpack API, from its buildpack.toml. */
  api: string;
  /** Names of its launch=true layers that the image carries (any order: they are sorted). */
  launchLayers: string[];
}

export interface LauncherProcess {
  type: string;
  /** The buildpack that contributed the process; it must be in `buildpacks`. */
  buildpackId: string;
  /** Buildpack API < 0.9: exactly one element, the string `command`. From 0.9: the array. */
  command: string[];
  args?: string[];
  /** Buildpack API < 0.9 only (default false: run through a shell). From 0.9 processes are always
   * direct, and `direct: false` is an error. */
  direct?: boolean;
  /** Honoured from Buildpack API 0.8 (ignored before, as the spec says). Relative to the app dir. */
  workingDir?: string;
  /** Execution environments the process runs in (Buildpack API 0.12); honoured from Platform API 0.15. */
  execEnv?: string[];
}

/** What the launcher executes; the exact content of launcher.cfg. */
export interface LaunchPlan {
  platformApi: string;
  appDir: string;
  buildpacks: PlannedBuildpack[];
  processes: PlannedProcess[];
  defaultProcess?: string;
}

export interface PlannedBuildpack {
  /** Directory under the layers dir: the escaped buildpack id. */
  dir: string;
  /** Launch layers, sorted bytewise: the order their env, exec.d and profile.d apply in. */
  layers: string[];
}

export interface PlannedProcess {
  type: string;
  buildpackId: string;
  /** direct: execve(command[0] looked up on PATH); shell: the command is a shell script. */
  exec: "direct" | "shell";
  /** What user args (`docker run IMAGE ARGS`) do to `args`. */
  userArgs: "append" | "replace";
  /** "" for the app dir. */
  workingDir: string;
  /** Always passed. For a shell process: one element, the script. */
  command: string[];
  /** Passed unless user args replace them. */
  args: string[];
  /** Eligible execution environments; empty means all. */
  execEnv: string[];
}

/** The launch behaviours that depend on API versions (buildpack spec §0 table, platform spec launcher). */
export interface LaunchFeatures {
  /** bp < 0.9: `command` is one string and `direct` picks exec or shell; from 0.9 an array, always direct. */
  stringCommand: boolean;
  /** bp >= 0.8: a process's `working-dir` is honoured. */
  workingDir: boolean;
  /** bp >= 0.9: user args replace the process args; before, they are appended. */
  userArgsReplace: boolean;
  /** platform >= 0.10: command[1:] are always-passed args; before, they are folded into `args`. */
  commandArgs: boolean;
  /** platform >= 0.15: a process's `exec-env` limits where it runs (CNB_EXEC_ENV). */
  execEnv: boolean;
}

export function launchFeatures(platform: ApiVersion, buildpack: ApiVersion): LaunchFeatures {
  return {
    stringCommand: !atLeast(buildpack, "0.9"),
    workingDir: atLeast(buildpack, "0.8"),
    userArgsReplace: atLeast(buildpack, "0.9"),
    commandArgs: atLeast(platform, "0.10"),
    execEnv: atLeast(platform, "0.15"),
  };
}

export const DEFAULT_APP_DIR = "/workspace";

/** A buildpack's directory name under the layers dir (the spec's escaping: "/" becomes "_"). */
export function escapeBuildpackId(id: string): string {
  return id.replaceAll("/", "_");
}

/** Resolves and checks a LauncherConfig. Throws LauncherError for anything the launcher could not run. */
export function planLaunch(cfg: LauncherConfig): LaunchPlan {
  const platform = supportedApi(cfg.platformApi, SUPPORTED_PLATFORM_APIS, "platform");
  const appDir = cfg.appDir ?? DEFAULT_APP_DIR;
  if (!appDir.startsWith("/")) invalid(`app dir "${appDir}" is not an absolute path`);
  noNul(appDir, "app dir");

  const apis = new Map<string, ApiVersion>();
  const dirs = new Map<string, string>();
  const buildpacks = cfg.buildpacks.map((bp): PlannedBuildpack => {
    if (bp.id === "") invalid("a buildpack has an empty id");
    if (apis.has(bp.id)) invalid(`buildpack ${bp.id} appears twice`);
    apis.set(bp.id, supportedApi(bp.api, SUPPORTED_BUILDPACK_APIS, `buildpack ${bp.id}`));
    const dir = escapeBuildpackId(bp.id);
    pathElement(dir, `buildpack id "${bp.id}"`);
    const clash = dirs.get(dir);
    if (clash !== undefined) invalid(`buildpacks ${clash} and ${bp.id} share the layers directory ${dir}`);
    dirs.set(dir, bp.id);
    const layers = [...bp.launchLayers].sort(compareBytes);
    layers.forEach((l, i) => {
      pathElement(l, `layer "${l}" of buildpack ${bp.id}`);
      if (i > 0 && layers[i - 1] === l) invalid(`layer "${l}" of buildpack ${bp.id} appears twice`);
    });
    return { dir, layers };
  });

  const types = new Set<string>();
  const processes = cfg.processes.map((p): PlannedProcess => {
    pathElement(p.type, `process type "${p.type}"`);
    if (types.has(p.type)) invalid(`process type "${p.type}" appears twice`);
    types.add(p.type);
    const api = apis.get(p.buildpackId);
    if (!api) invalid(`process "${p.type}" comes from buildpack ${p.buildpackId}, which is not in the group`);
    return planProcess(p, launchFeatures(platform, api));
  });

  if (cfg.defaultProcess !== undefined && !types.has(cfg.defaultProcess)) {
    invalid(`the default process "${cfg.defaultProcess}" is not one of the processes`);
  }
  const plan: LaunchPlan = { platformApi: cfg.platformApi, appDir, buildpacks, processes };
  if (cfg.defaultProcess !== undefined) plan.defaultProcess = cfg.defaultProcess;
  return plan;
}

function planProcess(p: LauncherProcess, f: LaunchFeatures): PlannedProcess {
  const what = `process "${p.type}"`;
  const command = p.command;
  const args = p.args ?? [];
  if (command.length === 0 || command[0] === "") invalid(`${what} has no command`);
  if (f.stringCommand && command.length !== 1) {
    invalid(`${what}: buildpack API < 0.9 has a string command, but ${command.length} elements were given`);
  }
  if (!f.stringCommand && p.direct === false) invalid(`${what}: "direct" is not allowed from buildpack API 0.9 (processes are always direct)`);
  for (const s of [...command, ...args, ...(p.execEnv ?? []), p.workingDir ?? "", p.buildpackId]) noNul(s, what);

  // Which tokens always pass, which ones user args may replace (platform spec, launcher).
  let fixed: string[];
  let overridable: string[];
  let userArgs: PlannedProcess["userArgs"];
  if (f.commandArgs && command.length > 1) {
    [fixed, overridable, userArgs] = [[...command], [...args], "replace"];
  } else if (!f.commandArgs) {
    [fixed, overridable, userArgs] = [[command[0]!], [...command.slice(1), ...args], "append"];
  } else {
    [fixed, overridable, userArgs] = [[...command], [...args], f.userArgsReplace ? "replace" : "append"];
  }
  return {
    type: p.type,
    buildpackId: p.buildpackId,
    exec: f.stringCommand && p.direct !== true ? "shell" : "direct",
    userArgs,
    workingDir: f.workingDir ? (p.workingDir ?? "") : "",
    command: fixed,
    args: overridable,
    execEnv: f.execEnv ? [...(p.execEnv ?? [])] : [],
  };
}

/** The image ENTRYPOINT the platform spec asks for: the default (or requested) process's symlink, else the launcher. */
export function launcherEntrypoint(plan: Pick<LaunchPlan, "defaultProcess" | "processes">, processType?: string): string {
  const type = processType ?? plan.defaultProcess;
  if (type === undefined) return LAUNCHER_PATH;
  if (!plan.processes.some((p) => p.type === type)) invalid(`process type "${type}" is not one of the processes`);
  return `${PROCESS_DIR}/${type}`;
}

export const LAUNCHER_PATH = "/cnb/lifecycle/launcher";
export const PROCESS_DIR = "/cnb/process";

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function pathElement(s: string, what: string): void {
  if (s === "" || s === "." || s === ".." || s.includes("/")) invalid(`${what} cannot be used as a file name`);
  noNul(s, what);
}

function noNul(s: string, what: string): void {
  if (s.includes("\0")) invalid(`${what} contains a NUL character`);
}

function invalid(message: string): never {
  throw new LauncherError("LAUNCHER_CONFIG", message);
}

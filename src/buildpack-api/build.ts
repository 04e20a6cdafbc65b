// The build outcome as a value (libcnb.rs BuildResult), and its translation into launch.toml and
// build.toml in the form of the buildpack's declared API. Pure: no I/O here.
import {
  type ApiVersion,
  buildpackFeatures,
  CnbError,
  type LaunchFile,
  type LaunchProcess,
  parseLaunchToml,
  parseProcessType,
  type Requirement,
  stringifyBuildToml,
  stringifyLaunchToml,
  type Table,
} from "../cnb/index.js";
import { BuildpackError } from "./errors.js";
import type { Sbom } from "./sbom.js";

/** A process the image can run (CNB-18). */
export interface Process {
  /** `web`, `worker`...: letters, digits, `.`, `_`, `-`. */
  type: string;
  /** The executable (a path, or a name looked up on PATH) and its fixed arguments. */
  command: readonly string[];
  /** Default arguments, which a user's arguments replace. */
  args?: readonly string[];
  /** At most one per buildpack. */
  default?: boolean;
  /** Buildpack API ≥ 0.8; dropped with a warning before. Default: the app dir. */
  workingDir?: string;
  /** Buildpack API ≥ 0.12: the execution environments the process is for. */
  execEnv?: readonly string[];
}

/** What a build contributes besides its layers (those are written through `ctx.layers`). */
export interface BuildResult<S = Table> {
  processes?: readonly Process[];
  /** App-dir globs each exported as its own layer (CNB-20). */
  slices?: readonly { paths: readonly string[] }[];
  /** Image labels. */
  labels?: Readonly<Record<string, string>>;
  /** Plan entry names this buildpack did not satisfy; they go to the next provider (CNB-11). */
  unmet?: readonly string[];
  /** SBOMs not tied to a layer: `launch.sbom.<ext>` and `build.sbom.<ext>` (CNB-22). */
  sbom?: { launch?: readonly Sbom[]; build?: readonly Sbom[] };
  /** store.toml `[metadata]`, handed back on the next build as `ctx.store`. Undefined leaves store.toml as restored. */
  store?: S;
}

function resultError(e: unknown): never {
  if (e instanceof CnbError) throw new BuildpackError("BUILDPACK_RESULT", `build result: ${e.message}`, { cause: e, ...(e.hint === undefined ? {} : { hint: e.hint }) });
  throw e;
}

function toLaunchProcess(p: Process, i: number, api: ApiVersion, warn: (text: string) => void): LaunchProcess {
  const features = buildpackFeatures(api);
  const where = `build result: processes[${i}]`;
  const type = parseProcessType(p.type, `${where}.type`);
  const [exe, ...fixed] = p.command;
  if (exe === undefined || exe === "") throw new BuildpackError("BUILDPACK_RESULT", `${where} (${type}): command is empty`);
  const args = [...(p.args ?? [])];
  if (p.execEnv !== undefined && !features.execEnv) {
    throw new BuildpackError("BUILDPACK_RESULT", `${where} (${type}): execEnv needs Buildpack API 0.12, buildpack.toml declares ${api}`);
  }
  let workingDir = p.workingDir;
  if (workingDir !== undefined && !features.workingDirHonoured) {
    warn(`process ${type}: working directory ${workingDir} is ignored: it needs Buildpack API 0.8, buildpack.toml declares ${api}`);
    workingDir = undefined;
  }
  // Before API 0.9 the command is one string: the executable; its fixed arguments lead `args`,
  // and `direct = true` execs it without a shell, as every process is exec'd from 0.9 on.
  const command = features.processCommandIsArray ? [exe, ...fixed] : [exe];
  return {
    type,
    command,
    args: features.processCommandIsArray ? args : [...fixed, ...args],
    direct: true,
    default: p.default === true,
    ...(workingDir === undefined ? {} : { workingDir }),
    ...(p.execEnv === undefined ? {} : { execEnv: [...p.execEnv] }),
  };
}

/**
 * launch.toml for a buildpack declaring `api`, or undefined when the result has nothing for it.
 * Checked by reading it back with the lifecycle's own parser (duplicate types, two defaults,
 * slices outside the app dir).
 */
export function launchToml(result: BuildResult<unknown>, api: ApiVersion, warn: (text: string) => void): string | undefined {
  const file: LaunchFile = {
    processes: (result.processes ?? []).map((p, i) => toLaunchProcess(p, i, api, warn)),
    slices: (result.slices ?? []).map((s) => ({ paths: [...s.paths] })),
    labels: Object.entries(result.labels ?? {}).map(([key, value]) => {
      if (key === "") throw new BuildpackError("BUILDPACK_RESULT", "build result: labels: a label key is empty");
      return { key, value };
    }),
    bom: [],
  };
  if (file.processes.length === 0 && file.slices.length === 0 && file.labels.length === 0) return undefined;
  const text = stringifyLaunchToml(file, api);
  try {
    parseLaunchToml(text, "launch.toml", api);
  } catch (e) {
    resultError(e);
  }
  return text;
}

/** build.toml, or undefined when nothing is unmet. Every unmet name must be in the buildpack plan (CNB-11). */
export function buildToml(result: BuildResult<unknown>, plan: readonly Requirement[]): string | undefined {
  const unmet = [...new Set(result.unmet ?? [])];
  if (unmet.length === 0) return undefined;
  const names = new Set(plan.map((e) => e.name));
  for (const name of unmet) {
    if (!names.has(name)) {
      throw new BuildpackError("BUILDPACK_RESULT", `build result: unmet ${JSON.stringify(name)} is not in the buildpack plan`, {
        hint: `the plan holds: ${[...names].map((n) => JSON.stringify(n)).join(", ") || "nothing"}`,
      });
    }
  }
  return stringifyBuildToml({ unmet: unmet.map((name) => ({ name })), bom: [] });
}

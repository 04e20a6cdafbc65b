// launch.toml (CNB-18, CNB-19, CNB-20) and build.toml (CNB-11).
import { type ApiVersion } from "./api-version.js";
import { readBom, type BomEntry, bomToToml } from "./bom.js";
import { buildpackFeatures } from "./features.js";
import { describe, type Fields, readToml, strip, type Table, writeToml } from "./fields.js";
import { parseExecEnvName, parseProcessType, type ProcessType } from "./ids.js";
import { CnbError } from "./errors.js";

/** A process a buildpack contributes. */
export interface LaunchProcess {
  type: ProcessType;
  /** Always a list here: before Buildpack API 0.9 the file holds one string, read as `[string]`. */
  command: string[];
  args: string[];
  /** From API 0.9 always true; before, `direct` from the file (default false: run through bash, CNB-58). */
  direct: boolean;
  /** At most one per buildpack (CNB-18). */
  default: boolean;
  /** API ≥0.8; ignored (with a warning) before. Default: the app dir. */
  workingDir?: string;
  /** API 0.12 (CNB-26): the execution environments the process is for; undefined = all. */
  execEnv?: string[];
}

/** An image label a buildpack sets; the last buildpack to set a key wins (CNB-18). */
export interface ImageLabel {
  key: string;
  value: string;
}

/** App-dir globs (Go filepath.Match syntax) exported as one layer (CNB-20). */
export interface Slice {
  paths: string[];
}

/**
 * `<layers>/<escaped-id>/launch.toml`. Written by the buildpack's bin/build; read by the builder,
 * which merges processes, slices and labels of the group into `<layers>/config/metadata.toml`.
 */
export interface LaunchFile {
  processes: LaunchProcess[];
  slices: Slice[];
  labels: ImageLabel[];
  /** Deprecated legacy BOM (CNB-23). */
  bom: BomEntry[];
}

function readCommand(p: Fields, arrayForm: boolean, api: ApiVersion): string[] {
  const raw = p.raw("command");
  if (raw === undefined) p.fail("command", "is required", "CNB_MISSING_FIELD");
  if (arrayForm) {
    if (!Array.isArray(raw)) p.fail("command", `must be an array for Buildpack API ${api} (a string only before 0.9), got ${describe(raw)}`);
    const cmd = p.strs("command");
    if (cmd.length === 0 || cmd[0] === "") p.fail("command", "must name an executable in its first element");
    return cmd;
  }
  if (typeof raw !== "string") p.fail("command", `must be a string for Buildpack API ${api} (an array from 0.9), got ${describe(raw)}`);
  if (raw === "") p.fail("command", "is empty");
  return [raw];
}

function readProcess(p: Fields, api: ApiVersion): LaunchProcess {
  const features = buildpackFeatures(api);
  if (!features.directKeyAllowed && p.has("direct")) {
    p.fail("direct", `is not supported for Buildpack API ${api} (processes are always direct from 0.9)`);
  }
  return strip({
    type: p.parsed("type", parseProcessType),
    command: readCommand(p, features.processCommandIsArray, api),
    args: p.strs("args"),
    direct: features.directKeyAllowed ? p.bool("direct") : true,
    default: p.bool("default"),
    workingDir: p.optStr("working-dir"),
    execEnv: p.optStrs("exec-env")?.map((s, i) => parseExecEnvName(s, p.where(`exec-env[${i}]`))),
  });
}

/** Whether a relative glob climbs out of the app dir with `..`. Absolute paths are checked by the exporter. */
export function sliceEscapesApp(path: string): boolean {
  if (path.startsWith("/")) return false;
  let depth = 0;
  for (const seg of path.split("/")) {
    if (seg === "..") depth--;
    else if (seg !== "." && seg !== "") depth++;
    if (depth < 0) return true;
  }
  return false;
}

function unique<T>(f: Fields, key: string, items: readonly T[], keyOf: (t: T) => string, what: string): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = keyOf(item);
    if (seen.has(k)) f.fail(`${key}[${i}]`, `${what} ${JSON.stringify(k)} is defined twice`, "CNB_DUPLICATE");
    seen.add(k);
  });
}

/** Parses launch.toml as written by a buildpack implementing Buildpack API `api`. */
export function parseLaunchToml(text: string, where: string, api: ApiVersion): LaunchFile {
  const f = readToml(text, where);
  const processes = f.tables("processes").map((p) => readProcess(p, api));
  unique(f, "processes", processes, (p) => p.type, "process type");
  const defaults = processes.filter((p) => p.default);
  if (defaults.length > 1) f.fail("processes", `marks ${defaults.map((p) => p.type).join(" and ")} as default; at most one may be`, "CNB_CONFLICT");
  const slices = f.tables("slices").map((s) => {
    const paths = s.strs("paths");
    paths.forEach((p, i) => {
      if (sliceEscapesApp(p)) s.fail(`paths[${i}]`, `${JSON.stringify(p)} leaves the app directory`);
    });
    return { paths };
  });
  const labels = f.tables("labels").map((l) => ({ key: l.str("key"), value: l.optStr("value") ?? "" }));
  unique(f, "labels", labels, (l) => l.key, "label");
  return { processes, slices, labels, bom: readBom(f) };
}

function processToToml(p: LaunchProcess, api: ApiVersion): Table {
  const features = buildpackFeatures(api);
  if (!features.processCommandIsArray && p.command.length !== 1) {
    throw new CnbError("CNB_INVALID_FIELD", `launch.toml: process ${p.type}: command must be one string for Buildpack API ${api}`);
  }
  return {
    type: p.type,
    command: features.processCommandIsArray ? p.command : p.command[0],
    args: p.args,
    direct: features.directKeyAllowed ? p.direct : undefined,
    default: p.default ? true : undefined,
    "working-dir": p.workingDir,
    "exec-env": p.execEnv,
  };
}

export function stringifyLaunchToml(l: LaunchFile, api: ApiVersion): string {
  return writeToml({
    processes: l.processes.length === 0 ? undefined : l.processes.map((p) => processToToml(p, api)),
    slices: l.slices.length === 0 ? undefined : l.slices.map((s) => ({ paths: s.paths })),
    labels: l.labels.length === 0 ? undefined : l.labels.map((x) => ({ key: x.key, value: x.value })),
    bom: bomToToml(l.bom),
  });
}

/**
 * `<layers>/<escaped-id>/build.toml`. Written by the buildpack's bin/build; read by the builder,
 * which passes each `[[unmet]]` name on to the next provider (CNB-11).
 */
export interface BuildFile {
  unmet: { name: string }[];
  /** Deprecated legacy BOM (CNB-23). */
  bom: BomEntry[];
}

export function parseBuildToml(text: string, where = "build.toml"): BuildFile {
  const f = readToml(text, where);
  return { unmet: f.tables("unmet").map((u) => ({ name: u.str("name") })), bom: readBom(f) };
}

export function stringifyBuildToml(b: BuildFile): string {
  return writeToml({
    unmet: b.unmet.length === 0 ? undefined : b.unmet.map((u) => ({ name: u.name })),
    bom: bomToToml(b.bom),
  });
}

// Identifiers that become file names or image metadata: parsed once, branded, never raw strings.
import { CnbError } from "./errors.js";

/** A buildpack (or extension) id (CNB-2): letters, digits, `.`, `/`, `-`. */
export type BuildpackId = string & { readonly __brand: "BuildpackId" };
/** A layer name: `<layers>/<escaped-id>/<name>/` and `<name>.toml` (CNB-12). */
export type LayerName = string & { readonly __brand: "LayerName" };
/** A process type (CNB-18): letters, digits, `.`, `_`, `-`; becomes `/cnb/process/<type>`. */
export type ProcessType = string & { readonly __brand: "ProcessType" };
/** A buildpack version; becomes the directory `<buildpacks>/<id>/<version>/`. */
export type BuildpackVersion = string & { readonly __brand: "BuildpackVersion" };

/** Ids the spec reserves because they name directories under `<layers>` (CNB-2). */
export const RESERVED_BUILDPACK_IDS = ["app", "config", "generated", "sbom"] as const;

/** Layer names the spec reserves because `<name>.toml` is another file (CNB-12). */
export const RESERVED_LAYER_NAMES = ["build", "launch", "store"] as const;

const ID_RE = /^[A-Za-z0-9./-]+$/;
const PROCESS_TYPE_RE = /^[A-Za-z0-9._-]+$/;
const SEMVER_RE = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

function bad(code: CnbError["code"], where: string, value: string, problem: string, hint?: string): never {
  throw new CnbError(code, `${where}: ${JSON.stringify(value)} ${problem}`, hint === undefined ? {} : { hint });
}

function firstBadChar(s: string, re: RegExp): string {
  for (const ch of s) if (!re.test(ch)) return JSON.stringify(ch);
  return "";
}

export function parseBuildpackId(s: string, where = "buildpack id"): BuildpackId {
  if (s === "") bad("CNB_INVALID_ID", where, s, "is empty");
  if (!ID_RE.test(s)) {
    bad("CNB_INVALID_ID", where, s, `contains ${firstBadChar(s, ID_RE)}; an id may only contain letters, digits, ".", "/" and "-"`);
  }
  if ((RESERVED_BUILDPACK_IDS as readonly string[]).includes(s.toLowerCase())) {
    bad("CNB_INVALID_ID", where, s, `is reserved (${RESERVED_BUILDPACK_IDS.join(", ")} name directories under <layers>)`);
  }
  if (s === "." || s === "..") bad("CNB_INVALID_ID", where, s, "is not a usable directory name");
  return s as BuildpackId;
}

/** The id as a directory name: `/` becomes `_` (CNB-3), e.g. `samples_hello-world`. */
export function escapeId(id: string): string {
  return id.replaceAll("/", "_");
}

/** The first two ids that are equal ignoring case (CNB-2 uniqueness), or undefined. */
export function findCaseInsensitiveDuplicate(ids: readonly string[]): [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const id of ids) {
    const prev = seen.get(id.toLowerCase());
    if (prev !== undefined) return [prev, id];
    seen.set(id.toLowerCase(), id);
  }
  return undefined;
}

// Suffixes of files that live next to layer directories: `<layer>.toml`, `<layer>.sha` (cache),
// `<layer>.ignore` (CNB-14) and `<layer>.sbom.<ext>` (CNB-22).
const CLASHING_SUFFIX = /\.(toml|sha|ignore)$|\.sbom\.(cdx|spdx|syft)\.json$/;

export function parseLayerName(s: string, where = "layer name"): LayerName {
  if (s === "" || s === "." || s === "..") bad("CNB_INVALID_LAYER_NAME", where, s, "is not a usable directory name");
  if (/[/\\\0]/.test(s)) bad("CNB_INVALID_LAYER_NAME", where, s, "must not contain a path separator");
  if ((RESERVED_LAYER_NAMES as readonly string[]).includes(s)) {
    bad("CNB_INVALID_LAYER_NAME", where, s, `is reserved: ${s}.toml is the buildpack's own ${s}.toml`);
  }
  const clash = CLASHING_SUFFIX.exec(s);
  if (clash) bad("CNB_INVALID_LAYER_NAME", where, s, `ends in ${JSON.stringify(clash[0])} and would clash with the lifecycle's files next to layers`);
  return s as LayerName;
}

export function parseProcessType(s: string, where = "process type"): ProcessType {
  if (s === "") bad("CNB_INVALID_PROCESS_TYPE", where, s, "is empty");
  if (!PROCESS_TYPE_RE.test(s)) {
    bad("CNB_INVALID_PROCESS_TYPE", where, s, `contains ${firstBadChar(s, PROCESS_TYPE_RE)}; a process type may only contain letters, digits, ".", "_" and "-"`);
  }
  if (s === "." || s === "..") bad("CNB_INVALID_PROCESS_TYPE", where, s, "is not a usable file name");
  return s as ProcessType;
}

/**
 * A buildpack version. The spec asks for `X.Y.Z` (see `isStrictVersion`), but real registries hold
 * others (`1.0.0-rc.1`, `2024.01.02`), so this only refuses what cannot be a directory name.
 */
export function parseBuildpackVersion(s: string, where = "version"): BuildpackVersion {
  if (s === "") bad("CNB_INVALID_VERSION", where, s, "is empty");
  // eslint-disable-next-line no-control-regex
  if (/[\s/\\\u0000-\u001f]/.test(s) || s === "." || s === "..") {
    bad("CNB_INVALID_VERSION", where, s, "is not a usable version (no whitespace or path separators)", 'use the form "X.Y.Z"');
  }
  return s as BuildpackVersion;
}

/** Whether `v` is the spec's `X.Y.Z` with no leading zeros (CNB-2). */
export function isStrictVersion(v: string): boolean {
  return SEMVER_RE.test(v);
}

/** An execution environment name (CNB-26): non-empty, no `/`; `*` means every environment. */
export function parseExecEnvName(s: string, where = "exec-env"): string {
  if (s === "" || s.includes("/")) bad("CNB_INVALID_FIELD", where, s, "is not an execution environment name");
  return s;
}

/** Whether something restricted to `execEnv` (undefined or empty = all) is eligible in `env` (CNB-26). */
export function execEnvMatches(execEnv: readonly string[] | undefined, env: string): boolean {
  return execEnv === undefined || execEnv.length === 0 || execEnv.includes("*") || execEnv.includes(env);
}

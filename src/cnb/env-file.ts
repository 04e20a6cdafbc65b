// Env-file names: `<layer>/env*/NAME[.suffix]` and `<build-config>/env/NAME[.suffix]` (CNB-16, CNB-9).
import { type ApiVersion } from "./api-version.js";
import { CnbError } from "./errors.js";
import { buildpackFeatures } from "./features.js";

/** What an env file does to its variable (CNB-16). */
export type EnvAction = "override" | "default" | "append" | "prepend";

/**
 * What an env file is:
 * - `set`: apply `action` to `name` with the file's contents, verbatim (no trimming);
 * - `delim`: the delimiter for append/prepend of `name` in the same directory (none: empty);
 * - `ignored`: an unknown suffix, which the spec says to ignore.
 */
export type EnvFile =
  | { kind: "set"; name: string; action: EnvAction }
  | { kind: "delim"; name: string }
  | { kind: "ignored"; name: string; suffix: string };

const ACTIONS: readonly string[] = ["override", "default", "append", "prepend"] satisfies EnvAction[];

/**
 * The meaning of an env file name. The variable name is everything before the first `.`; the rest
 * is the suffix. `defaultAction` applies without a suffix (see `defaultEnvAction`).
 * Ref quirk not copied: the lifecycle treats a bare trailing `.` as "prepend with the path separator".
 */
export function parseEnvFileName(fileName: string, defaultAction: EnvAction): EnvFile {
  const dot = fileName.indexOf(".");
  if (dot < 0) return { kind: "set", name: fileName, action: defaultAction };
  const name = fileName.slice(0, dot);
  const suffix = fileName.slice(dot + 1);
  if (name === "") return { kind: "ignored", name, suffix };
  if (suffix === "delim") return { kind: "delim", name };
  if (ACTIONS.includes(suffix)) return { kind: "set", name, action: suffix as EnvAction };
  return { kind: "ignored", name, suffix };
}

/**
 * The action of an env file without a suffix:
 * - in a buildpack's layer (`env/`, `env.build/`, `env.launch/`...): override, for every supported
 *   Buildpack API (the `unsuffixedEnvFileOverrides` row);
 * - in the operator's `<build-config>/env/`: default (CNB-9).
 * `<platform>/env/` (user env) has no suffixes at all: its file names are variable names (CNB-60).
 */
export function defaultEnvAction(source: "layer" | "build-config", buildpackApi?: ApiVersion): EnvAction {
  if (source === "build-config") return "default";
  if (buildpackApi !== undefined && !buildpackFeatures(buildpackApi).unsuffixedEnvFileOverrides) {
    throw new CnbError("CNB_UNSUPPORTED_BUILDPACK_API", `Buildpack API ${buildpackApi}: env files without a suffix prepend to a path, which is not supported`);
  }
  return "override";
}

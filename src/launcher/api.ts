import { LauncherError } from "./errors.js";

/** A CNB API version, `<major>.<minor>`. */
export interface ApiVersion {
  readonly major: number;
  readonly minor: number;
}

/** The versions whose launch behaviour this module knows (the reference lifecycle's range). */
export const SUPPORTED_PLATFORM_APIS = ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14", "0.15"] as const;
export const SUPPORTED_BUILDPACK_APIS = ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12"] as const;

export function parseApiVersion(s: string, what: string): ApiVersion {
  const m = /^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$/.exec(s);
  if (!m) throw new LauncherError("LAUNCHER_API", `${what}: "${s}" is not an API version (<major>.<minor>)`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/** Parses and checks that the version is one of `supported`. */
export function supportedApi(s: string, supported: readonly string[], what: string): ApiVersion {
  const v = parseApiVersion(s, what);
  if (!supported.some((x) => compareApi(parseApiVersion(x, what), v) === 0)) {
    throw new LauncherError("LAUNCHER_API", `${what}: API ${s} is not supported`, {
      hint: `supported: ${supported.join(", ")}`,
    });
  }
  return v;
}

export function compareApi(a: ApiVersion, b: ApiVersion): number {
  return a.major - b.major || a.minor - b.minor;
}

export function atLeast(v: ApiVersion, s: `${number}.${number}`): boolean {
  return compareApi(v, parseApiVersion(s, "api")) >= 0;
}

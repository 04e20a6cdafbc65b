// Buildpack API and Platform API versions (CNB-1, CNB-29; docs/cnb-conformance.md §0).
import { CnbError } from "./errors.js";

/**
 * An API version in canonical `<major>.<minor>` form: `"0.7"`, `"0.12"`, `"1.0"`.
 * Created only by `parseApiVersion`; a bare `"1"` becomes `"1.0"` (CNB-1).
 */
export type ApiVersion = string & { readonly __brand: "ApiVersion" };

const API_RE = /^(0|[1-9]\d{0,5})(?:\.(0|[1-9]\d{0,5}))?$/;

/** Parses `"<major>.<minor>"` or `"<major>"`. `where` names the file and field for the error. */
export function parseApiVersion(s: string, where = "API version"): ApiVersion {
  const m = API_RE.exec(s);
  if (!m) {
    throw new CnbError("CNB_INVALID_API", `${where}: ${JSON.stringify(s)} is not an API version`, {
      hint: 'write it as a quoted "<major>.<minor>" string, e.g. api = "0.10"',
    });
  }
  return `${m[1]}.${m[2] ?? "0"}` as ApiVersion;
}

function parts(v: string): [number, number] {
  const [a, b] = v.split(".");
  return [Number(a), Number(b ?? 0)];
}

/** -1, 0 or 1 as `a` is older than, equal to, or newer than `b`. */
export function compareApi(a: ApiVersion | string, b: ApiVersion | string): -1 | 0 | 1 {
  const [am, an] = parts(a);
  const [bm, bn] = parts(b);
  if (am !== bm) return am < bm ? -1 : 1;
  if (an !== bn) return an < bn ? -1 : 1;
  return 0;
}

export function apiAtLeast(v: ApiVersion, min: string): boolean {
  return compareApi(v, min) >= 0;
}

export function apiLessThan(v: ApiVersion, bound: string): boolean {
  return compareApi(v, bound) < 0;
}

const list = (...vs: string[]): readonly ApiVersion[] => Object.freeze(vs.map((v) => parseApiVersion(v)));

/** Buildpack API versions this implementation speaks (the reference lifecycle's range, §0). */
export const BUILDPACK_APIS = list("0.7", "0.8", "0.9", "0.10", "0.11", "0.12");

/** Platform API versions this implementation speaks (the reference lifecycle's range, §0). */
export const PLATFORM_APIS = list("0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14", "0.15");

/**
 * Whether `v` is served by one of `supported`. As in the reference lifecycle, a 0.x version must be
 * listed exactly; from 1.0 on a listed `M.n` also serves every `M.m` with m ≤ n.
 */
export function apiSupported(v: ApiVersion, supported: readonly ApiVersion[]): boolean {
  const [vm, vn] = parts(v);
  return supported.some((s) => {
    const [sm, sn] = parts(s);
    return sm === 0 ? s === v : sm === vm && sn >= vn;
  });
}

function range(vs: readonly ApiVersion[]): string {
  return `${vs[0] ?? "?"}–${vs[vs.length - 1] ?? "?"}`;
}

/**
 * The buildpack's API version when it is supported; otherwise CNB_UNSUPPORTED_BUILDPACK_API
 * (the lifecycle exits 12, CNB-1, CNB-28).
 */
export function requireBuildpackApi(v: ApiVersion, where: string): ApiVersion {
  if (apiSupported(v, BUILDPACK_APIS)) return v;
  throw new CnbError("CNB_UNSUPPORTED_BUILDPACK_API", `${where}: Buildpack API ${v} is not supported (supported: ${range(BUILDPACK_APIS)})`, {
    hint: "use a release of the buildpack that targets a supported Buildpack API",
  });
}

/** The Platform API version when supported; otherwise CNB_UNSUPPORTED_PLATFORM_API (exit 11, CNB-29). */
export function requirePlatformApi(v: ApiVersion, where: string): ApiVersion {
  if (apiSupported(v, PLATFORM_APIS)) return v;
  throw new CnbError("CNB_UNSUPPORTED_PLATFORM_API", `${where}: Platform API ${v} is not supported (supported: ${range(PLATFORM_APIS)})`);
}

/** The highest version both sides support (how pack picks the Platform API of a builder's lifecycle). */
export function highestCommonApi(ours: readonly ApiVersion[], theirs: readonly ApiVersion[]): ApiVersion | undefined {
  const common = ours.filter((v) => apiSupported(v, theirs));
  return common.sort(compareApi).at(-1);
}

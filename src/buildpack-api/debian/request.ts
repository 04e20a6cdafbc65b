// What a buildpack asks for, normalised: package names with an optional version spec and suite,
// the suites to load (with apt-like priorities), and the identities that key caches.
import { createHash } from "node:crypto";
import semver from "semver";
import { debian } from "../../deps/index.js";
import { BuildpackError } from "../errors.js";

/** One package to install: a Debian package name, optionally a version spec and a suite. */
export interface PackageRequest {
  name: string;
  /**
   * An exact Debian version (`1.26.3-3+deb13u12`), or a range over the upstream version as
   * Paketo's BP_*_VERSION settings write them (`1.26`, `1.26.*`, `~1.26`, `>=3.11 <3.13`).
   * The highest matching version wins (suite priority first). Default: whatever apt would take,
   * or what the run image already has.
   */
  version?: string;
  /** Take it from this suite; a release name (`bookworm`) includes its `-updates` and `-security`. */
  suite?: string;
  /** Where the request came from, for messages (`BP_NGINX_VERSION`). */
  source?: string;
}

/** Priority of the target release's own suites and of extra suites (apt's default and backports'). */
export const DEFAULT_PRIORITY = 500;
export const EXTRA_PRIORITY = 100;

/** `nginx`, `nginx=1.26`, `python3.11/bookworm` or a PackageRequest, as one PackageRequest. */
export function parseRequest(r: string | PackageRequest): PackageRequest {
  if (typeof r !== "string") {
    debian.parseWanted(r.name); // the name alone must be a package name
    return r;
  }
  const w = debian.parseWanted(r);
  return { name: w.name, ...(w.version ? { version: w.version } : {}), ...(w.suite ? { suite: w.suite } : {}) };
}

/** The suites a release name stands for: `bookworm` → bookworm, bookworm-updates, bookworm-security. */
export function expandSuite(suite: string): string[] {
  return /^[a-z]+$/.test(suite) ? debian.suitesOf(suite) : [suite];
}

/** Is `suite` one of the suites `named` stands for? */
export function inSuite(suite: string, named: string): boolean {
  return expandSuite(named).includes(suite);
}

/** The suites to load: the release's own first, then the extra ones and those requests name. */
export function suitesToLoad(codename: string, extra: readonly string[], requests: readonly PackageRequest[]): { suites: string[]; priority: (suite: string) => number } {
  const own = debian.suitesOf(codename);
  const more = [...extra, ...requests.flatMap((r) => (r.suite ? [r.suite] : []))].flatMap(expandSuite).filter((s) => !own.includes(s));
  const suites = [...own, ...new Set(more)];
  return { suites, priority: (s) => (own.includes(s) ? DEFAULT_PRIORITY : EXTRA_PRIORITY) };
}

/** `1.26.3-3+deb13u12` → `1.26.3`; `1:2.75-10` → `2.75`. */
export function upstreamVersion(version: string): string {
  return version.replace(/^\d+:/, "").replace(/-[^-]*$/, "");
}

/** Does the Debian `version` satisfy the spec (see PackageRequest.version)? */
export function matchesSpec(version: string, spec: string): boolean {
  const s = spec.trim();
  if (s === "" || s === "*") return true;
  if (/[-:+~]/.test(s) && !/^[<>=~^]/.test(s)) return version === s;
  const up = semver.coerce(upstreamVersion(version), { loose: true });
  if (up === null) return false;
  const range = semver.validRange(s, { loose: true });
  return range !== null && semver.satisfies(up, range, { loose: true });
}

/**
 * The exact version a request names, from the index: the best suite priority, then the highest
 * version, among those matching its spec and suite. An error lists what the index has.
 */
export function pickVersion(index: debian.PackageIndex, r: PackageRequest, priority: (suite: string) => number): debian.BinaryPackage {
  const all = index.versions(r.name);
  const ok = all.filter((p) => (!r.suite || inSuite(p.suite, r.suite)) && (r.version === undefined || matchesSpec(p.version, r.version)));
  const best = [...ok].sort((a, b) => priority(b.suite) - priority(a.suite))[0];
  if (best) return best;
  const asked = [r.version !== undefined ? `version ${JSON.stringify(r.version)}` : "", r.suite ? `from ${r.suite}` : ""].filter(Boolean).join(" ");
  const where = r.source ? ` (${r.source})` : "";
  if (all.length === 0) {
    throw new BuildpackError("BUILDPACK_DEBIAN", `Debian package ${r.name} is not in ${index.describe()}${where}`, { hint: "check the package name, or add the suite that has it" });
  }
  throw new BuildpackError("BUILDPACK_DEBIAN", `no ${r.name} ${asked} in ${index.describe()}${where}`, {
    hint: `available: ${all.map((p) => `${p.version} (${p.suite})`).join(", ")}`,
  });
}

/** SHA-256 (hex) of a JSON value with sorted keys: the identity of a request or a result. */
export function digestOf(value: unknown): string {
  return createHash("sha256").update(stable(value)).digest("hex");
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

// Picking one version of a packument: a dist-tag, an exact version, or a semver range (the npm
// CLI's own `semver` package). Deprecated versions are skipped unless asked for exactly.
import semver from "semver";
import { NpmError } from "./errors.js";
import type { Packument, PackumentVersion } from "./packument.js";

export interface ResolveVersionOptions {
  /** Let ranges match prereleases (as `semver`'s includePrerelease). Default false. */
  includePrerelease?: boolean;
  /** Let ranges match deprecated versions too. Default false. */
  allowDeprecated?: boolean;
}

export interface ResolvedVersion {
  name: string;
  version: string;
  manifest: PackumentVersion;
  /** How the spec matched: "tag", "exact" or "range". */
  via: "tag" | "exact" | "range";
}

export function isDeprecated(v: PackumentVersion): boolean {
  return v.deprecated !== undefined && v.deprecated !== false && v.deprecated !== "";
}

/**
 * The version of `p` that `spec` names: a dist-tag (`latest`, ...), an exact version (even if
 * deprecated), or a semver range, which takes the highest satisfying version that is not
 * deprecated (dist-tags do not change that choice: the result depends on the versions alone).
 * `lts` and `node`-style aliases are the caller's business.
 */
export function resolveVersion(p: Packument, spec: string, opts: ResolveVersionOptions = {}): ResolvedVersion {
  const want = spec.trim() === "" ? "*" : spec.trim();
  const tagged = p["dist-tags"][want];
  if (tagged !== undefined) {
    const m = p.versions[tagged];
    if (!m) throw new NpmError("NPM_METADATA", `${p.name}: dist-tag ${want} points at ${tagged}, which is not published`);
    return { name: p.name, version: tagged, manifest: m, via: "tag" };
  }
  const exact = semver.valid(want, { loose: true });
  if (exact) {
    const m = p.versions[exact];
    if (!m) {
      throw new NpmError("NPM_NOT_FOUND", `${p.name}@${exact} is not published`, { hint: nearby(p, exact) });
    }
    return { name: p.name, version: exact, manifest: m, via: "exact" };
  }
  const range = semver.validRange(want, { loose: true });
  if (range === null) {
    throw new NpmError("NPM_RANGE", `${JSON.stringify(spec)} is neither a dist-tag of ${p.name} nor a semver version or range`, {
      hint: `dist-tags: ${Object.keys(p["dist-tags"]).sort().join(", ") || "none"}`,
    });
  }
  const sv = { loose: true, includePrerelease: opts.includePrerelease ?? false };
  const all = Object.keys(p.versions).filter((v) => semver.valid(v, { loose: true }) && semver.satisfies(v, range, sv));
  const usable = opts.allowDeprecated ? all : all.filter((v) => !isDeprecated(p.versions[v]!));
  const best = semver.maxSatisfying(usable, range, sv);
  if (best === null) {
    const deprecated = all.length ? `; ${all.length} deprecated version(s) satisfy it (${semver.rsort(all.slice(), { loose: true }).slice(0, 3).join(", ")}...), ask for one exactly to use it` : "";
    throw new NpmError("NPM_NO_VERSION", `no version of ${p.name} satisfies ${JSON.stringify(spec)}${deprecated}`, {
      hint: nearby(p),
    });
  }
  return { name: p.name, version: best, manifest: p.versions[best]!, via: "range" };
}

/** "available: ..." with the newest few versions (and those near `v`). */
function nearby(p: Packument, v?: string): string {
  const all = semver.rsort(Object.keys(p.versions).filter((x) => semver.valid(x, { loose: true })), { loose: true });
  const near = v ? all.filter((x) => semver.major(x, true) === semver.major(v, true)).slice(0, 5) : [];
  const shown = [...new Set([...near, ...all.slice(0, 5)])];
  return all.length ? `available: ${shown.join(", ")}${all.length > shown.length ? ", ..." : ""}` : `${p.name} has no published versions`;
}

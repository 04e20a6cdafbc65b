// Go toolchains as modules: every Go release is published on the module proxy as
// `golang.org/toolchain@v0.0.1-go<version>.<os>-<arch>` (what the go command itself downloads for
// GOTOOLCHAIN), a zip of the whole Go distribution under that prefix. The proxy's version list
// has gaps (recent patch releases can be missing from `@v/list` while `.info` answers), so the
// newest release is found by asking for exact versions past what the list shows.
import semver from "semver";
import { GoProxyError } from "./errors.js";
import type { GoModuleSource, VersionInfo } from "./source.js";

export const TOOLCHAIN_MODULE = "golang.org/toolchain";

/** A Go release version: `1.26.11`, `1.22rc1`, `1.21beta1`. */
export interface GoVersion {
  major: number;
  minor: number;
  patch: number;
  /** `rc1`, `beta2`; "" for a release. */
  pre: string;
  /** As Go writes it: `1.26.11`, `1.22rc1`. */
  text: string;
}

/** Parses `1.26.11`, `go1.26.11`, `1.22rc1`; `1.21` (a language version) is `1.21.0` here. */
export function parseGoVersion(v: string): GoVersion | undefined {
  const m = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+))?((?:rc|beta)\d+)?$/.exec(v.trim());
  if (!m) return undefined;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const patch = Number(m[3] ?? 0);
  const pre = m[4] ?? "";
  return { major, minor, patch, pre, text: pre ? `${major}.${minor}${pre}` : `${major}.${minor}.${patch}` };
}

/** The semver form used for ranges: `1.22rc1` → `1.22.0-rc.1`. */
export function toSemver(v: GoVersion): string {
  const pre = /^(rc|beta)(\d+)$/.exec(v.pre);
  return `${v.major}.${v.minor}.${v.patch}${pre ? `-${pre[1]}.${pre[2]}` : ""}`;
}

export function compareGoVersions(a: GoVersion, b: GoVersion): number {
  return semver.compare(toSemver(a), toSemver(b));
}

/** `v0.0.1-go1.26.11.linux-amd64` */
export function toolchainModuleVersion(v: GoVersion | string, os: string, arch: string): string {
  return `v0.0.1-go${typeof v === "string" ? v : v.text}.${os}-${arch}`;
}

/** The Go version of a toolchain module version for `os`/`arch`, or undefined for another platform. */
export function parseToolchainModuleVersion(mv: string, os: string, arch: string): GoVersion | undefined {
  const m = /^v0\.0\.1-go(.+)\.([a-z0-9]+)-([a-z0-9]+)$/.exec(mv);
  if (!m || m[2] !== os || m[3] !== arch) return undefined;
  return parseGoVersion(m[1]!);
}

export interface ResolvedToolchain {
  version: GoVersion;
  /** The module version (`v0.0.1-go1.26.11.linux-amd64`). */
  moduleVersion: string;
  info: VersionInfo;
  /** How it was found, for the log. */
  how: string;
}

export interface ToolchainQuery {
  os?: string;
  arch: string;
  /**
   * A Go version (`1.26.11`, `1.22rc1`: that exact release), a semver range over Go versions
   * (`1.25.*`, `1.25`, `~1.24`, `>= 1.15`), or undefined for the newest release. Ranges take
   * releases only, never a beta or rc.
   */
  spec: string | undefined;
  /** For messages: where the spec came from (`BP_GO_VERSION`, `go.mod`). */
  where: string;
  /** How many exact versions past the list may be asked for. Default 12. */
  maxProbes?: number;
}

/** Parses a spec into an exact version or a semver range; throws GOPROXY_VERSION naming `where`. */
export function parseToolchainSpec(spec: string, where: string): { exact: GoVersion } | { range: string } {
  const s = spec.trim().replace(/^go(?=\d)/, "");
  const exact = /^\d+\.\d+(\.\d+|(rc|beta)\d+)$/.test(s) ? parseGoVersion(s) : undefined;
  if (exact) return { exact };
  const range = semver.validRange(s.replace(/(^|[\s<>=~^])go(?=\d)/g, "$1"), { loose: true });
  if (range === null) {
    throw new GoProxyError("GOPROXY_VERSION", `${where}: ${JSON.stringify(spec)} is not a Go version or range`, {
      hint: "write a Go version (1.26.11) or a range (1.25.*, ~1.24, >= 1.22)",
    });
  }
  return { range };
}

/**
 * The Go release a spec asks for, on the module proxy. An exact version is asked for directly.
 * A range (or none: the newest) is matched against `@v/list`, then versions past the newest match
 * and past the newest listed release are asked for one by one (next patch, next minor), since the
 * list can miss recent releases.
 */
export async function resolveToolchain(source: GoModuleSource, q: ToolchainQuery): Promise<ResolvedToolchain> {
  const os = q.os ?? "linux";
  const parsed = q.spec === undefined || q.spec.trim() === "" ? { range: "*" } : parseToolchainSpec(q.spec, q.where);
  if ("exact" in parsed) {
    const mv = toolchainModuleVersion(parsed.exact, os, q.arch);
    const info = await source.info(TOOLCHAIN_MODULE, mv);
    if (info) return { version: parsed.exact, moduleVersion: mv, info, how: `exact version ${mv}` };
    throw await noMatch(source, q, os, `Go ${parsed.exact.text} is not on the module proxy for ${os}/${q.arch}`);
  }
  const range = parsed.range;
  const listed = new Map<string, GoVersion>();
  for (const mv of await source.list(TOOLCHAIN_MODULE)) {
    const v = parseToolchainModuleVersion(mv, os, q.arch);
    if (v && !v.pre) listed.set(v.text, v);
  }
  const sorted = [...listed.values()].sort(compareGoVersions);
  const fits = (v: GoVersion) => semver.satisfies(toSemver(v), range);
  let best = sorted.filter(fits).at(-1);
  const newest = sorted.at(-1);
  // Past the list: each chain asks the next patch, then the next minor's .0, until one is missing.
  let probes = q.maxProbes ?? 12;
  const found = new Map<string, VersionInfo>();
  const exists = async (v: GoVersion): Promise<boolean> => {
    if (listed.has(v.text)) return true;
    if (probes-- <= 0) return false;
    const info = await source.info(TOOLCHAIN_MODULE, toolchainModuleVersion(v, os, q.arch));
    if (info) found.set(v.text, info);
    return info !== undefined;
  };
  const climb = async (from: GoVersion, minors: boolean): Promise<GoVersion> => {
    let at = from;
    for (;;) {
      const patch = parseGoVersion(`${at.major}.${at.minor}.${at.patch + 1}`)!;
      if (await exists(patch)) {
        at = patch;
        continue;
      }
      const minor = parseGoVersion(`${at.major}.${at.minor + 1}.0`)!;
      if (minors && (await exists(minor))) {
        at = minor;
        continue;
      }
      return at;
    }
  };
  const tops = await Promise.all([best ? climb(best, false) : undefined, newest ? climb(newest, true) : undefined]);
  for (const t of tops) if (t && fits(t) && (!best || compareGoVersions(t, best) > 0)) best = t;
  if (!best) throw await noMatch(source, q, os, `no Go release on the module proxy satisfies ${JSON.stringify(q.spec ?? "")} (${q.where})`, sorted, tops);
  const mv = toolchainModuleVersion(best, os, q.arch);
  const info = found.get(best.text) ?? (await source.info(TOOLCHAIN_MODULE, mv));
  if (!info) throw new GoProxyError("GOPROXY_NOT_FOUND", `${TOOLCHAIN_MODULE}@${mv} is listed but the proxy has no .info for it`);
  return { version: best, moduleVersion: mv, info, how: found.has(best.text) ? `newest match, past the proxy's list (${mv})` : `newest match in the proxy's list (${mv})` };
}

async function noMatch(source: GoModuleSource, q: ToolchainQuery, os: string, message: string, known?: GoVersion[], tops?: (GoVersion | undefined)[]): Promise<GoProxyError> {
  let all = known;
  if (!all) {
    all = [];
    try {
      for (const mv of await source.list(TOOLCHAIN_MODULE)) {
        const v = parseToolchainModuleVersion(mv, os, q.arch);
        if (v && !v.pre) all.push(v);
      }
    } catch {
      // the message stands without the list
    }
  }
  const extra = (tops ?? []).filter((t): t is GoVersion => t !== undefined);
  const byMinor = new Map<string, GoVersion>();
  for (const v of [...all, ...extra]) {
    const k = `${v.major}.${v.minor}`;
    const cur = byMinor.get(k);
    if (!cur || compareGoVersions(v, cur) > 0) byMinor.set(k, v);
  }
  const lines = [...byMinor.values()].sort(compareGoVersions).slice(-8).map((v) => v.text);
  return new GoProxyError("GOPROXY_VERSION", message, {
    hint: lines.length ? `newest release of each recent Go line: ${lines.join(", ")}` : "the proxy lists no Go toolchains for this platform",
  });
}

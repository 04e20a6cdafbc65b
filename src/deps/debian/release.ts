// The Release file of a suite: what it is, how long it is valid, and the checksums of its indexes.
import { DepsError } from "../errors.js";
import { parseParagraph } from "./deb822.js";

export interface ReleaseFileEntry {
  sha256: string;
  size: number;
}

export interface Release {
  suite?: string;
  codename?: string;
  origin?: string;
  label?: string;
  version?: string;
  date?: Date;
  validUntil?: Date;
  architectures: string[];
  components: string[];
  /** `Acquire-By-Hash: yes`: indexes may be fetched by their hash, immune to mid-update races. */
  acquireByHash: boolean;
  /** Arch-all packages are listed in each binary-<arch>/Packages (so binary-all need not be read). */
  allInArchIndexes: boolean;
  /** Index path relative to dists/<suite>/ → SHA-256 and size (from the SHA256 section). */
  files: ReadonlyMap<string, ReleaseFileEntry>;
}

export function parseRelease(text: string, where: string): Release {
  const p = parseParagraph(text);
  const files = new Map<string, ReleaseFileEntry>();
  for (const line of (p.get("SHA256") ?? "").split("\n")) {
    const parts = line.trim().split(/\s+/);
    if (parts.length !== 3) continue;
    const [hex, size, path] = parts as [string, string, string];
    if (!/^[a-f0-9]{64}$/.test(hex) || !/^\d+$/.test(size)) {
      throw new DepsError("DEBIAN_RELEASE", `malformed SHA256 line ${JSON.stringify(line.trim())} in ${where}`);
    }
    files.set(path, { sha256: hex, size: Number(size) });
  }
  if (files.size === 0) {
    throw new DepsError("DEBIAN_RELEASE", `${where} has no SHA256 checksums`, {
      hint: "paketo only trusts SHA-256 indexes; is this a Debian archive Release file?",
    });
  }
  const list = (name: string) => (p.get(name) ?? "").split(/\s+/).filter(Boolean);
  const release: Release = {
    architectures: list("Architectures"),
    components: list("Components"),
    acquireByHash: (p.get("Acquire-By-Hash") ?? "").toLowerCase() === "yes",
    allInArchIndexes:
      !list("Architectures").includes("all") || list("No-Support-for-Architecture-all").includes("Packages"),
    files,
  };
  for (const [key, field] of [
    ["suite", "Suite"],
    ["codename", "Codename"],
    ["origin", "Origin"],
    ["label", "Label"],
    ["version", "Version"],
  ] as const) {
    const v = p.get(field);
    if (v) release[key] = v;
  }
  const date = parseDate(p.get("Date"), "Date", where);
  if (date) release.date = date;
  const validUntil = parseDate(p.get("Valid-Until"), "Valid-Until", where);
  if (validUntil) release.validUntil = validUntil;
  return release;
}

function parseDate(v: string | undefined, field: string, where: string): Date | undefined {
  if (!v) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) {
    throw new DepsError("DEBIAN_RELEASE", `unreadable ${field} ${JSON.stringify(v)} in ${where}`);
  }
  return d;
}

/** Refuses a Release whose Valid-Until has passed (a replayed, stale index), as apt does. */
export function checkFreshness(release: Release, now: Date, where: string): void {
  if (release.validUntil && release.validUntil.getTime() < now.getTime()) {
    throw new DepsError(
      "DEBIAN_RELEASE",
      `${where} expired on ${release.validUntil.toISOString()} (Valid-Until); refusing a stale index`,
      { hint: "the mirror is out of date or something replays old metadata; try another mirror" },
    );
  }
}

/** Checks that the suite we asked for is the suite the signed file describes (no suite swapping). */
export function checkSuite(release: Release, suite: string, where: string): void {
  if (release.codename !== suite && release.suite !== suite) {
    throw new DepsError(
      "DEBIAN_RELEASE",
      `${where} describes ${release.codename ?? release.suite ?? "an unnamed suite"}, not ${suite}`,
      { hint: "the mirror serves a different suite under this name; check the mirror" },
    );
  }
}

// Debian version strings, compared exactly as dpkg does (lib/dpkg/version.c: verrevcmp).
import { DepsError } from "../errors.js";

export interface DebianVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

const VALID = /^[A-Za-z0-9.+~:-]+$/;

/** Splits `[epoch:]upstream[-revision]`; throws DEBIAN_VERSION for what dpkg would refuse. */
export function parseVersion(s: string): DebianVersion {
  const v = s.trim();
  const colon = v.indexOf(":");
  let epoch = 0;
  let rest = v;
  if (colon >= 0) {
    const e = v.slice(0, colon);
    if (!/^\d+$/.test(e)) throw invalid(s, "the epoch is not a number");
    epoch = Number(e);
    rest = v.slice(colon + 1);
  }
  const dash = rest.lastIndexOf("-");
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : "";
  if (upstream === "") throw invalid(s, "the upstream version is empty");
  if (dash >= 0 && revision === "") throw invalid(s, "the revision is empty");
  if (!VALID.test(rest)) throw invalid(s, "it contains characters other than A-Za-z0-9.+~:-");
  return { epoch, upstream, revision };
}

function invalid(s: string, why: string): DepsError {
  return new DepsError("DEBIAN_VERSION", `invalid Debian version ${JSON.stringify(s)}: ${why}`, {
    hint: "a Debian version is [epoch:]upstream_version[-debian_revision], e.g. 1:2.3.4-1",
  });
}

export function isValidVersion(s: string): boolean {
  try {
    parseVersion(s);
    return true;
  } catch {
    return false;
  }
}

/** dpkg's ordering weight of one character: `~` sorts before everything, even the end. */
function order(c: number): number {
  if (c >= 48 && c <= 57) return 0; // digit
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) return c; // letter
  if (c === 126) return -1; // ~
  if (c) return c + 256;
  return 0;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Compares two upstream versions or two revisions. */
function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const at = (s: string, k: number): number => (k < s.length ? s.charCodeAt(k) : 0);
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(at(a, i))) || (j < b.length && !isDigit(at(b, j)))) {
      const ac = order(at(a, i));
      const bc = order(at(b, j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (at(a, i) === 48) i++;
    while (at(b, j) === 48) j++;
    while (isDigit(at(a, i)) && isDigit(at(b, j))) {
      if (!firstDiff) firstDiff = at(a, i) - at(b, j);
      i++;
      j++;
    }
    if (isDigit(at(a, i))) return 1;
    if (isDigit(at(b, j))) return -1;
    if (firstDiff) return firstDiff;
  }
  return 0;
}

const parsed = new Map<string, DebianVersion>();

function cachedParse(s: string): DebianVersion {
  let v = parsed.get(s);
  if (!v) {
    v = parseVersion(s);
    if (parsed.size > 100_000) parsed.clear();
    parsed.set(s, v);
  }
  return v;
}

/** Negative, zero or positive as `a` sorts before, equal to or after `b` (dpkg --compare-versions). */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const x = cachedParse(a);
  const y = cachedParse(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  const u = verrevcmp(x.upstream, y.upstream);
  if (u) return Math.sign(u);
  return Math.sign(verrevcmp(x.revision, y.revision));
}

/** A relation operator. `<` and `>` are dpkg's deprecated spellings of `<=` and `>=`. */
export type VersionOp = "<<" | "<=" | "=" | ">=" | ">>";

export function parseOp(s: string): VersionOp | undefined {
  switch (s) {
    case "<<":
    case "<=":
    case "=":
    case ">=":
    case ">>":
      return s;
    case "<":
      return "<=";
    case ">":
      return ">=";
    default:
      return undefined;
  }
}

/** Does `version` satisfy `op ref`? */
export function satisfiesVersion(version: string, op: VersionOp, ref: string): boolean {
  const c = compareVersions(version, ref);
  switch (op) {
    case "<<":
      return c < 0;
    case "<=":
      return c <= 0;
    case "=":
      return c === 0;
    case ">=":
      return c >= 0;
    case ">>":
      return c > 0;
  }
}

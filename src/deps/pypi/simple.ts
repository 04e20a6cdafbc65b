// The index's simple repository API (PEP 503, PEP 691 JSON form): project names, the project page
// (JSON when the index serves it, else the HTML page's anchors with their `#sha256=` fragments),
// file names and versions.
import { PypiError } from "./errors.js";

/** One distribution file a project page lists. */
export interface ProjectFile {
  filename: string;
  /** Absolute URL (fragment removed). */
  url: string;
  sha256: string;
  size?: number;
  requiresPython?: string;
  yanked: boolean;
  /** The version, from the file name (wheels and sdists). */
  version: string;
  kind: "wheel" | "sdist";
}

export interface ProjectPage {
  name: string;
  files: ProjectFile[];
}

export const ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1";

const NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** PEP 503 normalised name; PypiError unless `name` is a valid project name. */
export function normaliseName(name: string): string {
  if (!NAME.test(name)) {
    throw new PypiError("PYPI_NAME", `${JSON.stringify(name)} is not a valid Python project name`, {
      hint: "a name is ASCII letters, digits, '.', '_' and '-', starting and ending with a letter or digit",
    });
  }
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}

/** `pip-26.3-py3-none-any.whl` → name pip, version 26.3, tags; undefined when not a wheel name. */
export function parseWheelName(filename: string): { name: string; version: string; python: string[]; abi: string[]; platform: string[] } | undefined {
  const m = /^(.+?)-([^-]+)(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/.exec(filename);
  if (!m) return undefined;
  return { name: m[1]!, version: m[2]!, python: m[3]!.split("."), abi: m[4]!.split("."), platform: m[5]!.split(".") };
}

/** The version of an sdist file name (`flask-3.1.3.tar.gz`), given the normalised project name. */
export function sdistVersion(filename: string, name: string): string | undefined {
  const m = /^(.+)-([^-]+)\.(tar\.gz|zip)$/.exec(filename);
  if (!m || normaliseName(m[1]!) !== name) return undefined;
  return m[2];
}

function fileOf(name: string, filename: string, url: string, sha256: string | undefined, extra: Partial<ProjectFile>): ProjectFile | undefined {
  if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) return undefined; // files without a sha256 are never used
  const w = parseWheelName(filename);
  const version = w?.version ?? sdistVersion(filename, name);
  if (!version) return undefined;
  return { filename, url, sha256, yanked: false, version, kind: w ? "wheel" : "sdist", ...extra };
}

/** A project page as the index answered it (JSON or HTML), its relative URLs resolved against `pageUrl`. */
export function parseProjectPage(name: string, body: string, contentType: string, pageUrl: string): ProjectPage {
  const files: ProjectFile[] = [];
  if (/json/.test(contentType)) {
    let j: { files?: unknown };
    try {
      j = JSON.parse(body) as { files?: unknown };
    } catch (e) {
      throw new PypiError("PYPI_METADATA", `the project page of ${name} (${pageUrl}) is not JSON`, { cause: e });
    }
    if (!Array.isArray(j.files)) throw new PypiError("PYPI_METADATA", `the project page of ${name} (${pageUrl}) lists no files`);
    for (const f of j.files as Array<Record<string, unknown>>) {
      if (typeof f.filename !== "string" || typeof f.url !== "string") continue;
      const hashes = (f.hashes ?? {}) as Record<string, string>;
      const url = new URL(f.url, pageUrl);
      url.hash = "";
      const file = fileOf(name, f.filename, url.toString(), hashes.sha256, {
        ...(typeof f.size === "number" ? { size: f.size } : {}),
        ...(typeof f["requires-python"] === "string" ? { requiresPython: f["requires-python"] } : {}),
        yanked: f.yanked !== undefined && f.yanked !== false,
      });
      if (file) files.push(file);
    }
    return { name, files };
  }
  for (const m of body.matchAll(/<a\s([^>]*)>([^<]*)<\/a>/gi)) {
    const attrs = m[1]!;
    const href = /href\s*=\s*"([^"]*)"/i.exec(attrs)?.[1] ?? /href\s*=\s*'([^']*)'/i.exec(attrs)?.[1];
    if (!href) continue;
    const url = new URL(decodeEntities(href), pageUrl);
    const sha = /^#sha256=([0-9a-f]{64})$/.exec(url.hash)?.[1];
    url.hash = "";
    const filename = decodeURIComponent(url.pathname.split("/").pop() ?? "");
    const rp = /data-requires-python\s*=\s*"([^"]*)"/i.exec(attrs)?.[1];
    const file = fileOf(name, filename, url.toString(), sha, { ...(rp ? { requiresPython: decodeEntities(rp) } : {}), yanked: /data-yanked/i.test(attrs) });
    if (file) files.push(file);
  }
  return { name, files };
}

function decodeEntities(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

/** A final release (`26.3`, `1.0.post1` is not): the numbers of its release segment, else undefined. */
export function releaseOf(version: string): number[] | undefined {
  const m = /^(?:0*\d+!)?(\d+(?:\.\d+)*)$/.exec(version.trim());
  return m ? m[1]!.split(".").map(Number) : undefined;
}

export function compareReleases(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Does the release `version` match `spec`: empty or `*` (any), `26.3` (that release, `26.3.0`
 * too), `26.*` / `26.3.*` (prefix), `~=26.1`, or comparisons (`>=24, <27`, `==26.3`).
 */
export function matchesVersion(version: string, spec: string | undefined): boolean {
  const v = releaseOf(version);
  if (!v) return false;
  const s = (spec ?? "").trim();
  if (s === "" || s === "*") return true;
  return s.split(",").every((part) => {
    const p = part.trim();
    const m = /^(===|==|!=|~=|>=|<=|>|<)?\s*([0-9][0-9.]*)(\.\*)?$/.exec(p);
    if (!m) throw new PypiError("PYPI_NO_VERSION", `${JSON.stringify(spec)} is not a version spec`, { hint: "write a release (26.3), a prefix (26.*) or comparisons (>=24,<27)" });
    const op = m[1] ?? "==";
    const want = m[2]!.replace(/\.$/, "").split(".").map(Number);
    const cmp = compareReleases(v, want);
    if (op === "==" || op === "===") return m[3] ? want.every((n, i) => v[i] === n) : cmp === 0;
    if (op === "!=") return m[3] ? !want.every((n, i) => v[i] === n) : cmp !== 0;
    if (op === "~=") return cmp >= 0 && want.slice(0, -1).every((n, i) => v[i] === n);
    if (op === ">=") return cmp >= 0;
    if (op === "<=") return cmp <= 0;
    if (op === ">") return cmp > 0;
    return cmp < 0;
  });
}

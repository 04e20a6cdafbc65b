// What one bin/detect looked at in the app dir: a paketo extension, not part of the CNB spec.
// Written by the buildpack-api runtime (our buildpacks) next to the plan when the platform left
// an empty `paketo-detect-reads.json` there; read by paketo's platform to memoise that detect on
// the states of exactly these paths. A buildpack that writes nothing there is "untracked" and its
// detect is keyed on the whole app, as before. Under the reference lifecycle no such file exists,
// so nothing is written.
import { CnbError } from "./errors.js";

/** The file name, beside the plan file (`$2` of bin/detect). */
export const DETECT_READS_FILE = "paketo-detect-reads.json";

/**
 * How a path was looked at, and so which of its properties the detect could depend on:
 * - `exists`: whether something is there and its type (access, existsSync, stat().isFile()...)
 * - `stat`: its metadata too (size, mode, times: a Stats field was read)
 * - `list`: a folder's entry names and types (readdir, opendir)
 * - `read`: its bytes (readFile, open, createReadStream)
 * - `link`: a symlink's target (readlink), or where a path resolves (realpath)
 * Every kind follows symlinks as the call did, and a symlink on the way is part of the state.
 */
export type DetectReadKind = "exists" | "stat" | "list" | "read" | "link";

export const DETECT_READ_KINDS: readonly DetectReadKind[] = ["exists", "stat", "list", "read", "link"];

export interface DetectRead {
  /** Relative to the app dir, `/`-separated, normalised ("" is the app dir itself). */
  path: string;
  kind: DetectReadKind;
}

/** Either every app path the detect looked at, or why that could not be known. */
export type DetectReads = { tracked: true; reads: DetectRead[] } | { tracked: false; reason: string };

const FORMAT = 1;

/** Sorted, without duplicates: one line per path and kind. */
export function normaliseReads(reads: readonly DetectRead[]): DetectRead[] {
  const seen = new Map<string, DetectRead>();
  for (const r of reads) seen.set(`${r.kind}\0${r.path}`, { path: r.path, kind: r.kind });
  return [...seen.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}

export function stringifyDetectReads(r: DetectReads): string {
  return `${JSON.stringify(r.tracked ? { format: FORMAT, tracked: true, reads: normaliseReads(r.reads) } : { format: FORMAT, tracked: false, reason: r.reason })}\n`;
}

function invalid(where: string, what: string): CnbError {
  return new CnbError("CNB_INVALID_FIELD", `${where}: ${what}`);
}

/** A relative path that stays inside the app dir: no "..", no leading "/", no empty or "." parts. */
export function isAppRelative(p: string): boolean {
  if (p === "") return true;
  if (p.startsWith("/") || p.includes("\0")) return false;
  return p.split("/").every((c) => c !== "" && c !== "." && c !== "..");
}

/**
 * Parses what a buildpack wrote. Empty text (the platform's placeholder, untouched) is untracked;
 * anything malformed is an error the platform turns into "untracked" too.
 */
export function parseDetectReads(text: string, where: string): DetectReads {
  if (text.trim() === "") return { tracked: false, reason: "the buildpack did not record its reads" };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CnbError("CNB_INVALID_JSON", `${where}: ${(e as Error).message}`, { cause: e });
  }
  if (typeof v !== "object" || v === null) throw invalid(where, "not an object");
  const o = v as Record<string, unknown>;
  if (o.format !== FORMAT) throw new CnbError("CNB_UNSUPPORTED_SCHEMA", `${where}: format ${JSON.stringify(o.format)} (expected ${FORMAT})`);
  if (o.tracked === false) return { tracked: false, reason: typeof o.reason === "string" ? o.reason : "untracked" };
  if (o.tracked !== true || !Array.isArray(o.reads)) throw invalid(where, "tracked/reads missing");
  const reads = o.reads.map((r, i): DetectRead => {
    const e = r as Record<string, unknown>;
    if (typeof e?.path !== "string" || !isAppRelative(e.path)) throw invalid(where, `reads[${i}].path: ${JSON.stringify(e?.path)} is not a path inside the app`);
    if (!DETECT_READ_KINDS.includes(e.kind as DetectReadKind)) throw invalid(where, `reads[${i}].kind: ${JSON.stringify(e.kind)}`);
    return { path: e.path, kind: e.kind as DetectReadKind };
  });
  return { tracked: true, reads: normaliseReads(reads) };
}

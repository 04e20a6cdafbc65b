// The cache's size budget and the units `paketo cache prune` takes. Hand-written, strictly: the
// common parser (`bytes`) reads "5G" as 5 bytes, which as a budget would empty the cache.
import { DepsError } from "./errors.js";

/** The budget when PAKETO_CACHE_MAX is not set: a stack's .debs and layers, two build images' root filesystems, npm downloads and a few apps' layers and build caches. */
export const DEFAULT_CACHE_MAX = 5 * 1024 ** 3;

const SIZE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `5G`, `500M`, `1.5GiB`, `512KB`, `1048576`: K, M, G, T are powers of 1024; a trailing B or iB is allowed. */
export function parseSize(text: string, where: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text);
  const unit = SIZE_UNITS[(m?.[2] ?? "").toLowerCase()];
  if (!m || unit === undefined || (m[3] && !m[2] && m[3].toLowerCase() !== "b")) {
    throw new DepsError("CACHE_SETTING", `${where}: ${JSON.stringify(text)} is not a size`, { hint: "write a number with K, M, G or T (powers of 1024), e.g. 5G or 500M" });
  }
  return Math.floor(Number(m[1]) * unit);
}

/** `90s`, `30m`, `12h`, `7d`, `2w`. */
export function parseDuration(text: string, where: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  const unit = DURATION_UNITS[(m?.[2] ?? "").toLowerCase()];
  if (!m || unit === undefined) {
    throw new DepsError("CACHE_SETTING", `${where}: ${JSON.stringify(text)} is not a duration`, { hint: "write a number with s, m, h, d or w, e.g. 12h or 7d" });
  }
  return Math.floor(Number(m[1]) * unit);
}

/** The budget the trim after a build keeps the cache within: PAKETO_CACHE_MAX, `off` for none. */
export function cacheBudget(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const v = env["PAKETO_CACHE_MAX"];
  if (v === undefined || v === "") return DEFAULT_CACHE_MAX;
  if (/^(off|none|unlimited)$/i.test(v.trim())) return undefined;
  return parseSize(v, "PAKETO_CACHE_MAX");
}

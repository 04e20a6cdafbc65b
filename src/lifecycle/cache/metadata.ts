// The cache's metadata (CNB-40): which layer of which buildpack the cache holds, with its
// `<layer>.toml` data and flags, plus the cache SBOM layer. The reference's JSON shape
// (`io.buildpacks.lifecycle.cache.metadata`), with one addition under `paketo`: the settings the
// layers were written with, so that a restored layer can be recognised as unchanged (D8).
import { type LayerTypes, type Table } from "../../cnb/index.js";
import { type LayerSettings, LAYER_FORMAT } from "../layer-cache/index.js";
import { CacheError } from "./errors.js";

export const CACHE_METADATA_LABEL = "io.buildpacks.lifecycle.cache.metadata";

export interface CachedLayer extends LayerTypes {
  /** diffID of the layer in the cache. */
  sha: string;
  /** The layer's `[metadata]` table. */
  data: Table;
}

export interface CachedBuildpack {
  /** The buildpack id. */
  key: string;
  version: string;
  layers: Record<string, CachedLayer>;
}

export interface CacheMetadata {
  buildpacks: CachedBuildpack[];
  /** The cache SBOM layer (`<layers>/sbom/cache`), by diffID. */
  sbom?: { sha: string };
  /** How the layers were written (paketo only): the tar format and the layer settings. */
  writer?: { format: string } & LayerSettings;
}

export const emptyCacheMetadata = (): CacheMetadata => ({ buildpacks: [] });

/** The writer entry for layers built with `settings` by this version. */
export function writerOf(settings: LayerSettings): NonNullable<CacheMetadata["writer"]> {
  return { format: LAYER_FORMAT, ...settings };
}

export function stringifyCacheMetadata(m: CacheMetadata): string {
  return JSON.stringify({
    buildpacks: m.buildpacks.map((b) => ({
      key: b.key,
      version: b.version,
      layers: Object.fromEntries(
        Object.keys(b.layers)
          .sort()
          .map((n) => {
            const l = b.layers[n] as CachedLayer;
            return [n, { sha: l.sha, data: l.data, build: l.build, launch: l.launch, cache: l.cache }];
          }),
      ),
    })),
    sbom: m.sbom && { sha: m.sbom.sha },
    paketo: m.writer,
  });
}

/** Parses the metadata; a malformed value is CACHE_READ (callers treat the cache as empty). */
export function parseCacheMetadata(text: string, where = CACHE_METADATA_LABEL): CacheMetadata {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CacheError("CACHE_READ", `${where} is not JSON: ${(e as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new CacheError("CACHE_READ", `${where}: ${what}`);
  };
  if (!isObj(v)) bad("not an object");
  const o = v as Record<string, unknown>;
  const bps = o.buildpacks ?? [];
  if (!Array.isArray(bps)) bad("buildpacks is not a list");
  const buildpacks = (bps as unknown[]).map((b, i): CachedBuildpack => {
    if (!isObj(b) || typeof b.key !== "string") return bad(`buildpacks[${i}] has no key`);
    const layers: Record<string, CachedLayer> = {};
    const ls = b.layers ?? {};
    if (!isObj(ls)) bad(`buildpacks[${i}].layers is not an object`);
    for (const [name, l] of Object.entries(ls as Record<string, unknown>)) {
      if (!isObj(l) || typeof l.sha !== "string") bad(`buildpacks[${i}].layers.${name} has no sha`);
      const x = l as Record<string, unknown>;
      layers[name] = { sha: x.sha as string, data: isObj(x.data) ? (x.data as Table) : {}, build: x.build === true, launch: x.launch === true, cache: x.cache === true };
    }
    return { key: b.key, version: typeof b.version === "string" ? b.version : "", layers };
  });
  const out: CacheMetadata = { buildpacks };
  if (isObj(o.sbom) && typeof o.sbom.sha === "string" && o.sbom.sha !== "") out.sbom = { sha: o.sbom.sha };
  const w = o.paketo;
  if (isObj(w) && typeof w.format === "string" && isObj(w.parentDirs)) {
    const p = w.parentDirs;
    const nums = [w.uid, w.gid, w.sourceDateEpoch, w.level, p.uid, p.gid, p.mode];
    if (nums.every((n) => typeof n === "number")) {
      out.writer = {
        format: w.format,
        uid: w.uid as number,
        gid: w.gid as number,
        parentDirs: { uid: p.uid as number, gid: p.gid as number, mode: p.mode as number },
        sourceDateEpoch: w.sourceDateEpoch as number,
        level: w.level as number,
      };
    }
  }
  return out;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

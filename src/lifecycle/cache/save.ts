// Saving the cache after export (CNB-51): every cache=true layer and the cache SBOM
// (`<layers>/sbom/cache`), with their metadata. Layers the export already built are taken from
// its result; the others come from the layer factory, which does not re-tar unchanged files
// (restored cache layers were remembered by the restorer); layers the cache already holds are
// kept there, not copied or uploaded again. Each cache layer's folder is kept for the next restore.
import { lstat } from "node:fs/promises";
import { join, posix } from "node:path";
import { escapeId } from "../../cnb/index.js";
import type * as oci from "../../oci/index.js";
import { type BuiltBuildpackLayer, type FactoryLayer, keepTree, type LayerFactory, type LayerInput } from "../layer-cache/index.js";
import { readGroup, realDir, scanBuildpacks } from "../layers-dir/index.js";
import { type PhaseLog, quietLog } from "../log.js";
import type { Cache } from "./cache.js";
import { CacheError } from "./errors.js";
import { type CacheMetadata, type CachedBuildpack, writerOf } from "./metadata.js";

export interface SaveCacheInputs {
  cache: Cache;
  layersDir: string;
  /** Where the build saw the layers dir (default `/layers`). */
  imageLayersDir?: string;
  /** group.toml (default `<layers>/group.toml`). */
  groupPath?: string;
  layers: LayerFactory;
  /** The export of this build: its buildpack layers are not built twice. */
  exported?: { buildpackLayers: readonly BuiltBuildpackLayer[] };
  /** Only say what the cache would hold: nothing is committed and no folder is kept. */
  dryRun?: boolean;
}

export interface SaveCacheResult {
  metadata: CacheMetadata;
  /** Cache layers tarred now, taken from the export or the layer content cache, and already in the cache. */
  stats: { built: number; reused: number; kept: number };
}

/** What the cache save reports to. */
export interface SaveCacheDeps {
  log?: PhaseLog;
}

export function saveCache(inputs: SaveCacheInputs, deps: SaveCacheDeps = {}): Promise<SaveCacheResult> {
  return CacheError.within(() => saveCachePhase(inputs, deps));
}

async function saveCachePhase(inputs: SaveCacheInputs, deps: SaveCacheDeps): Promise<SaveCacheResult> {
  const log = deps.log ?? quietLog;
  const imageLayersDir = posix.resolve("/", inputs.imageLayersDir ?? "/layers");
  const L = imageLayersDir.slice(1);
  const group = await readGroup(inputs.groupPath ?? join(inputs.layersDir, "group.toml"));
  const scanned = await scanBuildpacks(inputs.layersDir, group, imageLayersDir);
  const factory = inputs.layers;

  const exported = new Map<string, FactoryLayer>();
  for (const b of inputs.exported?.buildpackLayers ?? []) exported.set(`${b.buildpackId}:${b.name}`, b.layer);

  const toBuild: LayerInput[] = [];
  const ready = new Map<string, FactoryLayer>();
  for (const bp of scanned) {
    for (const l of bp.layers) {
      if (!l.types.cache) continue;
      const id = `${bp.entry.id}:${l.name}`;
      if (l.contents === "none") {
        throw new CacheError("CACHE_NO_CONTENTS", `layer ${id} is cache=true but has no contents`);
      }
      const done = exported.get(id);
      if (done) ready.set(id, done);
      else toBuild.push(await factory.dirInput(id, l.path, `${L}/${escapeId(bp.entry.id)}/${l.name}`));
    }
  }
  const sbomDir = join(inputs.layersDir, "sbom", "cache");
  if ((await realDir(inputs.layersDir, "sbom", "cache")) === "dir") toBuild.push(await factory.snapshotInput("sbom", sbomDir, `${L}/sbom/cache`));
  const built = await factory.build(toBuild);
  toBuild.forEach((input, i) => ready.set(input.id, built[i] as FactoryLayer));

  const metadata: CacheMetadata = { buildpacks: [], writer: writerOf(factory.settings("cnb")) };
  for (const bp of scanned) {
    const entry: CachedBuildpack = { key: bp.entry.id, version: bp.entry.version, layers: {} };
    for (const l of bp.layers) {
      const fl = ready.get(`${bp.entry.id}:${l.name}`);
      if (!l.types.cache || !fl) continue;
      entry.layers[l.name] = { sha: fl.diffId, data: l.metadata, ...l.types };
    }
    metadata.buildpacks.push(entry);
  }
  const sbom = ready.get("sbom");
  if (sbom) metadata.sbom = { sha: sbom.diffId };

  const builtNow = built.filter((f) => f.from === "built").length;
  if (inputs.dryRun) return { metadata, stats: { built: builtNow, reused: ready.size - builtNow, kept: 0 } };
  const layers: oci.Layer[] = [...ready.values()].map((f) => f.layer);
  const r = await inputs.cache.commit(metadata, layers);
  log.info(`Saved ${inputs.cache.name}: ${r.layers} layer(s), ${r.kept} unchanged`);
  // The folders the build wrote are kept as they are (hard links, layer-cache/trees.ts), so the next
  // restore lends them instead of extracting the tars just made from them.
  for (const bp of scanned) {
    for (const l of bp.layers) {
      const fl = ready.get(`${bp.entry.id}:${l.name}`);
      if (l.types.cache && fl && (await lstat(l.path)).isDirectory()) await keepTree(join(factory.dir, "trees"), fl.diffId, l.path);
    }
  }
  return { metadata, stats: { built: builtNow, reused: ready.size - builtNow, kept: r.kept } };
}

// The restore phase (CNB-25, CNB-39, CNB-40): store.toml and layer metadata from the previous
// image, cache=true layers' files from the cache, and the SBOM files of restored layers.
// read -> decide (plan.ts, pure) -> apply (here).
import { createReadStream } from "node:fs";
import { chmod, copyFile, lstat, mkdir, readdir, rm, stat, symlink } from "node:fs/promises";
import { Readable } from "node:stream";
import { join, posix } from "node:path";
import {
  escapeId,
  type GroupEntry,
  type LifecycleMetadata,
  parseApiVersion,
  platformFeatures,
  stringifyLayerMetadata,
  stringifyStoreToml,
} from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";
import * as oci from "../../oci/index.js";
import { type Cache, type CacheMetadata, emptyCacheMetadata, writerOf } from "../cache/index.js";
import { writeFileAtomic } from "../../fs/index.js";
import type { LayerFactory } from "../layer-cache/index.js";
import { readGroup } from "../layers-dir/index.js";
import { type PhaseLog, quietLog } from "../log.js";
import { keepTree, type Lent, restoreFromTree } from "../layer-cache/index.js";
import { RestoreError } from "./errors.js";
import { type LayerRestore, planRestore } from "./plan.js";

export interface RestoreInputs {
  layersDir: string;
  /** Where the build sees the layers dir, which is where cache layers have their files (default `/layers`). */
  imageLayersDir?: string;
  /** The group (default: read from `groupPath`, else `<layers>/group.toml`). */
  group?: GroupEntry[];
  groupPath?: string;
  /** analyzed.toml `[metadata]`: the previous image's io.buildpacks.lifecycle.metadata. */
  previousMetadata: LifecycleMetadata;
  /** The previous image, for its SBOM layer (a few kilobytes; nothing else of it is read). */
  previousImage?: oci.Image;
  cache?: Cache;
  /** `-skip-layers`: store.toml only. */
  skipLayers?: boolean;
  platformApi: string;
  /**
   * The layer factory the export will use: restored cache layers are remembered there as the
   * cache layer they came from, so an unchanged one is not tarred again.
   */
  layers?: LayerFactory;
}

export interface RestoreResult {
  /** `<bp>:<layer>` whose toml was written, and those whose files were restored too. */
  metadata: string[];
  contents: string[];
  /** Cache layers that could not be restored (neither toml nor files were left). */
  skipped: string[];
  /** The cache's metadata, as read. */
  cacheMetadata: CacheMetadata;
  /** Layers moved in from kept copies: give them back with `returnTrees` once the build is done with them. */
  lent: Lent[];
}

const CONCURRENCY = 3;

/** What restore reports to. */
export interface RestoreDeps {
  log?: PhaseLog;
}

export function restore(inputs: RestoreInputs, deps: RestoreDeps = {}): Promise<RestoreResult> {
  return RestoreError.within(() => restorePhase(inputs, deps));
}

async function restorePhase(inputs: RestoreInputs, deps: RestoreDeps): Promise<RestoreResult> {
  const log = deps.log ?? quietLog;
  const platformApi = parseApiVersion(inputs.platformApi, "platform API");
  const imageLayersDir = posix.resolve("/", inputs.imageLayersDir ?? "/layers");
  const L = imageLayersDir.slice(1);
  const group = inputs.group ?? (await wrap(() => readGroup(inputs.groupPath ?? join(inputs.layersDir, "group.toml"))));
  const cacheMetadata = inputs.cache ? await wrap(() => (inputs.cache as Cache).metadata()) : emptyCacheMetadata();
  const plan = planRestore({ buildpacks: group, previous: inputs.previousMetadata, cache: cacheMetadata, platformApi, ...(inputs.skipLayers ? { skipLayers: true } : {}) });
  const result: RestoreResult = { metadata: [], contents: [], skipped: [], cacheMetadata, lent: [] };
  for (const k of plan.skipped) log.info(`Not restoring ${k.buildpackId}:${k.layer}: ${k.reason}`);

  for (const s of plan.stores) {
    const dir = join(inputs.layersDir, escapeId(s.buildpackId));
    await mkdirOrThrow(dir);
    await writeOrThrow(join(dir, "store.toml"), stringifyStoreToml({ metadata: s.metadata }));
  }

  // Files first, then the toml: a layer is restored whole or not at all.
  const adopted: Array<{ r: LayerRestore; dir: string; layer: oci.Layer; path: string }> = [];
  const withFiles = plan.layers.filter((r) => r.contents !== undefined);
  let next = 0;
  const worker = async () => {
    while (next < withFiles.length) {
      const r = withFiles[next++] as LayerRestore;
      const id = `${r.buildpackId}:${r.layer}`;
      const dir = join(inputs.layersDir, escapeId(r.buildpackId), r.layer);
      try {
        const layer = await (inputs.cache as Cache).layer(r.contents as string);
        if (!layer) throw new Error(`the cache has no layer ${r.contents}`);
        const path = inputs.layers ? await inputs.layers.importBlob(layer) : undefined;
        const source = path ? await localLayer(layer, path) : layer;
        // Linked from the copy kept by an earlier restore when there is a valid one (layer-cache/trees.ts).
        const trees = inputs.layers ? join(inputs.layers.dir, "trees") : undefined;
        const diffId = await layer.diffId();
        await rm(dir, { recursive: true, force: true });
        // A kept copy stands for the layer only while the cache's blob of it looks whole (its size):
        // a cache whose blob is broken restores nothing, as when the tar is extracted.
        const whole = path === undefined || (await stat(path)).size === (await layer.size());
        if (trees && whole && (await restoreFromTree(trees, diffId, dir))) result.lent.push({ diffId, dir });
        else {
          await extractLayerDir(source, `${L}/${escapeId(r.buildpackId)}/${r.layer}`, dir, `cache layer ${id}`);
          if (trees && (await lstat(dir)).isDirectory()) await keepTree(trees, diffId, dir);
        }
        if (path) adopted.push({ r, dir, layer, path });
        result.contents.push(id);
        log.info(`Restored data for ${id} from ${(inputs.cache as Cache).name}`);
      } catch (e) {
        await rm(dir, { recursive: true, force: true });
        result.skipped.push(id);
        log.warn(`Not restoring ${id}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, withFiles.length) }, worker));

  for (const r of plan.layers) {
    const id = `${r.buildpackId}:${r.layer}`;
    if (r.contents !== undefined && !result.contents.includes(id)) continue;
    const dir = join(inputs.layersDir, escapeId(r.buildpackId));
    await mkdirOrThrow(dir);
    await writeOrThrow(join(dir, `${r.layer}.toml`), stringifyLayerMetadata({ metadata: r.data }));
    result.metadata.push(id);
    if (r.contents === undefined) log.info(`Restored metadata for ${id} from the previous image`);
  }

  // Remember the restored files as the cache layers they are (when written the way this build writes).
  const factory = inputs.layers;
  if (factory && adopted.length > 0 && sameWriter(cacheMetadata, factory)) {
    for (const a of adopted) {
      const input = await factory.dirInput(`${a.r.buildpackId}:${a.r.layer}`, a.dir, `${L}/${escapeId(a.r.buildpackId)}/${a.r.layer}`);
      await factory.adopt(input, { digest: await a.layer.digest(), diffId: await a.layer.diffId(), size: await a.layer.size(), path: a.path });
    }
  }

  if (platformFeatures(platformApi).sbomLayers && !inputs.skipLayers) await restoreSboms(inputs, group, result, L, log);
  return result;
}

/**
 * SBOM files of restored layers (CNB-22): the previous image's SBOM layer and the cache's are
 * extracted under `<layers>/sbom/{launch,cache}`, each restored layer's `sbom.<ext>` is copied to
 * `<layers>/<bp>/<layer>.sbom.<ext>`, and `<layers>/sbom` is removed again.
 */
async function restoreSboms(inputs: RestoreInputs, group: readonly GroupEntry[], result: RestoreResult, L: string, log: PhaseLog): Promise<void> {
  const sbomRoot = join(inputs.layersDir, "sbom");
  const sources: Array<["launch" | "cache", () => Promise<oci.Layer | undefined>]> = [];
  const launchSha = inputs.previousMetadata.sbom?.sha;
  if (launchSha && inputs.previousImage) {
    const img = inputs.previousImage;
    sources.push(["launch", () => img.layerByDiffId(launchSha as oci.Digest).catch(() => undefined)]);
  }
  const cacheSha = result.cacheMetadata.sbom?.sha;
  if (cacheSha && inputs.cache) {
    const cache = inputs.cache;
    sources.push(["cache", () => cache.layer(cacheSha)]);
  }
  if (sources.length === 0) return;
  const restored = new Set(result.metadata);
  try {
    for (const [kind, open] of sources) {
      const layer = await open();
      if (!layer) continue;
      try {
        await extractLayerDir(layer, `${L}/sbom/${kind}`, join(sbomRoot, kind), `${kind} SBOM layer`);
      } catch (e) {
        log.warn(`Not restoring the ${kind} SBOM files: ${(e as Error).message}`);
        continue;
      }
      for (const r of group) {
        const bpDir = escapeId(r.id);
        for (const layerName of await readdir(join(sbomRoot, kind, bpDir)).catch(() => [] as string[])) {
          if (!restored.has(`${r.id}:${layerName}`)) continue;
          for (const file of await readdir(join(sbomRoot, kind, bpDir, layerName)).catch(() => [] as string[])) {
            if (!/^sbom\.(cdx|spdx|syft)\.json$/.test(file)) continue;
            await copyFile(join(sbomRoot, kind, bpDir, layerName, file), join(inputs.layersDir, bpDir, `${layerName}.${file}`));
          }
        }
      }
    }
  } finally {
    await rm(sbomRoot, { recursive: true, force: true });
  }
}

/**
 * Extracts the part of a layer under `prefix` (a path in the image without the leading `/`) into
 * `target`, which is replaced. Entries outside `prefix` other than its parent folders are
 * refused; the folder itself keeps its mode from the layer. Whiteout-named files are files here.
 */
export async function extractLayerDir(layer: oci.Layer, prefix: string, target: string, what: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  let rootMode: number | undefined;
  let rootLink: string | undefined;
  const strip = (n: string) => (n === prefix ? "" : n.slice(prefix.length + 1));
  const under = (n: string) => n === prefix || n.startsWith(`${prefix}/`);
  const onEntry = (e: oci.extract.EntryInfo): oci.extract.EntryDecision => {
    const n = oci.extract.normalizeEntryName(e.name);
    if (n === prefix) {
      if (e.type === "symlink") rootLink = e.linkname;
      else rootMode = e.mode;
      return false;
    }
    if (under(n)) {
      const out: { name: string; linkname?: string } = { name: strip(n) };
      if (e.type === "link" && e.linkname !== undefined) {
        const l = oci.extract.normalizeEntryName(e.linkname);
        if (!under(l) || l === prefix) throw new RestoreError("RESTORE_CACHE", `${what}: hard link ${n} points outside /${prefix}`);
        out.linkname = strip(l);
      }
      return out;
    }
    if (`${prefix}/`.startsWith(`${n}/`)) return false;
    throw new RestoreError("RESTORE_CACHE", `${what} holds ${n}, which is not under /${prefix}`);
  };
  try {
    const compressedSize = await layer.size();
    await oci.extract.extractTar(lazily(() => layer.uncompressed()), target, { what, whiteouts: "keep", onEntry, compressedSize });
    if (rootLink !== undefined) {
      await rm(target, { recursive: true, force: true });
      await symlink(rootLink, target);
    } else if (rootMode !== undefined) {
      await chmod(target, rootMode & 0o1777);
    }
  } catch (e) {
    await rm(target, { recursive: true, force: true });
    // extractTar wraps what onEntry throws; our own refusal is the better message.
    const own = e instanceof RestoreError ? e : e instanceof Error && e.cause instanceof RestoreError ? e.cause : undefined;
    throw own ?? new RestoreError("RESTORE_CACHE", (e as Error).message, { cause: e });
  }
}

/**
 * A stream that opens its source only when first read. extractTar attaches its error handler
 * after a few awaits; a source opened before that (a gzip stream already flowing) could fail in
 * between with nobody listening, which would crash the process instead of failing the restore.
 */
function lazily(open: () => Promise<Readable>): Readable {
  return Readable.from(
    (async function* () {
      for await (const chunk of await open()) yield chunk as Buffer;
    })(),
    { objectMode: false },
  );
}

/**
 * A cache layer read from the copy the layer factory keeps (so a registry blob is fetched once).
 * Its tar is still checked against the diffID the cache claims, as every layer's is.
 */
async function localLayer(layer: oci.Layer, path: string): Promise<oci.Layer> {
  return oci.partial.compressedToLayer({
    descriptor: await oci.partial.layerDescriptor(layer),
    diffId: await layer.diffId(),
    open: async () => createReadStream(path),
  });
}

function sameWriter(m: CacheMetadata, factory: LayerFactory): boolean {
  const a = m.writer;
  const b = writerOf(factory.settings("cnb"));
  return (
    a !== undefined &&
    a.format === b.format &&
    a.uid === b.uid &&
    a.gid === b.gid &&
    a.sourceDateEpoch === b.sourceDateEpoch &&
    a.level === b.level &&
    a.parentDirs.uid === b.parentDirs.uid &&
    a.parentDirs.gid === b.parentDirs.gid &&
    a.parentDirs.mode === b.parentDirs.mode
  );
}

async function mkdirOrThrow(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new RestoreError("RESTORE_LAYERS_DIR", `cannot create ${dir}: ${(e as Error).message}`, { cause: e });
  }
}

async function writeOrThrow(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (e) {
    throw new RestoreError("RESTORE_LAYERS_DIR", `cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
}

async function wrap<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof PaketoError && !(e instanceof RestoreError)) throw new RestoreError("RESTORE_CACHE", e.message, { cause: e, ...(e.hint ? { hint: e.hint } : {}) });
    throw e;
  }
}

// Builds the layers of an export or a cache save, and remembers what it built (D8): a layer whose
// files have the same content key as one built before is taken from the layer content cache
// instead of being tarred and compressed again. See src/lifecycle/README.md.
import { type BigIntStats, createReadStream } from "node:fs";
import { link, mkdir, readFile, readlink, rm, stat, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createWriteStream } from "node:fs";
import * as oci from "../../oci/index.js";
import { contentKey, type KeyedEntry, type LayerFiles, type LayerSettings, layerFiles, restat, walkTree } from "./content-key.js";
import { UnphasedError } from "../errors.js";
import { tempPath, writeFileAtomic } from "../../fs/index.js";
import { sortedWalk } from "./sorted-walk.js";

export interface LayerFactoryOptions {
  /** The layer content cache: built layers (`blobs/`) and the content keys that name them (`keys/`). Shared by builds. */
  dir: string;
  /** The CNB user (CNB-45): owner of layer dirs, app files and their parent folders. */
  uid: number;
  gid: number;
  /** Seconds since the epoch for every entry's mtime (default 1980-01-01T00:00:01Z). */
  sourceDateEpoch?: number;
  /** gzip level (default oci's, 4). */
  level?: number;
  /** Layers compressed at once (default: oci.layer.buildLayers' default). */
  concurrency?: number;
  onProgress?: oci.OnProgress;
  signal?: AbortSignal;
  /**
   * Called with a cached layer's file before it is looked at: the platform marks it in use there
   * (its cache lease), so no prune removes it before the export has written it.
   */
  use?: (path: string) => Promise<void>;
  /**
   * A layer whose files changed within the last ~100 ms is remembered only after waiting that out,
   * and only if it holds at least this many bytes (default 8 MiB); a smaller one is cheaper to tar
   * again next time than to wait for now.
   */
  waitForBytes?: number;
  /** Wall clock and sleep; tests may replace them. */
  clock?: { nowMs(): number; sleep(ms: number): Promise<void> };
}

/** What to build: the files of one layer and the settings they are written with. */
export interface LayerInput {
  /** Names the layer in messages and stats: `acme/node:node`, `app`, `launcher`. */
  id: string;
  settings: LayerSettings;
  entries: KeyedEntry[];
  /**
   * When the inode state is new, also look the layer up by its content (reading every file):
   * for trees copied afresh by each build, such as the app dir.
   */
  byContent?: boolean;
}

/** A layer ready to append: built now, or taken from the content cache. */
export interface FactoryLayer {
  id: string;
  layer: oci.Layer;
  digest: oci.Digest;
  diffId: oci.Digest;
  /** `built`: tarred and compressed now. `cached`: the same files were built before. */
  from: "built" | "cached";
}

/** A buildpack's layer as the export built it, so the cache save does not build it again. */
export interface BuiltBuildpackLayer {
  buildpackId: string;
  name: string;
  layer: FactoryLayer;
}

/** What the content cache keeps per key. */
interface KeyRecord {
  digest: string;
  diffId: string;
  size: number;
  /** Absolute path of the blob when it is not in `blobs/` (a blob of a cache dir, adopted in place). */
  path?: string;
}

/**
 * How long after a file's last change (ctime or mtime) its inode state is trusted to identify
 * its content. Linux stamps times from a clock that advances in ticks of at most 10 ms; a write
 * in the same tick as the one we saw could leave every stat field unchanged. 100 ms is ten ticks.
 * Filesystems that keep whole seconds only get 2 s, which is longer than we wait: such trees are
 * then tarred without being remembered until their files are older.
 */
const FINE_WINDOW_NS = 100_000_000n;
const COARSE_WINDOW_NS = 2_000_000_000n;
/** Longest we wait for a racy tree to become trustworthy before building it unremembered. */
const MAX_WAIT_MS = 250;
/**
 * Smaller layers are not worth waiting for: tarring them again next time costs less than the
 * wait (gzip does about 80 MB/s here), and some are rewritten by every build anyway (metadata.toml).
 */
const WORTH_WAITING_BYTES = 8 << 20;

export class LayerFactory {
  readonly dir: string;
  readonly uid: number;
  readonly gid: number;
  readonly sourceDateEpoch: number;
  readonly level: number;
  /** Layers built (tarred and compressed) and taken from the content cache, since creation. */
  readonly stats = { built: 0, cached: 0 };
  private readonly opts: LayerFactoryOptions;
  private readonly clock: { nowMs(): number; sleep(ms: number): Promise<void> };

  constructor(opts: LayerFactoryOptions) {
    this.opts = opts;
    this.dir = opts.dir;
    this.uid = opts.uid;
    this.gid = opts.gid;
    this.sourceDateEpoch = opts.sourceDateEpoch ?? oci.reproducibleDate().getTime() / 1000;
    this.level = opts.level ?? oci.layer.DEFAULT_LEVEL;
    this.clock = opts.clock ?? { nowMs: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };
  }

  private get blobsDir(): string {
    return join(this.dir, "blobs");
  }

  /** Settings for entries owned by `owner` whose missing parents are owned by `parents` (mode 0755). */
  settings(owner: "cnb" | "root", parents: "cnb" | "root" = owner): LayerSettings {
    const id = (w: "cnb" | "root") => (w === "cnb" ? { uid: this.uid, gid: this.gid } : { uid: 0, gid: 0 });
    return { ...id(owner), parentDirs: { ...id(parents), mode: 0o755 }, sourceDateEpoch: this.sourceDateEpoch, level: this.level };
  }

  /**
   * A folder exported at `imagePath` (no leading `/`): the folder itself and everything under it,
   * owned by the CNB user; parent folders the CNB user's too (CNB-45; see docs for why not the
   * filesystem owner).
   */
  async dirInput(id: string, hostDir: string, imagePath: string): Promise<LayerInput> {
    const walked = await walkTree(hostDir, imagePath);
    return { id, settings: this.settings("cnb"), entries: walked.map((w) => ({ walked: w })) };
  }

  /**
   * Like dirInput, but for a small folder whose files are rewritten by every build with the same
   * content (`<layers>/config`, `<layers>/sbom/...`): the files are read, and the layer is
   * identified by their content and modes instead of their inode times. Over `maxBytes` (default
   * 16 MiB) it falls back to dirInput.
   */
  async snapshotInput(id: string, hostDir: string, imagePath: string, opts: { maxBytes?: number } = {}): Promise<LayerInput> {
    const walked = await walkTree(hostDir, imagePath);
    const total = walked.reduce((n, w) => n + (w.stat.isFile() ? Number(w.stat.size) : 0), 0);
    if (total > (opts.maxBytes ?? 16 << 20)) return { id, settings: this.settings("cnb"), entries: walked.map((w) => ({ walked: w })) };
    const entries: KeyedEntry[] = [];
    for (const w of walked) {
      const mode = Number(w.stat.mode) & 0o777;
      if (w.stat.isDirectory()) entries.push({ literal: { path: w.path, dir: true, mode } });
      else if (w.stat.isSymbolicLink()) entries.push({ literal: { path: w.path, symlink: await readlink(w.source) } });
      else if (w.stat.isFile()) entries.push({ literal: { path: w.path, content: await readFile(w.source), mode } });
      else throw new UnphasedError("LAYERS_DIR", `${w.source} is not a file, folder or symlink`);
    }
    return { id, settings: this.settings("cnb"), entries };
  }

  /** Builds layers (at most `concurrency` at once), taking unchanged ones from the content cache. Keeps order. */
  async build(inputs: readonly LayerInput[]): Promise<FactoryLayer[]> {
    const out = new Array<FactoryLayer>(inputs.length);
    const misses: Array<{ i: number; input: LayerInput; files: LayerFiles; remember: boolean; content?: string }> = [];
    for (const [i, given] of inputs.entries()) {
      let input = given;
      let files = layerFiles(input.settings, input.entries);
      const hit = await this.lookup(input.id, files.key);
      if (hit) {
        out[i] = hit;
        continue;
      }
      let remember = true;
      // Not trusted yet: wait until its newest change is older than the window, then look again.
      for (let tries = 0; remember && !this.settled(files); tries++) {
        const waitMs = this.waitFor(files);
        if (tries >= 3 || waitMs === undefined || files.bytes < (this.opts.waitForBytes ?? WORTH_WAITING_BYTES)) {
          remember = false;
          break;
        }
        await this.clock.sleep(waitMs);
        input = { ...input, entries: restatAll(input.entries) };
        files = layerFiles(input.settings, input.entries);
      }
      // Only from files whose inode state is settled: a later change then shows in the re-check below.
      if (remember && input.byContent) {
        const content = contentKey(input.settings, input.entries);
        const same = await this.lookup(input.id, `c-${content}`);
        if (same) {
          await this.record(files.key, { digest: same.digest, diffId: same.diffId, size: await same.layer.size() });
          out[i] = same;
          continue;
        }
        misses.push({ i, input, files, remember, content });
      } else misses.push({ i, input, files, remember });
    }
    if (misses.length > 0) {
      await mkdir(this.blobsDir, { recursive: true });
      const built = await oci.layer.buildLayers(
        misses.map(({ input, files }) => {
          const spec: oci.layer.LayerSpec = {
            files: files.entries,
            outputDir: this.blobsDir,
            uid: input.settings.uid,
            gid: input.settings.gid,
            parentDirs: input.settings.parentDirs,
            sourceDateEpoch: input.settings.sourceDateEpoch,
            level: input.settings.level,
            label: input.id,
          };
          if (this.opts.onProgress) spec.onProgress = this.opts.onProgress;
          return spec;
        }),
        { ...(this.opts.concurrency ? { concurrency: this.opts.concurrency } : {}), ...(this.opts.signal ? { signal: this.opts.signal } : {}) },
      );
      for (const [j, m] of misses.entries()) {
        const b = built[j] as oci.layer.BuiltLayer;
        this.stats.built++;
        out[m.i] = { id: m.input.id, layer: b, digest: b.stats.digest, diffId: b.stats.diffId, from: "built" };
        if (!m.remember) continue;
        const rec = { digest: b.stats.digest, diffId: b.stats.diffId, size: b.stats.size };
        await this.record(m.files.key, rec);
        // The content key was read before the tar: keep it only if nothing changed since.
        if (m.content !== undefined && layerFiles(m.input.settings, restatAll(m.input.entries)).key === m.files.key) await this.record(`c-${m.content}`, rec);
      }
    }
    return out;
  }

  /**
   * A folder exported at `imagePath` as one layer written in chunks (oci.layer.writeChunkedLayer):
   * the chunks of the previous layer recorded at `record` whose files did not change are taken
   * from its file without reading those files; when none changed, the previous layer is the
   * answer and nothing is written. `hash` gives a file's SHA-256 when the caller knows it for
   * that inode state (else the file is read). Owners as dirInput; parents of `imagePath` root's.
   * The tree is walked in tar order as it is written: nothing per file is held.
   */
  async chunkedDir(id: string, hostDir: string, imagePath: string, o: { record: string; hash?: (rel: string, st: BigIntStats) => string | undefined }): Promise<FactoryLayer & { reused: number; written: number }> {
    const s = this.settings("cnb", "root");
    const previous = oci.layer.readChunkRecord(o.record);
    if (previous) await this.opts.use?.(join(this.blobsDir, oci.digestHex(previous.digest)));
    const parents = imagePath.split("/").slice(0, -1);
    const entries = async function* (): AsyncGenerator<oci.layer.ChunkEntry> {
      for (let i = 0; i < parents.length; i++) yield { name: parents.slice(0, i + 1).join("/"), type: "directory", size: 0, ...s.parentDirs };
      const firstOfInode = new Map<string, string>();
      for (const w of sortedWalk(hostDir)) {
        const name = w.rel ? `${imagePath}/${w.rel}` : imagePath;
        const st = w.stat;
        const base = { name, mode: Number(st.mode) & 0o777, uid: s.uid, gid: s.gid, size: 0 };
        if (st.isDirectory()) yield { ...base, type: "directory" };
        else if (st.isSymbolicLink()) yield { ...base, type: "symlink", linkname: await readlink(w.abs) };
        else if (st.isFile()) {
          if (st.nlink > 1n) {
            const inode = `${st.dev}:${st.ino}`;
            const first = firstOfInode.get(inode);
            if (first !== undefined) {
              yield { ...base, type: "link", linkname: first };
              continue;
            }
            firstOfInode.set(inode, name);
          }
          const hash = o.hash?.(w.rel, st);
          yield { ...base, type: "file", size: Number(st.size), source: w.abs, ...(hash ? { hash } : {}) };
        } else throw new UnphasedError("LAYERS_DIR", `${w.abs} is not a file, folder or symlink: a layer cannot hold it`, { hint: "remove it before the export" });
      }
    };
    const r = await oci.layer.writeChunkedLayer(entries(), { outputDir: this.blobsDir, mtime: s.sourceDateEpoch, level: s.level, previous });
    await this.opts.use?.(r.layer.filePath());
    if (!r.same) {
      await mkdir(dirname(o.record), { recursive: true });
      await oci.layer.writeChunkRecord(o.record, r.record);
    }
    if (r.same) this.stats.cached++;
    else this.stats.built++;
    return { id, layer: r.layer, digest: r.record.digest, diffId: r.record.diffId, from: r.same ? "cached" : "built", reused: r.reused, written: r.written };
  }

  /**
   * Remembers that the files of `input` are exactly the layer `blob` (restore: a cache layer was
   * just extracted there). Only the caller knows that; the key still guards every later change.
   * Waits out the racy window once; returns false when the files could not be trusted in time.
   */
  async adopt(input: LayerInput, blob: { digest: oci.Digest; diffId: oci.Digest; size: number; path: string }): Promise<boolean> {
    let files = layerFiles(input.settings, input.entries);
    for (let tries = 0; !this.settled(files); tries++) {
      const waitMs = this.waitFor(files);
      if (tries >= 3 || waitMs === undefined) return false;
      await this.clock.sleep(waitMs);
      files = layerFiles(input.settings, restatAll(input.entries));
    }
    const inBlobs = join(this.blobsDir, oci.digestHex(blob.digest));
    const rec: KeyRecord = { digest: blob.digest, diffId: blob.diffId, size: blob.size };
    if (blob.path !== inBlobs) rec.path = blob.path;
    await this.record(files.key, rec);
    return true;
  }

  /**
   * Puts a layer's blob into the content cache: hard-linked from the layer's file when it has one
   * on this filesystem, else downloaded (and verified). Returns the local path.
   */
  async importBlob(layer: oci.Layer): Promise<string> {
    const digest = await layer.digest();
    const size = await layer.size();
    const dest = join(this.blobsDir, oci.digestHex(digest));
    await this.opts.use?.(dest);
    const have = await stat(dest).catch(() => undefined);
    if (have?.isFile() && have.size === size) return dest;
    await mkdir(this.blobsDir, { recursive: true });
    const src = layer.filePath?.();
    if (src) {
      try {
        await link(src, dest);
        return dest;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return dest;
        // Another filesystem: use the file where it is.
        return src;
      }
    }
    const tmp = tempPath(this.blobsDir);
    try {
      const verify = new oci.VerifyingStream(digest, size, `layer ${digest}`);
      await pipeline(await layer.compressed(), verify, createWriteStream(tmp, { flags: "wx" }));
      await rm(dest, { force: true });
      await link(tmp, dest).catch((e: NodeJS.ErrnoException) => {
        if (e.code !== "EEXIST") throw e;
      });
    } finally {
      await rm(tmp, { force: true });
    }
    return dest;
  }

  private settled(files: LayerFiles): boolean {
    const window = files.coarseTimes ? COARSE_WINDOW_NS : FINE_WINDOW_NS;
    return BigInt(Math.floor(this.clock.nowMs())) * 1_000_000n - files.newestChangeNs > window;
  }

  /** How long until `files` settle, or undefined when that is too long to wait. */
  private waitFor(files: LayerFiles): number | undefined {
    const window = files.coarseTimes ? COARSE_WINDOW_NS : FINE_WINDOW_NS;
    const ms = Number((files.newestChangeNs + window) / 1_000_000n) - Math.floor(this.clock.nowMs()) + 1;
    return ms > MAX_WAIT_MS ? undefined : Math.max(1, ms);
  }

  private async lookup(id: string, key: string): Promise<FactoryLayer | undefined> {
    const keyPath = join(this.dir, "keys", `${key}.json`);
    let rec: KeyRecord;
    try {
      rec = JSON.parse(await readFile(keyPath, "utf8")) as KeyRecord;
    } catch {
      return undefined;
    }
    if (!oci.isDigest(rec.digest) || !oci.isDigest(rec.diffId) || typeof rec.size !== "number") return undefined;
    const path = rec.path ?? join(this.blobsDir, oci.digestHex(rec.digest));
    await this.opts.use?.(path);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile() || st.size !== rec.size) return undefined;
    // Keep it warm: the cache is trimmed least recently used first (deps/cache-prune.ts).
    const now = new Date();
    await utimes(keyPath, now, now).catch(() => {});
    this.stats.cached++;
    const layer = cachedLayer(path, rec.digest, rec.diffId, rec.size);
    return { id, layer, digest: rec.digest, diffId: rec.diffId, from: "cached" };
  }

  private async record(key: string, rec: KeyRecord): Promise<void> {
    const dir = join(this.dir, "keys");
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, `${key}.json`), JSON.stringify(rec));
  }
}

function restatAll(entries: readonly KeyedEntry[]): KeyedEntry[] {
  return entries.map((e) => ("walked" in e ? { ...e, walked: restat([e.walked])[0] as (typeof e)["walked"] } : e));
}

export function openLayerFactory(opts: LayerFactoryOptions): LayerFactory {
  return new LayerFactory(opts);
}

/** A Layer over a gzip tar file whose digests are known. */
function cachedLayer(path: string, digest: oci.Digest, diffId: oci.Digest, size: number): oci.Layer {
  const layer = oci.partial.compressedToLayer({
    descriptor: { mediaType: oci.MediaType.OciLayerGzip, digest, size },
    diffId,
    open: () =>
      new Promise((resolve, reject) => {
        const s = createReadStream(path);
        s.once("open", () => resolve(s));
        s.once("error", (e) => reject(new UnphasedError("LAYERS_DIR", `cached layer ${digest} at ${path} cannot be read`, { cause: e })));
      }),
  });
  return { ...layer, filePath: () => path };
}

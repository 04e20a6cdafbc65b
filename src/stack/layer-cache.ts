// Built layers by content identity (docs/architecture.md D8): a key that hashes everything a layer's
// bytes depend on maps to the compressed layer file and its digests, so an unchanged stack is
// never unpacked, tarred or compressed again.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../fs/index.js";
import { type Digest, type Layer, layer, MediaType, parseDigest, partial } from "../oci/index.js";

/** Bump when the assembly changes what a layer holds for the same inputs. */
export const LAYER_FORMAT = "paketo-stack-layer/1";

export interface LayerRecord {
  digest: Digest;
  diffId: Digest;
  size: number;
  uncompressedSize: number;
}

/** A layer from the cache or just built: a local gzip file with known digests. */
export type CachedLayer = Layer & { filePath(): string; readonly record: LayerRecord };

/** The content identity of a layer: SHA-256 of the canonical JSON of its inputs. */
export function layerKey(inputs: unknown): string {
  return createHash("sha256").update(JSON.stringify({ format: LAYER_FORMAT, inputs })).digest("hex");
}

export class LayerCache {
  constructor(readonly dir: string) {}

  private recordPath(key: string): string {
    return join(this.dir, "layers", `${key}.json`);
  }

  blobPath(digest: Digest): string {
    return join(this.dir, "blobs", digest.slice("sha256:".length));
  }

  /** The cached layer for `key`, if its record and file are both there (file size checked). */
  async get(key: string): Promise<CachedLayer | undefined> {
    let rec: LayerRecord;
    try {
      const v = JSON.parse(await readFile(this.recordPath(key), "utf8")) as Record<string, unknown>;
      rec = {
        digest: parseDigest(String(v.digest)),
        diffId: parseDigest(String(v.diffId)),
        size: Number(v.size),
        uncompressedSize: Number(v.uncompressedSize),
      };
      const st = await stat(this.blobPath(rec.digest));
      if (!st.isFile() || st.size !== rec.size) return undefined;
    } catch {
      return undefined;
    }
    return this.layerOf(rec);
  }

  /** Builds a layer into the cache and records it under `key` (the record is written last, atomically). */
  async put(key: string, build: (outputDir: string) => Promise<layer.BuiltLayer>): Promise<CachedLayer> {
    const built = await build(join(this.dir, "blobs"));
    const s = built.stats;
    const rec: LayerRecord = { digest: s.digest, diffId: s.diffId, size: s.size, uncompressedSize: s.uncompressedSize };
    await mkdir(join(this.dir, "layers"), { recursive: true });
    await writeFileAtomic(this.recordPath(key), `${JSON.stringify(rec)}\n`);
    return this.layerOf(rec);
  }

  private layerOf(rec: LayerRecord): CachedLayer {
    const path = this.blobPath(rec.digest);
    const l = partial.compressedToLayer({
      descriptor: { mediaType: MediaType.OciLayerGzip, digest: rec.digest, size: rec.size },
      diffId: rec.diffId,
      open: async () => createReadStream(path),
    });
    return Object.assign(l, { filePath: () => path, record: rec });
  }
}

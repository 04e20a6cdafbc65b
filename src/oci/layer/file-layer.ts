import type { Readable } from "node:stream";
import { open } from "node:fs/promises";
import type { Digest } from "../digest.js";
import { OciError } from "../errors.js";
import type { Layer } from "../image.js";
import { MediaType } from "../media-type.js";
import { decompress } from "../partial/index.js";

/** What building a layer measured, all while the bytes streamed. */
export interface LayerStats {
  /** sha256 of the gzip bytes. */
  digest: Digest;
  /** sha256 of the tar. */
  diffId: Digest;
  /** Bytes of gzip. */
  size: number;
  /** Bytes of tar. */
  uncompressedSize: number;
  /** Tar entries (files, folders, links), not counting pax headers. */
  entries: number;
}

/** A layer built by this module: a gzip tar in a file, with what building it measured. */
export interface BuiltLayer extends Layer {
  filePath(): string;
  readonly stats: LayerStats;
}

/** A Layer over a gzip tar file whose digests are already known. */
export function fileLayer(path: string, stats: LayerStats): BuiltLayer {
  const openFile = async (): Promise<Readable> => {
    try {
      return (await open(path)).createReadStream();
    } catch (err) {
      throw new OciError("OCI_BLOB_NOT_FOUND", `layer file ${path} (${stats.digest}) cannot be opened`, { cause: err });
    }
  };
  return {
    digest: () => Promise.resolve(stats.digest),
    diffId: () => Promise.resolve(stats.diffId),
    size: () => Promise.resolve(stats.size),
    mediaType: () => Promise.resolve(MediaType.OciLayerGzip),
    compressed: openFile,
    uncompressed: async () => decompress(MediaType.OciLayerGzip, await openFile()),
    filePath: () => path,
    stats,
  };
}

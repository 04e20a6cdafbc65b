import { Readable } from "node:stream";
import { gunzipSync, gzipSync } from "node:zlib";
import { type Digest, sha256 } from "./digest.js";
import type { Layer } from "./image.js";
import { layerCompression, MediaType } from "./media-type.js";

/**
 * A layer held in memory. For small layers only (configs of tests, tiny metadata layers); real
 * layers stream from files.
 */
export function layerFromBytes(stored: Uint8Array, mediaType: string = MediaType.OciLayerGzip): Layer {
  const compressed = layerCompression(mediaType) === "gzip";
  const tar = compressed ? gunzipSync(stored) : Buffer.from(stored);
  const digest = sha256(stored);
  const diffId: Digest = compressed ? sha256(tar) : digest;
  return {
    digest: () => Promise.resolve(digest),
    diffId: () => Promise.resolve(diffId),
    size: () => Promise.resolve(stored.length),
    mediaType: () => Promise.resolve(mediaType),
    compressed: () => Promise.resolve(Readable.from([Buffer.from(stored)])),
    uncompressed: () => Promise.resolve(Readable.from([tar])),
  };
}

/** Gzips an in-memory tar (deterministically: no name, mtime 0) into a layer. */
export function layerFromTarBytes(tar: Uint8Array): Layer {
  return layerFromBytes(gzipSync(tar, { level: 6 }), MediaType.OciLayerGzip);
}

import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import * as zlib from "node:zlib";
import type { Descriptor } from "../descriptor.js";
import { type Digest, DigestingStream } from "../digest.js";
import { OciError } from "../errors.js";
import type { Layer, RegistryOrigin } from "../image.js";
import { layerCompression } from "../media-type.js";
import { once } from "../memo.js";

/** The minimum a backend must supply for a layer it stores compressed. */
export interface CompressedLayerCore {
  descriptor: Descriptor;
  /** The diffID if the caller knows it (usually from the image config). */
  diffId?: Digest;
  /** Opens the stored bytes. */
  open(): Promise<Readable>;
  origin?: RegistryOrigin;
}

/** Decompresses a layer blob of the given media type. */
export function decompress(mediaType: string, stored: Readable): Readable {
  const c = layerCompression(mediaType);
  if (c === "none") return stored;
  if (c === "gzip") return stored.pipe(createGunzip());
  const z = zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream };
  if (z.createZstdDecompress) return stored.pipe(z.createZstdDecompress()) as unknown as Readable;
  throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `zstd layers need Node.js 22.15 or newer (layer media type ${mediaType})`);
}

/** Hashes a stream to its end, returning its digest and size. */
export async function digestStream(s: Readable): Promise<{ digest: Digest; size: number }> {
  const d = new DigestingStream();
  for await (const _ of s.pipe(d)) {
    // drain
  }
  return { digest: d.digest, size: d.size };
}

/** A full Layer from a compressed core; the diffID is computed (once) only if nobody supplied it. */
export function compressedToLayer(core: CompressedLayerCore): Layer {
  const diffId = core.diffId
    ? () => Promise.resolve(core.diffId as Digest)
    : once(async () => (await digestStream(decompress(core.descriptor.mediaType, await core.open()))).digest);
  const layer: Layer = {
    digest: () => Promise.resolve(core.descriptor.digest),
    diffId,
    size: () => Promise.resolve(core.descriptor.size),
    mediaType: () => Promise.resolve(core.descriptor.mediaType),
    compressed: () => core.open(),
    uncompressed: async () => decompress(core.descriptor.mediaType, await core.open()),
    descriptor: () => Promise.resolve(core.descriptor),
  };
  if (core.origin) {
    const origin = core.origin;
    layer.origin = () => origin;
  }
  return layer;
}

/** The descriptor a layer is written with. */
export async function layerDescriptor(layer: Layer): Promise<Descriptor> {
  if (layer.descriptor) return layer.descriptor();
  const [mediaType, digest, size] = await Promise.all([layer.mediaType(), layer.digest(), layer.size()]);
  return { mediaType, digest, size };
}

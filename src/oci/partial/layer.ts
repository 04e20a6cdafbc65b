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

/** `src.pipe(dest)`, but an error of `src` also destroys `dest`, so readers of `dest` see it. */
export function pipeWithErrors<T extends NodeJS.WritableStream & Readable>(src: Readable, dest: T): T {
  src.once("error", (e) => dest.destroy(e));
  return src.pipe(dest);
}

/** Decompresses a layer blob of the given media type. Errors of `stored` reach the result. */
export function decompress(mediaType: string, stored: Readable): Readable {
  const c = layerCompression(mediaType);
  if (c === "none") return stored;
  if (c === "gzip") return pipeWithErrors(stored, createGunzip() as unknown as Readable & NodeJS.WritableStream);
  const z = zlib as unknown as { createZstdDecompress?: () => Readable & NodeJS.WritableStream };
  if (z.createZstdDecompress) return pipeWithErrors(stored, z.createZstdDecompress());
  throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `zstd layers need Node.js 22.15 or newer (layer media type ${mediaType})`);
}

/** Hashes a stream to its end, returning its digest and size. */
export async function digestStream(s: Readable): Promise<{ digest: Digest; size: number }> {
  const d = new DigestingStream();
  for await (const _ of pipeWithErrors(s, d)) {
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

import { PassThrough, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import * as zlib from "node:zlib";
import type { Descriptor } from "../descriptor.js";
import { type Digest, DigestingStream, VerifyingStream } from "../digest.js";
import { PaketoError } from "../../errors/index.js";
import { OciError } from "../errors.js";
import type { Layer, RegistryOrigin } from "../image.js";
import { layerCompression } from "../media-type.js";
import { once } from "../memo.js";

/** The minimum a backend must supply for a layer it stores compressed. */
export interface CompressedLayerCore {
  descriptor: Descriptor;
  /**
   * The diffID if the caller knows it (usually from the image config). It is a claim: the tar is
   * checked against it whenever uncompressed() is read to its end.
   */
  diffId?: Digest;
  /** Opens the stored bytes. */
  open(): Promise<Readable>;
  origin?: RegistryOrigin;
  /** Where the layer comes from, for messages (`OCI layout /x`, `127.0.0.1:5000/app`). */
  source?: string;
}

/**
 * `src.pipe(dest)`, tied both ways: an error of `src` destroys `dest` with it (so readers of `dest`
 * see it), and `dest` closing early (a reader that stopped) destroys `src`, so a file or socket
 * behind it is closed instead of left for the garbage collector.
 */
export function pipeWithErrors<T extends NodeJS.WritableStream & Readable>(src: Readable, dest: T): T {
  return chain([src, dest]) as T;
}

/**
 * Pipes streams one into the next and returns the last. The first error anywhere destroys the
 * last stream with that error (passed through `mapError`), and the last stream closing, for
 * whatever reason, destroys every stream before it.
 */
export function chain(streams: readonly Readable[], mapError: (e: Error) => Error = (e) => e): Readable {
  const last = streams.at(-1) as Readable;
  for (let i = 0; i < streams.length - 1; i++) {
    const s = streams[i] as Readable;
    s.on("error", (e: Error) => last.destroy(mapError(e)));
    s.pipe(streams[i + 1] as unknown as NodeJS.WritableStream);
  }
  if (streams.length > 1) {
    last.once("close", () => {
      for (const s of streams) if (s !== last && !s.destroyed) s.destroy();
    });
  }
  return last;
}

function decompressor(mediaType: string): Readable | undefined {
  const c = layerCompression(mediaType);
  if (c === "none") return undefined;
  if (c === "gzip") return createGunzip() as unknown as Readable;
  const z = zlib as unknown as { createZstdDecompress?: () => Readable };
  if (z.createZstdDecompress) return z.createZstdDecompress();
  throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `zstd layers need Node.js 22.15 or newer (layer media type ${mediaType})`);
}

/** Decompresses a layer blob of the given media type. Errors of `stored` reach the result. */
export function decompress(mediaType: string, stored: Readable): Readable {
  const d = decompressor(mediaType);
  return d ? chain([stored, d]) : stored;
}

/** What layerTar needs to know to check a layer and name it in errors. */
export interface LayerTarOptions {
  /** The compressed digest, naming the layer in messages. */
  digest: Digest;
  /** The diffID the image's config claims: the tar must hash to it, else the stream fails at its end. */
  diffId?: Digest;
  /** Where the layer comes from, for messages: `OCI layout /x`, `127.0.0.1:5000/app`. */
  source?: string;
}

/** `layer sha256:ab12… of OCI layout /x`: how errors name a layer. */
export function layerName(digest: string, source?: string): string {
  return `layer ${digest}${source ? ` of ${source}` : ""}`;
}

/**
 * The tar inside a stored layer. A diffID claimed by a config is untrusted: when given, the tar is
 * hashed while it streams and the stream fails at its end unless it matches, so nothing keyed by
 * that diffID is ever published from other content. Bytes that do not decompress fail as
 * OCI_CORRUPT_LAYER naming the layer; errors of `stored` (a digest mismatch) pass as they are,
 * and destroying the result closes `stored`.
 */
export function layerTar(mediaType: string, stored: Readable, o: LayerTarOptions): Readable {
  const name = layerName(o.digest, o.source);
  const streams: Readable[] = [stored];
  const d = decompressor(mediaType);
  if (d) streams.push(d);
  // The decompressor is never last: only errors of the streams before the last are reworded.
  streams.push(o.diffId ? new VerifyingStream(o.diffId, undefined, `${name} (its tar, against the diffID in the image config)`) : new PassThrough());
  return chain(streams, (e) => corruptLayer(e, name, mediaType));
}

/** A decompressor's failure, worded as the layer's: zlib's own errors say neither which nor why. */
function corruptLayer(e: Error, name: string, mediaType: string): Error {
  if (e instanceof PaketoError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? "";
  if (!code.startsWith("Z_") && !code.startsWith("ERR_ZSTD") && !/zlib|zstd|unexpected end of file/i.test(e.message)) return e;
  const truncated = /unexpected end of file/i.test(e.message) || code === "Z_BUF_ERROR";
  const kind = layerCompression(mediaType);
  return new OciError("OCI_CORRUPT_LAYER", `${name} is ${truncated ? "truncated" : "corrupt"}: ${truncated ? `its ${kind} data ends early` : `not valid ${kind} data`} (${e.message})`, {
    cause: e,
    hint: "the blob is damaged: pull or copy the image again",
  });
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
  const d = core.descriptor;
  const named = { digest: d.digest, ...(core.source ? { source: core.source } : {}) };
  const diffId = core.diffId
    ? () => Promise.resolve(core.diffId as Digest)
    : once(async () => (await digestStream(layerTar(d.mediaType, await core.open(), named))).digest);
  const layer: Layer = {
    digest: () => Promise.resolve(d.digest),
    diffId,
    size: () => Promise.resolve(d.size),
    mediaType: () => Promise.resolve(d.mediaType),
    compressed: () => core.open(),
    uncompressed: async () => layerTar(d.mediaType, await core.open(), core.diffId ? { ...named, diffId: core.diffId } : named),
    descriptor: () => Promise.resolve(d),
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

import { type Readable, pipeline } from "node:stream";
import type { Descriptor } from "../descriptor.js";
import { type Digest, verifyBytes, VerifyingStream } from "../digest.js";
import { OciError } from "../errors.js";
import type { Artifact, Image, ImageIndex, Layer } from "../image.js";
import { isImageManifestMediaType, isIndexMediaType } from "../media-type.js";
import { once } from "../memo.js";
import { imageFromParts, toImage, toImageIndex } from "../partial/index.js";

/**
 * Where a content-addressed reader gets blobs: a layout directory, a range of a tar file, a
 * store. Sources are untrusted: `open` and `bytes` must verify what they return.
 */
export interface BlobSource {
  /** Names the source in messages: `layout /tmp/x`, `oci-archive app.tar`. */
  readonly what: string;
  /** The blob's bytes, verified against the descriptor's digest and size while they stream. */
  open(d: Descriptor): Promise<Readable>;
  /** A small blob (manifest, config) read whole and verified. */
  bytes(d: Descriptor): Promise<Uint8Array>;
  /**
   * A file holding exactly the blob, offered to sinks for hard-linking. Only sources whose files
   * were verified when written (the store) offer one: a link copies no bytes, so checks nothing.
   */
  filePath?(d: Digest): string | undefined;
}

/** Small blobs are read into memory; anything claiming to be bigger is refused before reading. */
export const MAX_SMALL_BLOB = 16 * 1024 * 1024;

export function checkSmall(d: Descriptor, what: string): void {
  if (d.size > MAX_SMALL_BLOB) {
    throw new OciError("OCI_LIMIT_EXCEEDED", `${what}: ${d.digest} is ${d.size} bytes, over the ${MAX_SMALL_BLOB} byte limit for manifests and configs`);
  }
}

/** Pipes `src` through a VerifyingStream; errors of either side surface on the returned stream. */
export function verified(src: Readable, d: { digest: Digest; size: number }, what: string): Readable {
  const v = new VerifyingStream(d.digest, d.size, what);
  pipeline(src, v, () => {});
  return v;
}

/** Checks bytes read whole against a descriptor. */
export function verifySmall(data: Uint8Array, d: Descriptor, what: string): Uint8Array {
  if (data.length !== d.size) {
    throw new OciError("OCI_SIZE_MISMATCH", `${what}: got ${data.length} bytes, expected ${d.size}`);
  }
  verifyBytes(data, d.digest, what);
  return data;
}

/** The image or index a descriptor names, read lazily from a blob source. */
export function artifactFromSource(source: BlobSource, d: Descriptor): Artifact {
  if (isIndexMediaType(d.mediaType)) return { kind: "index", index: indexFromSource(source, d) };
  if (isImageManifestMediaType(d.mediaType)) return { kind: "image", image: imageFromSource(source, d) };
  throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `${source.what}: ${d.digest} has media type ${d.mediaType}, which is neither an image nor an index`);
}

export function indexFromSource(source: BlobSource, d: Descriptor): ImageIndex {
  return toImageIndex({
    rawManifest: () => source.bytes(d),
    image: async (child) => imageFromSource(source, child),
    imageIndex: async (child) => indexFromSource(source, child),
    digest: d.digest,
    source: source.what,
  });
}

export function imageFromSource(source: BlobSource, d: Descriptor): Image {
  const img = toImage({
    rawManifest: () => source.bytes(d),
    blob: (b) => source.open(b),
    blobBytes: (b) => source.bytes(b),
    digest: d.digest,
    source: source.what,
  });
  const filePath = source.filePath?.bind(source);
  const layers = once(async () => {
    const [ls, m] = await Promise.all([img.layers(), img.manifest()]);
    if (!filePath) return ls;
    // Offer each layer's file, so a sink on the same filesystem can hard-link it.
    return ls.map((l, i): Layer => {
      const path = filePath((m.layers[i] as Descriptor).digest);
      return path ? { ...l, filePath: () => path } : l;
    });
  });
  return imageFromParts({
    mediaType: img.mediaType,
    rawManifest: img.rawManifest,
    manifest: img.manifest,
    digest: img.digest,
    rawConfigFile: img.rawConfigFile,
    configFile: img.configFile,
    layers,
  });
}

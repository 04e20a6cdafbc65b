import { Readable } from "node:stream";
import type { Descriptor } from "../descriptor.js";
import { OciError } from "../errors.js";
import type { Artifact, Image, ImageIndex } from "../image.js";
import { isImageManifestMediaType, isIndexMediaType } from "../media-type.js";

/** One blob a sink must store. */
export interface BlobToWrite {
  descriptor: Descriptor;
  kind: "manifest" | "index" | "config" | "layer";
  /** The bytes, for manifests and configs (small, already in memory). */
  bytes?: Uint8Array;
  /** A fresh stream of the stored bytes. */
  open(): Promise<Readable>;
  /** A local file with exactly these bytes, when the source offers one (hard-link candidate). */
  filePath?: string;
}

/**
 * Every blob of an artifact, each once, in an order that never lists a manifest before the blobs
 * it references (children first, the root manifest last). A sink that writes in this order never
 * has a manifest whose content is missing, even when interrupted.
 */
export async function artifactBlobs(a: Artifact): Promise<{ root: Descriptor; blobs: BlobToWrite[] }> {
  const out = new Map<string, BlobToWrite>();
  const add = (b: BlobToWrite) => {
    if (!out.has(b.descriptor.digest)) out.set(b.descriptor.digest, b);
  };
  const root = a.kind === "image" ? await imageBlobs(a.image, add) : await indexBlobs(a.index, add, 0);
  return { root, blobs: [...out.values()] };
}

function bytesBlob(descriptor: Descriptor, kind: BlobToWrite["kind"], bytes: Uint8Array): BlobToWrite {
  return { descriptor, kind, bytes, open: () => Promise.resolve(Readable.from([Buffer.from(bytes)])) };
}

async function imageBlobs(img: Image, add: (b: BlobToWrite) => void): Promise<Descriptor> {
  const [raw, m, layers, rawConfig, digest, mediaType] = await Promise.all([
    img.rawManifest(),
    img.manifest(),
    img.layers(),
    img.rawConfigFile(),
    img.digest(),
    img.mediaType(),
  ]);
  if (layers.length !== m.layers.length) {
    throw new OciError("OCI_INVALID_MANIFEST", `image ${digest} lists ${m.layers.length} layers but has ${layers.length}`);
  }
  m.layers.forEach((descriptor, i) => {
    const layer = layers[i];
    if (!layer) return;
    const b: BlobToWrite = { descriptor, kind: "layer", open: () => layer.compressed() };
    const file = layer.filePath?.();
    if (file) b.filePath = file;
    add(b);
  });
  add(bytesBlob(m.config, "config", rawConfig));
  const root: Descriptor = { mediaType, digest, size: raw.length };
  add(bytesBlob(root, "manifest", raw));
  return root;
}

const MAX_DEPTH = 8;

async function indexBlobs(idx: ImageIndex, add: (b: BlobToWrite) => void, depth: number, top?: ImageIndex): Promise<Descriptor> {
  const [raw, m, digest, mediaType] = await Promise.all([idx.rawManifest(), idx.indexManifest(), idx.digest(), idx.mediaType()]);
  const outer = top ?? idx;
  const where = async () => {
    const from = idx.source ?? outer.source;
    return `${outer === idx ? "" : ` (under index ${await outer.digest()})`}${from ? ` of ${from}` : ""}`;
  };
  if (depth > MAX_DEPTH) throw new OciError("OCI_LIMIT_EXCEEDED", `index ${digest}${await where()} nests indexes more than ${MAX_DEPTH} deep`);
  for (const child of m.manifests) {
    if (isIndexMediaType(child.mediaType)) await indexBlobs(await idx.imageIndex(child.digest), add, depth + 1, outer);
    else if (isImageManifestMediaType(child.mediaType)) await imageBlobs(await idx.image(child.digest), add);
    else {
      throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `index ${digest}${await where()} lists ${child.digest} of media type ${child.mediaType}, which cannot be copied`);
    }
  }
  const root: Descriptor = { mediaType, digest, size: raw.length };
  add(bytesBlob(root, "index", raw));
  return root;
}

import type { Readable } from "node:stream";
import { type ConfigFile, parseConfigFile } from "../config.js";
import type { Descriptor } from "../descriptor.js";
import { type Digest, sha256 } from "../digest.js";
import { OciError } from "../errors.js";
import type { Image, ImageIndex, Layer, RegistryOrigin } from "../image.js";
import { type IndexManifest, type Manifest, parseIndexManifest, parseManifest } from "../manifest.js";
import { once } from "../memo.js";
import { compressedToLayer } from "./layer.js";

/**
 * The minimum a backend supplies for an image: the manifest bytes and a way to open a blob.
 * Everything else (parsing, digests, layers with diffIDs from the config) is derived here, once.
 */
export interface ImageCore {
  rawManifest(): Promise<Uint8Array>;
  /** Opens a blob named by a descriptor from this image's manifest; must verify what it returns or be trusted storage. */
  blob(d: Descriptor): Promise<Readable>;
  /** Reads a small blob (the config) fully; defaults to draining blob(). */
  blobBytes?(d: Descriptor): Promise<Uint8Array>;
  /** Where the blobs live in a registry, if they do (enables cross-repository mounts). */
  origin?: RegistryOrigin;
  /** A known manifest digest (saves hashing when the transport already verified it). */
  digest?: Digest;
  /** Where the image comes from, naming its layers in messages (`OCI layout /x`, `127.0.0.1:5000/app`). */
  source?: string;
}

export async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function toImage(core: ImageCore): Image {
  const rawManifest = once(core.rawManifest.bind(core));
  const manifest = once(async () => parseManifest(await rawManifest()));
  const digest = once(async () => core.digest ?? sha256(await rawManifest()));
  const rawConfigFile = once(async () => {
    const m = await manifest();
    const bytes = core.blobBytes ? await core.blobBytes(m.config) : await readAll(await core.blob(m.config));
    return bytes;
  });
  const configFile = once(async () => parseConfigFile(await rawConfigFile()));
  const layers = once(async (): Promise<Layer[]> => {
    const [m, c] = await Promise.all([manifest(), configFile()]);
    const diffIds = c.rootfs.diff_ids;
    if (diffIds.length !== m.layers.length) {
      throw new OciError(
        "OCI_INVALID_MANIFEST",
        `image has ${m.layers.length} layers but its config lists ${diffIds.length} diff_ids`,
      );
    }
    return m.layers.map((d, i) => {
      const c: Parameters<typeof compressedToLayer>[0] = {
        descriptor: d,
        diffId: diffIds[i] as Digest,
        open: () => core.blob(d),
      };
      if (core.origin) c.origin = core.origin;
      if (core.source) c.source = core.source;
      return compressedToLayer(c);
    });
  });
  return imageFromParts({
    mediaType: async () => (await manifest()).mediaType,
    rawManifest,
    manifest,
    digest,
    rawConfigFile,
    configFile,
    layers,
  });
}

/** Fills in size, configName and the layer lookups from the core methods of an image. */
export function imageFromParts(p: {
  mediaType(): Promise<string>;
  rawManifest(): Promise<Uint8Array>;
  manifest(): Promise<Manifest>;
  digest(): Promise<Digest>;
  rawConfigFile(): Promise<Uint8Array>;
  configFile(): Promise<ConfigFile>;
  layers(): Promise<Layer[]>;
}): Image {
  const byDigest = async (want: Digest): Promise<Layer> => {
    const ls = await p.layers();
    for (const l of ls) if ((await l.digest()) === want) return l;
    throw new OciError("OCI_BLOB_NOT_FOUND", `image has no layer with digest ${want}`);
  };
  const byDiffId = async (want: Digest): Promise<Layer> => {
    const ls = await p.layers();
    for (const l of ls) if ((await l.diffId()) === want) return l;
    throw new OciError("OCI_BLOB_NOT_FOUND", `image has no layer with diffID ${want}`);
  };
  return {
    mediaType: p.mediaType,
    rawManifest: p.rawManifest,
    manifest: p.manifest,
    digest: p.digest,
    size: async () => (await p.rawManifest()).length,
    rawConfigFile: p.rawConfigFile,
    configFile: p.configFile,
    configName: async () => (await p.manifest()).config.digest,
    layers: p.layers,
    layerByDigest: byDigest,
    layerByDiffId: byDiffId,
  };
}

/** The minimum a backend supplies for an index. */
export interface IndexCore {
  rawManifest(): Promise<Uint8Array>;
  image(d: Descriptor): Promise<Image>;
  imageIndex(d: Descriptor): Promise<ImageIndex>;
  digest?: Digest;
  /** Where the index comes from, for messages. */
  source?: string;
}

export function toImageIndex(core: IndexCore): ImageIndex {
  const rawManifest = once(core.rawManifest.bind(core));
  const indexManifest = once(async (): Promise<IndexManifest> => parseIndexManifest(await rawManifest()));
  const find = async (d: Digest): Promise<Descriptor> => {
    const m = await indexManifest();
    const desc = m.manifests.find((x) => x.digest === d);
    if (!desc) throw new OciError("OCI_IMAGE_NOT_FOUND", `index has no manifest ${d}`);
    return desc;
  };
  const idx: ImageIndex = {
    mediaType: async () => (await indexManifest()).mediaType,
    rawManifest,
    indexManifest,
    digest: once(async () => core.digest ?? sha256(await rawManifest())),
    size: async () => (await rawManifest()).length,
    image: async (d) => core.image(await find(d)),
    imageIndex: async (d) => core.imageIndex(await find(d)),
  };
  return core.source ? { ...idx, source: core.source } : idx;
}

// Test fixtures for the layout, archive and store tests. Never imported by product code.
import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { serializeConfigFile, type ConfigFile } from "../../config.js";
import type { Descriptor } from "../../descriptor.js";
import { type Digest, sha256 } from "../../digest.js";
import { emptyImage } from "../../empty.js";
import type { Image, ImageIndex, Layer } from "../../image.js";
import { serializeIndexManifest } from "../../manifest.js";
import { MediaType } from "../../media-type.js";
import { appendLayers, withManifestFormat } from "../../mutate/index.js";
import { readAll, toImage, toImageIndex } from "../../partial/index.js";
import { layerFromTarBytes } from "../../static-layer.js";

/** A tar of the given files, made with tar-stream (an implementation independent of ours). */
export async function tarOf(files: Record<string, string | Buffer>): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) {
    pack.entry({ name, mode: 0o644, mtime: new Date(0), uid: 0, gid: 0 }, Buffer.from(content));
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** An image of `n` small gzip layers with random content, in OCI or Docker media types. */
export async function randomImage(n = 2, opts: { format?: "oci" | "docker"; bytes?: number } = {}): Promise<Image> {
  const layers: Layer[] = [];
  for (let i = 0; i < n; i++) {
    layers.push(layerFromTarBytes(await tarOf({ [`file-${i}.bin`]: randomBytes(opts.bytes ?? 1000) })));
  }
  let img = appendLayers(emptyImage(), ...layers);
  if (opts.format === "docker") img = withManifestFormat(img, "docker");
  return img;
}

/** An index over images (each with its platform), as registries serve multi-arch images. */
export async function indexOf(images: Image[]): Promise<ImageIndex> {
  const manifests: Descriptor[] = [];
  const byDigest = new Map<string, Image>();
  for (const [i, img] of images.entries()) {
    const d = await img.digest();
    byDigest.set(d, img);
    manifests.push({
      mediaType: await img.mediaType(),
      digest: d,
      size: (await img.rawManifest()).length,
      platform: { os: "linux", architecture: i === 0 ? "amd64" : "arm64" },
    });
  }
  const raw = serializeIndexManifest({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests });
  return toImageIndex({
    rawManifest: async () => raw,
    image: async (d) => byDigest.get(d.digest) as Image,
    imageIndex: async () => {
      throw new Error("no nested index");
    },
  });
}

/**
 * An image whose manifest bytes are not what paketo would serialise (indented, keys in another
 * order), to prove sinks store manifests byte for byte.
 */
export async function oddlyFormattedImage(): Promise<Image> {
  const layerTar = await tarOf({ "hello.txt": "hello\n" });
  const layer = layerFromTarBytes(layerTar);
  const config: ConfigFile = {
    architecture: "amd64",
    os: "linux",
    config: { Cmd: ["/hello"] },
    rootfs: { type: "layers", diff_ids: [await layer.diffId()] },
  };
  const rawConfig = serializeConfigFile(config);
  const blobs = new Map<string, Uint8Array>([
    [sha256(rawConfig), rawConfig],
    [await layer.digest(), await readAll(await layer.compressed())],
  ]);
  const manifest = {
    layers: [{ digest: await layer.digest(), size: await layer.size(), mediaType: MediaType.OciLayerGzip }],
    config: { size: rawConfig.length, digest: sha256(rawConfig), mediaType: MediaType.OciConfig },
    mediaType: MediaType.OciManifest,
    schemaVersion: 2,
  };
  const raw = Buffer.from(JSON.stringify(manifest, null, 3));
  return toImage({
    rawManifest: async () => raw,
    blob: async (d) => Readable.from([Buffer.from(blobs.get(d.digest) as Uint8Array)]),
  });
}

/** Everything about an image a round trip must keep: manifest digest and bytes, config, layer bytes. */
export async function snapshot(img: Image): Promise<{ digest: Digest; manifest: string; config: string; layers: string[]; diffIds: string[] }> {
  const layers = await img.layers();
  return {
    digest: await img.digest(),
    manifest: Buffer.from(await img.rawManifest()).toString("base64"),
    config: Buffer.from(await img.rawConfigFile()).toString("base64"),
    layers: await Promise.all(layers.map(async (l) => sha256(await readAll(await l.compressed())))),
    diffIds: await Promise.all(layers.map(async (l) => sha256(await readAll(await l.uncompressed())))),
  };
}

/** A layer whose stream does not match its digest: what a corrupt or lying source gives. */
export function lyingLayer(real: Layer): Layer {
  return {
    ...real,
    compressed: async () => Readable.from([randomBytes(await real.size())]),
  };
}

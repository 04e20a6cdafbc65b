import { type ConfigFile, serializeConfigFile } from "../config.js";
import { sha256 } from "../digest.js";
import type { Image, Layer } from "../image.js";
import { type Manifest, serializeManifest } from "../manifest.js";
import { isDockerMediaType, MediaType, toDockerMediaType } from "../media-type.js";
import { once } from "../memo.js";
import { imageFromParts } from "../partial/image.js";
import { layerDescriptor } from "../partial/layer.js";

/** What an image is made of, as plain values a mutation can change. */
export interface Parts {
  /** The manifest to start from; config and layer descriptors are recomputed from `config` and `layers`. */
  manifest: Manifest;
  config: ConfigFile;
  layers: Layer[];
}

export async function partsOf(img: Image): Promise<Parts> {
  const [manifest, config, layers] = await Promise.all([img.manifest(), img.configFile(), img.layers()]);
  return { manifest: structuredClone(manifest), config: structuredClone(config), layers: [...layers] };
}

function toOciMediaType(mt: string): string {
  switch (mt) {
    case MediaType.DockerLayer:
      return MediaType.OciLayerGzip;
    case MediaType.DockerForeignLayer:
      return MediaType.OciLayerNondistributableGzip;
    default:
      return mt;
  }
}

/**
 * Builds an image from parts computed lazily, once. The config blob and the manifest are
 * re-serialised; layer descriptors come from the layers, with media types in the manifest's flavour.
 */
export function imageFromComputedParts(compute: () => Promise<Parts>): Image {
  const parts = once(compute);
  const built = once(async () => {
    const p = await parts();
    const docker = isDockerMediaType(p.manifest.mediaType);
    const rawConfig = serializeConfigFile(p.config);
    const layerDescs = await Promise.all(
      p.layers.map(async (l) => {
        const d = await layerDescriptor(l);
        return { ...d, mediaType: docker ? toDockerMediaType(d.mediaType) : toOciMediaType(d.mediaType) };
      }),
    );
    const manifest: Manifest = {
      ...p.manifest,
      config: {
        mediaType: docker ? MediaType.DockerConfig : MediaType.OciConfig,
        digest: sha256(rawConfig),
        size: rawConfig.length,
      },
      layers: layerDescs,
    };
    const rawManifest = serializeManifest(manifest);
    return { manifest, rawManifest, rawConfig, config: p.config, layers: p.layers };
  });
  return imageFromParts({
    mediaType: async () => (await built()).manifest.mediaType,
    rawManifest: async () => (await built()).rawManifest,
    manifest: async () => (await built()).manifest,
    digest: once(async () => sha256((await built()).rawManifest)),
    rawConfigFile: async () => (await built()).rawConfig,
    configFile: async () => structuredClone((await built()).config),
    layers: async () => (await built()).layers,
  });
}

/** Derives a new image from `base` by applying `fn` to a copy of its parts. */
export function derive(base: Image, fn: (p: Parts) => Parts | Promise<Parts>): Image {
  return imageFromComputedParts(async () => fn(await partsOf(base)));
}

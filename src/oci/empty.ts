import { REPRODUCIBLE_EPOCH_SECONDS } from "./config.js";
import type { Image } from "./image.js";
import { MediaType } from "./media-type.js";
import { imageFromComputedParts } from "./mutate/parts.js";

/** An image with no layers and an empty config, to build on. */
export function emptyImage(opts: { architecture?: string; os?: string; format?: "oci" | "docker" } = {}): Image {
  return imageFromComputedParts(async () => ({
    manifest: {
      schemaVersion: 2,
      mediaType: opts.format === "docker" ? MediaType.DockerManifest : MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: "" as never, size: 0 },
      layers: [],
    },
    config: {
      created: new Date(REPRODUCIBLE_EPOCH_SECONDS * 1000).toISOString().replace(/\.000Z$/, "Z"),
      architecture: opts.architecture ?? "amd64",
      os: opts.os ?? "linux",
      config: {},
      rootfs: { type: "layers", diff_ids: [] },
      history: [],
    },
    layers: [],
  }));
}

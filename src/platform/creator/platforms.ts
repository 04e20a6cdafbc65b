// `paketo build --platform linux/amd64,linux/arm64`: one build per platform, each on that
// platform's builder and run image (indexes give them), each with its own cache and its previous
// image taken from the destination's index; the images become one OCI image index at the
// destination. Each image is reproducible on its own, and the index lists them in the order
// asked, so the index is too (docs/multiarch.md).
import { join } from "node:path";
import { cacheLayout } from "../../deps/index.js";
import { PaketoError } from "../../errors/index.js";
import { formatPlatform, type Image, type ImageIndex, mutate, type Platform, transport } from "../../oci/index.js";
import { buildImage } from "./build.js";
import type { BuildOptions, BuildOutcome } from "./options.js";
import { openWorkDir, removeTree } from "./work-dir.js";

export interface PlatformsOutcome {
  /** The index's digest. */
  digest: string;
  index: ImageIndex;
  builds: Array<{ platform: Platform; outcome: BuildOutcome }>;
}

/** `linux/arm64/v8` → `linux-arm64-v8`: a platform as one path component. */
function platformKey(p: Platform): string {
  return formatPlatform(p).replaceAll("/", "-");
}

export async function buildPlatforms(o: BuildOptions, platforms: readonly Platform[]): Promise<PlatformsOutcome> {
  if (platforms.length === 0) throw new PaketoError("PLATFORM_USAGE", "--platform names no platform");
  if (o.cacheImage) {
    throw new PaketoError("PLATFORM_USAGE", "--cache-image holds one platform's cache; a build for several platforms keeps one cache per platform", {
      hint: "leave out --cache-image (each platform gets a cache folder), or pass --cache-dir DIR (one subfolder per platform)",
    });
  }
  const cache = cacheLayout(o.cacheRoot);
  const work = await openWorkDir(cache.work, "build");
  try {
    const builds: PlatformsOutcome["builds"] = [];
    const images: Array<{ image: Image; platform: Platform }> = [];
    // One after another: each build already uses the machine's cores, and an emulated one all of them.
    for (const platform of platforms) {
      const key = platformKey(platform);
      o.log.info(`===> ${formatPlatform(platform)}`);
      const outcome = await buildImage({
        ...o,
        platform,
        dest: `oci:${join(work, key)}`,
        previousImage: o.dest,
        noMemo: true,
        cacheDir: o.cacheDir !== undefined ? join(o.cacheDir, key) : cache.buildCache(`${o.dest} ${formatPlatform(platform)}`),
      });
      builds.push({ platform, outcome });
      const config = await outcome.image.configFile();
      images.push({ image: outcome.image, platform: { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) } });
    }
    const index = await mutate.imageIndexOf(images);
    const { digest } = await transport.write(o.dest, { kind: "index", index }, o.transport);
    return { digest, index, builds };
  } finally {
    if (!o.keepWorkDir) await removeTree(work);
  }
}

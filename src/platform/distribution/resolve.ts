// Turning a `uri` / `image` of package.toml or builder.toml into buildpacks: a folder or .tgz is
// packed into a fresh layer; a buildpackage image gives its buildpacks with their layers as they
// are (reused by digest, never re-tarred).
import { PaketoError } from "../../errors/index.js";
import type { OnProgress } from "../../oci/index.js";
import { loadBuildpack } from "./artifact.js";
import { readBuildpackage } from "./buildpackage.js";
import { DistributionError } from "./errors.js";
import type { PackagedBuildpack } from "./module.js";
import { type ImageAccess, locateModule, openImage } from "./source.js";

export interface ResolveContext {
  /** Folder relative uris are resolved from (the config file's folder). */
  baseDir: string;
  /** Scratch space for unpacked .tgz files and built layers; must outlive their use. */
  workDir: string;
  images: ImageAccess;
  sourceDateEpoch?: number;
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

export interface ResolvedModule {
  /** The buildpack the uri names. */
  main: PackagedBuildpack;
  /** It and everything that came with it (a buildpackage's other buildpacks). */
  buildpacks: PackagedBuildpack[];
}

/** Resolves one source; `where` names the config field (`builder.toml: buildpacks[2].uri`). */
export async function resolveModule(src: { uri?: string; image?: string }, where: string, ctx: ResolveContext): Promise<ResolvedModule> {
  const loc = src.image !== undefined ? ({ kind: "image", name: src.image } as const) : src.uri !== undefined ? await locateModule(src.uri, ctx.baseDir, where) : undefined;
  if (!loc) throw new DistributionError("DIST_BUILDER_CONFIG", `${where}: is required`);
  if (loc.kind === "artifact") {
    const bp = await loadBuildpack(loc.path, {
      workDir: ctx.workDir,
      ...(ctx.sourceDateEpoch !== undefined ? { sourceDateEpoch: ctx.sourceDateEpoch } : {}),
      ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    return { main: bp, buildpacks: [bp] };
  }
  // A bare name that is no file either may be a mistyped path: say both in the error.
  const bare = src.image === undefined && loc.name === src.uri && !/^(docker:\/\/|oci:|oci-archive:|docker-archive:)/.test(loc.name);
  let opened;
  try {
    opened = await openImage(loc.name, ctx.images, `buildpackage (${where})`);
  } catch (err) {
    if (!bare || !(err instanceof PaketoError)) throw err;
    throw new DistributionError("DIST_SOURCE", `${where}: ${JSON.stringify(loc.name)} is no file or folder under ${ctx.baseDir}, nor a buildpackage image: ${err.message}`, {
      cause: err,
      hint: "write a path as ./NAME, or an image as docker://HOST/REPO:TAG",
    });
  }
  const pkg = await readBuildpackage(opened.image, opened.name);
  return { main: pkg.main, buildpacks: pkg.buildpacks };
}

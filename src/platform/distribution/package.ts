// `paketo buildpack package`: a buildpack folder (or package.toml naming one and its
// dependencies) → a buildpackage image or .cnb file, written to any transport.
import { mkdir, readFile } from "node:fs/promises";
import { dirname, extname, resolve } from "node:path";
import { type PackageConfig, parsePackageConfig, type Target } from "../../cnb/index.js";
import { type Digest, type Image, remote, transport } from "../../oci/index.js";
import { buildpackageImage, type Buildpackage, readBuildpackage } from "./buildpackage.js";
import { DistributionError } from "./errors.js";
import { fullName, type PackagedBuildpack } from "./module.js";
import { resolveModule, type ResolveContext } from "./resolve.js";
import type { ImageAccess } from "./source.js";

export interface PackageBuildpackOptions {
  /** The buildpack folder or .tgz (`--path`). With `config` too, it replaces package.toml's `[buildpack] uri`. */
  path?: string;
  /** package.toml: its path, or its parsed value with the folder its relative uris start from. */
  config?: string | { config: PackageConfig; baseDir: string };
  /** Where to write, in containers/image syntax; with format "file", a file path (`.cnb` added if it has no extension). */
  dest: string;
  /** "image" (default): `dest` is an image name. "file": an OCI archive (.cnb), as pack writes. */
  format?: "image" | "file";
  /** Reading dependency images. */
  images: ImageAccess;
  /** Writing `dest` (default: `images`). */
  output?: transport.TransportOptions;
  /** Scratch space for layers; the caller removes it after this returns. */
  workDir: string;
  /** os/architecture of the image (default: the targets, then linux on this machine's architecture). */
  platform?: { os: string; architecture: string; variant?: string };
  sourceDateEpoch?: number;
  /** One line per notable step ("Packaging x@1 with 2 dependencies"). */
  onMessage?: (line: string) => void;
  signal?: AbortSignal;
}

export interface PackageResult {
  digest: Digest;
  /** What was written, in containers/image syntax. */
  destination: string;
  image: Image;
  buildpackage: Buildpackage;
}

async function loadConfig(c: NonNullable<PackageBuildpackOptions["config"]>): Promise<{ config: PackageConfig; baseDir: string }> {
  if (typeof c !== "string") return c;
  let text: string;
  try {
    text = await readFile(c, "utf8");
  } catch (err) {
    throw new DistributionError("DIST_BUILDER_CONFIG", `cannot read ${c}`, { cause: err });
  }
  return { config: parsePackageConfig(text, c), baseDir: dirname(resolve(c)) };
}

/** The platform of the image: the first target that matches this machine, else the first with an os. */
function choosePlatform(targets: readonly Target[], fallbackOs: string): { os: string; architecture: string; variant?: string } {
  const host = remote.defaultPlatform();
  const withOs = targets.filter((t) => t.os);
  const pick = withOs.find((t) => !t.arch || t.arch === host.architecture) ?? withOs[0];
  const out: { os: string; architecture: string; variant?: string } = {
    os: pick?.os ?? fallbackOs,
    architecture: pick?.arch || host.architecture,
  };
  if (pick?.variant) out.variant = pick.variant;
  return out;
}

function destinationName(dest: string, format: "image" | "file"): transport.ImageName {
  if (format === "image") return transport.parseImageName(dest);
  if (/^(docker:\/\/|oci:|oci-archive:|docker-archive:)/.test(dest)) {
    throw new DistributionError("DIST_PACKAGE", `with format file, the destination is a file path, not ${JSON.stringify(dest)}`, {
      hint: "drop --format file to write to an image transport",
    });
  }
  return { transport: "oci-archive", file: extname(dest) === "" ? `${dest}.cnb` : dest };
}

/** Packages a buildpack (and a composite's dependencies) and writes the buildpackage to `dest`. */
export async function packageBuildpack(o: PackageBuildpackOptions): Promise<PackageResult> {
  const format = o.format ?? "image";
  if (format !== "image" && format !== "file") throw new DistributionError("DIST_PACKAGE", `format must be image or file, not ${JSON.stringify(format)}`);
  if (o.path === undefined && o.config === undefined) {
    throw new DistributionError("DIST_PACKAGE", "nothing to package: give a buildpack path or a package.toml", { hint: "paketo buildpack package DEST --path DIR" });
  }
  const dest = destinationName(o.dest, format);
  const loaded = o.config === undefined ? undefined : await loadConfig(o.config);
  const where = typeof o.config === "string" ? o.config : "package.toml";
  if (loaded?.config.extension) {
    throw new DistributionError("DIST_PACKAGE", `${where}: extension: paketo does not package image extensions`, {
      hint: "paketo does not run image extensions (CNB-73)",
    });
  }
  const ctx: ResolveContext = {
    baseDir: loaded?.baseDir ?? process.cwd(),
    workDir: o.workDir,
    images: o.images,
    ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
    ...(o.images.onProgress ? { onProgress: o.images.onProgress } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const mainSource = o.path !== undefined ? { uri: resolve(o.path) } : { uri: loaded?.config.buildpack?.uri as string };
  const main = await resolveModule(mainSource, o.path !== undefined ? "--path" : `${where}: buildpack.uri`, ctx);
  const deps: PackagedBuildpack[] = main.buildpacks.filter((b) => b !== main.main);
  for (const [i, d] of (loaded?.config.dependencies ?? []).entries()) {
    const field = d.image !== undefined ? "image" : "uri";
    const r = await resolveModule(d, `${where}: dependencies[${i}].${field}`, ctx);
    deps.push(...r.buildpacks);
  }
  const targets = loaded && loaded.config.targets.length > 0 ? loaded.config.targets : main.main.targets;
  const platform = o.platform ?? choosePlatform(targets, loaded?.config.platform.os ?? "linux");
  const distinctTargets = new Set(targets.filter((t) => t.os).map((t) => `${t.os}/${t.arch ?? ""}`));
  if (!o.platform && distinctTargets.size > 1) {
    o.onMessage?.(`The targets name ${distinctTargets.size} platforms; this buildpackage is for ${platform.os}/${platform.architecture} (multi-platform buildpackages are not made yet)`);
  }
  o.onMessage?.(`Packaging ${fullName(main.main)}${deps.length > 0 ? ` with ${deps.length} dependenc${deps.length === 1 ? "y" : "ies"}` : ""} for ${platform.os}/${platform.architecture}`);
  const image = await buildpackageImage({
    main: main.main,
    dependencies: deps,
    platform,
    ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
  });
  if (dest.transport === "oci-archive" && format === "file") await mkdir(dirname(resolve(dest.file)), { recursive: true });
  const { digest } = await transport.write(dest, { kind: "image", image }, o.output ?? o.images);
  return { digest, destination: transport.formatImageName(dest), image, buildpackage: await readBuildpackage(image, transport.formatImageName(dest)) };
}

// `paketo buildpack package`: a buildpack folder (or package.toml naming one and its
// dependencies) → a buildpackage image or .cnb file, written to any transport. A folder laid out
// for several platforms (buildpack.toml at the root, each target's files in <os>/<arch>[/<variant>]/,
// as pack and Paketo's repositories have it) gives one image per platform in an index.
import { copyFile, cp, mkdir, readFile, stat } from "node:fs/promises";
import { dirname, extname, join, relative, resolve } from "node:path";
import { type BuildpackDescriptor, isComposite, type PackageConfig, parseBuildpackDescriptor, parsePackageConfig, type Target } from "../../cnb/index.js";
import { type Digest, formatPlatform, type Image, mutate, type Platform, remote, transport } from "../../oci/index.js";
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
  /** The buildpackage image (the first platform's, when an index of several was written). */
  image: Image;
  buildpackage: Buildpackage;
  /** The platforms written (`linux/amd64`...): one, or each image of the index. */
  platforms: string[];
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

interface PlatformFolder {
  platform: Platform;
  /** `<os>/<arch>[/<variant>]` under the buildpack folder. */
  dir: string;
}

/**
 * The targets' platform folders (`<os>/<arch>/<variant>`, else `<os>/<arch>`) that exist under a
 * buildpack folder; empty when it is not laid out per platform (or is not a folder).
 */
async function platformFolders(root: string, targets: readonly Target[]): Promise<PlatformFolder[]> {
  const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
  if (!(await isDir(root))) return [];
  const out: PlatformFolder[] = [];
  for (const t of targets) {
    if (!t.os || !t.arch) continue;
    const candidates = [t.variant ? join(root, t.os, t.arch, t.variant) : undefined, join(root, t.os, t.arch)].filter((c): c is string => c !== undefined);
    for (const dir of candidates) {
      if (!(await isDir(dir))) continue;
      const platform: Platform = { os: t.os, architecture: t.arch, ...(t.variant ? { variant: t.variant } : {}) };
      if (!out.some((f) => f.dir === dir)) out.push({ platform, dir });
      break;
    }
  }
  return out;
}

/** buildpack.toml of a component buildpack folder; undefined for anything else (a .tgz, an image, a composite, no or a broken buildpack.toml: resolveModule says what). */
async function componentDescriptor(dir: string): Promise<BuildpackDescriptor | undefined> {
  const text = await readFile(join(dir, "buildpack.toml"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const d = parseBuildpackDescriptor(text, join(dir, "buildpack.toml"));
    return isComposite(d) ? undefined : d;
  } catch {
    return undefined;
  }
}

/** The folder pack packages for one platform: that platform's files with the root's buildpack.toml copied in. */
async function stagePlatform(root: string, folder: PlatformFolder, workDir: string): Promise<string> {
  const staged = join(workDir, "platforms", [folder.platform.os, folder.platform.architecture, folder.platform.variant].filter(Boolean).join("-"));
  await cp(folder.dir, staged, { recursive: true, verbatimSymlinks: true });
  await copyFile(join(root, "buildpack.toml"), join(staged, "buildpack.toml"));
  return staged;
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
  const mainWhere = o.path !== undefined ? "--path" : `${where}: buildpack.uri`;
  const configTargets = loaded && loaded.config.targets.length > 0 ? loaded.config.targets : undefined;
  // pack's layout for several platforms: each target's folder becomes the buildpack's root (the
  // root itself is then never packed).
  const root = o.path !== undefined ? resolve(o.path) : resolve(ctx.baseDir, mainSource.uri ?? "");
  const rootDescriptor = await componentDescriptor(root);
  let folders = rootDescriptor ? await platformFolders(root, configTargets ?? rootDescriptor.targets) : [];
  if (o.platform) folders = folders.filter((f) => f.platform.os === o.platform!.os && f.platform.architecture === o.platform!.architecture && (!o.platform!.variant || f.platform.variant === o.platform!.variant));
  const main = folders.length > 0 ? undefined : await resolveModule(mainSource, mainWhere, ctx);
  const deps: PackagedBuildpack[] = main ? main.buildpacks.filter((b) => b !== main.main) : [];
  for (const [i, d] of (loaded?.config.dependencies ?? []).entries()) {
    const field = d.image !== undefined ? "image" : "uri";
    const r = await resolveModule(d, `${where}: dependencies[${i}].${field}`, ctx);
    deps.push(...r.buildpacks);
  }
  const withDeps = deps.length > 0 ? ` with ${deps.length} dependenc${deps.length === 1 ? "y" : "ies"}` : "";
  const imageFor = (bp: PackagedBuildpack, platform: Platform) =>
    buildpackageImage({ main: bp, dependencies: deps, platform, ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: o.sourceDateEpoch } : {}) });
  const images: { image: Image; platform: Platform }[] = [];
  if (main === undefined) {
    for (const f of folders) {
      const name = formatPlatform(f.platform);
      const staged = await stagePlatform(root, f, o.workDir);
      const bp = (await resolveModule({ uri: staged }, `${mainWhere} (${name})`, ctx)).main;
      o.onMessage?.(`Packaging ${fullName(bp)}${withDeps} for ${name} from ${relative(root, f.dir)}/`);
      images.push({ image: await imageFor(bp, f.platform), platform: f.platform });
    }
  } else {
    const targets = configTargets ?? main.main.targets;
    const platform = o.platform ?? choosePlatform(targets, loaded?.config.platform.os ?? "linux");
    const distinctTargets = new Set(targets.filter((t) => t.os).map((t) => `${t.os}/${t.arch ?? ""}`));
    if (!o.platform && distinctTargets.size > 1) {
      o.onMessage?.(`The targets name ${distinctTargets.size} platforms and the buildpack has no per-platform folders (<os>/<arch>/); this buildpackage is for ${platform.os}/${platform.architecture}`);
    }
    o.onMessage?.(`Packaging ${fullName(main.main)}${withDeps} for ${platform.os}/${platform.architecture}`);
    images.push({ image: await imageFor(main.main, platform), platform });
  }
  if (dest.transport === "oci-archive" && format === "file") await mkdir(dirname(resolve(dest.file)), { recursive: true });
  const first = images[0]!;
  const artifact = images.length === 1 ? ({ kind: "image", image: first.image } as const) : ({ kind: "index", index: await mutate.imageIndexOf(images) } as const);
  const { digest } = await transport.write(dest, artifact, o.output ?? o.images);
  return {
    digest,
    destination: transport.formatImageName(dest),
    image: first.image,
    buildpackage: await readBuildpackage(first.image, transport.formatImageName(dest)),
    platforms: images.map((i) => formatPlatform(i.platform)),
  };
}

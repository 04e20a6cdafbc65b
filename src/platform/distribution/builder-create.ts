// `paketo builder create`: pack's builder.toml → a builder image on any transport.
// Read the config → open the build image (and check CNB-31) → resolve every [[buildpacks]] source
// → resolve the order against what is on the builder → assemble → write.
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type BuilderConfig,
  builderImages,
  extensionUnsupported,
  type ModuleInfo,
  parseBuilderConfig,
  type RunImageTarget,
  type SystemFile,
} from "../../cnb/index.js";
import { type Digest, formatPlatform, type Image, mutate, type Platform, transport } from "../../oci/index.js";
import { buildImageUser } from "./build-image.js";
import { builderImage } from "./builder-image.js";
import { checkBuilderBuildpacks, resolveBuilderOrder, resolveOrderEntry } from "./builder-order.js";
import { type BuilderInfo, readBuilder } from "./builder-read.js";
import { DistributionError } from "./errors.js";
import { byFullName, dedupeBuildpacks, fullName, type PackagedBuildpack } from "./module.js";
import { resolveModule, type ResolveContext } from "./resolve.js";
import { type ImageAccess, openImage } from "./source.js";
import { PAKETO_VERSION } from "./version.js";

export interface CreateBuilderOptions {
  /** builder.toml: its path, or its parsed value with the folder its relative uris start from. */
  config: string | { config: BuilderConfig; baseDir: string; where?: string };
  /** Where to write the builder, in containers/image syntax. */
  dest: string;
  /**
   * The launcher binary for /cnb/lifecycle/launcher (static, for the build image's platform): a
   * file, or a function that gets the build image once it is known and returns the file. The
   * caller decides how it is built (the launcher module's buildLauncher).
   */
  launcher: string | ((build: { name: string; image: Image; platform: Platform }) => Promise<string>);
  /** The platform lifecycle bundle; default: the one `npm run build` wrote (platformLifecycleBundle()), when there. */
  lifecycle?: string;
  /** Reading the build image and buildpackage images (pull policy, platform, credentials). */
  images: ImageAccess;
  /**
   * Make one builder image per platform and write them as one OCI image index (default: the
   * config's [[targets]] when it names more than one, else the one platform of the build image).
   */
  platforms?: readonly Platform[];
  /** Writing `dest` (default: `images`). */
  output?: transport.TransportOptions;
  /** Scratch space for layers; the caller removes it after this returns. */
  workDir: string;
  sourceDateEpoch?: number;
  /** Default: paketo and its version. */
  createdBy?: { name: string; version: string };
  onMessage?: (line: string) => void;
  signal?: AbortSignal;
}

export interface CreateBuilderResult {
  digest: Digest;
  destination: string;
  /** The builder image (the first platform's, when an index was written). */
  image: Image;
  builder: BuilderInfo;
  /** Each platform's builder image, when an index was written. */
  platforms?: Array<{ platform: Platform; image: Image }>;
}

async function loadConfig(c: CreateBuilderOptions["config"]): Promise<{ config: BuilderConfig; baseDir: string; where: string }> {
  if (typeof c !== "string") return { where: "builder.toml", ...c };
  let text: string;
  try {
    text = await readFile(c, "utf8");
  } catch (err) {
    throw new DistributionError("DIST_BUILDER_CONFIG", `cannot read ${c}`, { cause: err });
  }
  return { config: parseBuilderConfig(text, c), baseDir: dirname(resolve(c)), where: c };
}

const DISTRO_NAME_LABEL = "io.buildpacks.base.distro.name";
const DISTRO_VERSION_LABEL = "io.buildpacks.base.distro.version";

async function buildTarget(img: Image): Promise<RunImageTarget> {
  const c = await img.configFile();
  const labels = c.config.Labels ?? {};
  const t: RunImageTarget = { os: c.os, arch: c.architecture };
  if (c.variant) t.variant = c.variant;
  const name = labels[DISTRO_NAME_LABEL];
  const version = labels[DISTRO_VERSION_LABEL];
  if (name && version) t.distro = { name, version };
  return t;
}

/** Creates a builder from builder.toml and writes it to `dest`. */
export async function createBuilder(o: CreateBuilderOptions): Promise<CreateBuilderResult> {
  const { config: c, baseDir, where } = await loadConfig(o.config);
  const note = o.onMessage ?? (() => {});
  if (c.extensions.length > 0) throw extensionUnsupported(`${where}: extensions[0]`);
  if (c.orderExtensions.length > 0) throw extensionUnsupported(`${where}: order-extensions[0]`);
  if (c.lifecycle) note(`${where}: [lifecycle] is ignored: the builder gets paketo's lifecycle and launcher`);
  if (c.order.length === 0) note(`${where}: the order is empty, so builds with this builder need --buildpack`);
  const { buildImage: buildName, runImages } = builderImages(c);

  const targetPlatforms = c.targets.filter((t) => t.os || t.arch).map((t) => ({ os: t.os || "linux", architecture: t.arch || (o.images.platform?.architecture ?? "amd64"), ...(t.variant ? { variant: t.variant } : {}) }));
  const platforms: Array<Platform | undefined> = o.platforms && o.platforms.length > 0 ? [...o.platforms] : targetPlatforms.length > 1 ? targetPlatforms : [targetPlatforms[0] ?? o.images.platform];

  // One builder per platform, each from that platform's build image and launcher; buildpacks that
  // are folders or .tgz files (ours: JavaScript) go onto each as they are.
  const one = async (platform: Platform | undefined): Promise<{ image: Image; platform: Platform }> => {
    const opened = await openImage(buildName, { ...o.images, ...(platform ? { platform } : {}) }, `build image (${where}: build.image)`);
    const build = opened.image;
    const buildConfig = await build.configFile();
    buildImageUser(buildConfig, opened.name);
    const buildPlatform: Platform = { os: buildConfig.os, architecture: buildConfig.architecture, ...(buildConfig.variant ? { variant: buildConfig.variant } : {}) };
    if (c.targets.length > 0 && !c.targets.some((t) => (!t.os || t.os === buildPlatform.os) && (!t.arch || t.arch === buildPlatform.architecture))) {
      throw new DistributionError("DIST_BUILDER_CONFIG", `${where}: targets: the build image ${opened.name} is ${formatPlatform(buildPlatform)}, which no target names`);
    }
    if (platform && platforms.length > 1 && (buildPlatform.os !== platform.os || buildPlatform.architecture !== platform.architecture)) {
      throw new DistributionError("DIST_BUILDER_CONFIG", `${where}: the build image ${opened.name} has no ${formatPlatform(platform)} image (it is ${formatPlatform(buildPlatform)})`, {
        hint: "build images for several platforms are image indexes: paketo stack create --platform linux/amd64,linux/arm64",
      });
    }
    const workDir = platforms.length > 1 ? join(o.workDir, formatPlatform(buildPlatform).replaceAll("/", "-")) : o.workDir;
    await mkdir(workDir, { recursive: true });
    const launcherPath = typeof o.launcher === "string" ? o.launcher : await o.launcher({ name: opened.name, image: build, platform: buildPlatform });

    const ctx: ResolveContext = {
      baseDir,
      workDir,
      images: { ...o.images, platform: buildPlatform },
      ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
      ...(o.images.onProgress ? { onProgress: o.images.onProgress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    };
    const all: PackagedBuildpack[] = [];
    const listed: ModuleInfo[] = [];
    const expected: Array<{ id: string; version?: string; where: string }> = [];
    for (const [i, src] of c.buildpacks.entries()) {
      const field = `${where}: buildpacks[${i}]`;
      if (src.uri === undefined && src.image === undefined) {
        expected.push({ id: src.id as string, ...(src.version ? { version: src.version } : {}), where: field });
        continue;
      }
      const r = await resolveModule(src, `${field}.${src.image !== undefined ? "image" : "uri"}`, ctx);
      const m = r.main;
      if (src.id !== undefined && src.id !== m.id) {
        throw new DistributionError("DIST_BUILDER_CONFIG", `${field}.id: ${JSON.stringify(src.id)} does not match buildpack ${fullName(m)} found at ${m.source}`);
      }
      if (src.version !== undefined && src.version !== m.version) {
        throw new DistributionError("DIST_BUILDER_CONFIG", `${field}.version: ${JSON.stringify(src.version)} does not match buildpack ${fullName(m)} found at ${m.source}`);
      }
      all.push(...r.buildpacks);
      listed.push(m.info, ...r.buildpacks.filter((b) => b !== m).sort(byFullName).map((b) => b.info));
    }
    const buildpacks = await dedupeBuildpacks(all, (kept, dropped) =>
      note(`buildpack ${fullName(kept)} from ${kept.source} replaces the one from ${dropped.source}, which has different contents`),
    );
    for (const e of expected) {
      if (!buildpacks.some((b) => b.id === e.id && (e.version === undefined || b.version === e.version))) {
        throw new DistributionError("DIST_BUILDER_CONFIG", `${e.where}.uri: is required: no other entry brings ${fullName(e)}`, {
          hint: "give the buildpack's folder, .tgz or buildpackage image as uri (or image)",
        });
      }
    }
    const order = resolveBuilderOrder(c.order, buildpacks, where);
    const system: SystemFile = {
      pre: c.system.pre.map((e, i) => resolveOrderEntry(e, buildpacks, `${where}: system.pre.buildpacks[${i}]`)),
      post: c.system.post.map((e, i) => resolveOrderEntry(e, buildpacks, `${where}: system.post.buildpacks[${i}]`)),
    };
    checkBuilderBuildpacks(buildpacks, {
      target: await buildTarget(build),
      stackId: c.stack?.id ?? buildConfig.config.Labels?.["io.buildpacks.stack.id"],
      name: opened.name,
    });

    const seen = new Set<string>();
    const uniqueListed = listed.filter((m) => {
      const key = fullName(m);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    note(`Creating builder on ${opened.name} (${formatPlatform(buildPlatform)}) with ${buildpacks.length} buildpack(s)`);
    const image = await builderImage({
      buildImage: build,
      buildImageName: opened.name,
      buildpacks,
      listed: uniqueListed,
      order,
      system,
      runImages: runImages.map((r) => ({ image: r.image ?? "", mirrors: r.mirrors })),
      ...(c.description !== undefined ? { description: c.description } : {}),
      launcher: launcherPath,
      ...(await lifecycleBundle(o.lifecycle)),
      buildEnv: c.build.env,
      ...(c.stack?.id ? { stackId: c.stack.id } : {}),
      createdBy: o.createdBy ?? { name: "paketo", version: PAKETO_VERSION },
      workDir,
      ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: o.sourceDateEpoch } : {}),
      ...(o.images.onProgress ? { onProgress: o.images.onProgress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return { image, platform: buildPlatform };
  };
  if (platforms.length > 1 && typeof o.launcher === "string") {
    throw new DistributionError("DIST_USAGE", `one --launcher file cannot serve ${platforms.length} platforms`, { hint: "leave out --launcher: each platform's launcher is compiled with its build image's gcc" });
  }
  const made: Array<{ image: Image; platform: Platform }> = [];
  for (const p of platforms) made.push(await one(p));
  const first = made[0] as { image: Image; platform: Platform };
  const dest = transport.parseImageName(o.dest);
  const artifact = made.length === 1 ? ({ kind: "image", image: first.image } as const) : ({ kind: "index", index: await mutate.imageIndexOf(made) } as const);
  const { digest } = await transport.write(dest, artifact, o.output ?? o.images);
  const destination = transport.formatImageName(dest);
  return { digest, destination, image: first.image, builder: await readBuilder(first.image, destination), ...(made.length > 1 ? { platforms: made } : {}) };
}

/** dist/cnb-lifecycle/lifecycle.mjs, written by `npm run build` (scripts/package-lifecycle.mjs). */
export function platformLifecycleBundle(): string {
  return fileURLToPath(new URL("../../cnb-lifecycle/lifecycle.mjs", import.meta.url));
}

async function lifecycleBundle(given: string | undefined): Promise<{ lifecycle?: string }> {
  const path = given ?? platformLifecycleBundle();
  const there = await stat(path).then((s) => s.isFile(), () => false);
  if (!there && given !== undefined) throw new DistributionError("DIST_BUILDER", `the platform lifecycle bundle ${given} is not a file`, { hint: "run `npm run build`" });
  return there ? { lifecycle: path } : {};
}

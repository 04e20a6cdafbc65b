// `paketo build`: the phases of the CNB lifecycle run in this process, each buildpack in the
// sandbox, the result written to any transport. Inputs are explicit (app dir, builder, run image,
// caches, destination), so the same call runs unchanged as a Kubernetes Job (D9).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PaketoError } from "../../errors/index.js";
import { LIFECYCLE_METADATA_LABEL, type LifecycleMetadata, parseApiVersion, parseLifecycleMetadataLabel, type RunImageTarget } from "../../cnb/index.js";
import { type Image, type OnProgress, sha256, digestHex, transport } from "../../oci/index.js";
import {
  build as runBuild,
  buildPaths,
  type BuildLog,
  type Cache,
  detect,
  dirStore,
  exportImage,
  openCacheDir,
  openCacheImage,
  openLayerFactory,
  restore,
  saveCache,
} from "../../lifecycle/index.js";
import { BUILD_MOUNT_POINTS, bwrapRunner, checkBwrap, directRunner, prepareRootfs } from "../../sandbox/index.js";
import { readBuilder } from "../distribution/index.js";
import { copyApp, type WorkspaceFilter } from "./workspace.js";

/** The Platform API paketo speaks to buildpacks and records in images. */
export const PLATFORM_API = "0.13";
const platformApi = parseApiVersion(PLATFORM_API, "platform API");

export interface BuildOptions {
  /** Where the image goes, in any transport syntax. */
  dest: string;
  appDir: string;
  builder: string;
  runImage?: string;
  /** User env (`--env`, `--env-file`), written to /platform/env. */
  env: Record<string, string>;
  filter?: WorkspaceFilter;
  network: boolean;
  sandbox: "bwrap" | "none";
  /** Machine-wide cache root (rootfs per builder digest, layer cache, work dirs). */
  cacheRoot: string;
  transport: transport.TransportOptions;
  log: BuildLog;
  onProgress?: OnProgress;
  /** Keep the work dir (for debugging). */
  keepWorkDir?: boolean;
  /** Build cache: a directory, or an image in any transport. Default: a directory per destination under cacheRoot (CNB-64). */
  cacheDir?: string;
  cacheImage?: string;
  /** Do not restore from the cache (it is still written afterwards). */
  clearCache?: boolean;
}

export interface BuildOutcome {
  digest: string;
  image: Image;
  stats: { created: number; reused: number };
  restored: { metadata: number; contents: number };
}

/** The cache a build uses: the one asked for, else one directory per destination name (CNB-64). */
export function openBuildCache(o: Pick<BuildOptions, "cacheDir" | "cacheImage" | "cacheRoot" | "dest" | "transport">): Cache {
  if (o.cacheImage) return openCacheImage(o.cacheImage, o.transport);
  return openCacheDir(o.cacheDir ?? join(o.cacheRoot, "build-cache", digestHex(sha256(o.dest)).slice(0, 16)));
}

async function labelMetadata(img: Image | undefined): Promise<LifecycleMetadata | undefined> {
  const text = img ? (await img.configFile()).config.Labels?.[LIFECYCLE_METADATA_LABEL] : undefined;
  if (!text) return undefined;
  try {
    return parseLifecycleMetadataLabel(text);
  } catch {
    return undefined; // a previous image we cannot read is as good as none: nothing is reused
  }
}

function runImageTarget(config: { os: string; architecture: string; variant?: string; config: { Labels?: Record<string, string> } }): RunImageTarget {
  const labels = config.config.Labels ?? {};
  const t: RunImageTarget = { os: config.os, arch: config.architecture };
  if (config.variant) t.variant = config.variant;
  const id = labels["io.buildpacks.base.id"];
  if (id) t.id = id;
  const name = labels["io.buildpacks.base.distro.name"];
  const version = labels["io.buildpacks.base.distro.version"];
  if (name && version) t.distro = { name, version };
  return t;
}

async function readImage(name: string, opts: transport.TransportOptions, what: string): Promise<Image> {
  const a = await transport.read(name, opts);
  if (a.kind !== "image") throw new PaketoError("PLATFORM_IMAGE", `${what} ${name} is an image index; name one image of it`);
  return a.image;
}

async function previousImage(name: string, opts: transport.TransportOptions): Promise<Image | undefined> {
  try {
    const a = await transport.read(name, opts);
    return a.kind === "image" ? a.image : undefined;
  } catch {
    return undefined; // no previous image: a first build
  }
}

export async function buildImage(o: BuildOptions): Promise<BuildOutcome> {
  const log = o.log;
  if (o.sandbox === "bwrap") await checkBwrap();
  const builderImage = await log.time("builder", () => readImage(o.builder, o.transport, "builder"));
  const info = await readBuilder(builderImage, o.builder);
  const home = info.build.env.HOME;
  const rootfs = await log.time("rootfs", () =>
    prepareRootfs(builderImage, {
      cacheDir: join(o.cacheRoot, "rootfs"),
      mountPoints: [...BUILD_MOUNT_POINTS, ...(home ? [home.replace(/^\/+/, "")] : [])],
    }),
  );
  const runName = o.runImage ?? info.runImages[0]?.image;
  if (!runName) throw new PaketoError("PLATFORM_RUN_IMAGE", `builder ${o.builder} names no run image`, { hint: "pass --run-image" });
  const runImage = await readImage(runName, o.transport, "run image");
  const runConfig = await runImage.configFile();
  const target = runImageTarget(runConfig);

  await mkdir(join(o.cacheRoot, "work"), { recursive: true });
  const workDir = await mkdtemp(join(o.cacheRoot, "work", "build-"));
  try {
    const paths = buildPaths({ workDir, rootfs, mode: o.sandbox });
    await copyApp(o.appDir, paths.host.workspace, o.filter);
    await mkdir(paths.host.layers, { recursive: true });
    const envDir = join(paths.host.platform, "env");
    await mkdir(envDir, { recursive: true });
    for (const [k, v] of Object.entries(o.env)) await writeFile(join(envDir, k), v);

    const runner = o.sandbox === "bwrap" ? bwrapRunner() : directRunner();
    const exec = { lifecycleEnv: { ...info.build.env }, uid: info.build.uid, gid: info.build.gid, network: o.network };
    const store = dirStore(paths);
    const previous = await previousImage(o.dest, o.transport);
    const previousMetadata = await labelMetadata(previous);
    const factoryOpts: Parameters<typeof openLayerFactory>[0] = { dir: join(o.cacheRoot, "layers"), uid: info.build.uid, gid: info.build.gid };
    if (o.onProgress) factoryOpts.onProgress = o.onProgress;
    const factory = openLayerFactory(factoryOpts);
    const cache = openBuildCache(o);
    const detected = await log.time("detect", () =>
      detect({ paths, exec, platformApi, order: info.order, runImageTarget: target, store }, { runner, log }),
    );
    const restored = await log.time("restore", () =>
      restore({
        layersDir: paths.host.layers,
        group: detected.group.group,
        previousMetadata: previousMetadata ?? { app: [], buildpacks: [] },
        ...(previous ? { previousImage: previous } : {}),
        ...(o.clearCache ? {} : { cache }),
        platformApi: PLATFORM_API,
        layers: factory,
        log,
      }),
    );
    await log.time("build", () =>
      runBuild({ paths, exec, platformApi, group: detected.group, plan: detected.plan, runImageTarget: target, store }, { runner, log }),
    );
    const exported = await log.time("export", async () => {
      const inputs: Parameters<typeof exportImage>[0] = {
        layersDir: paths.host.layers,
        appDir: paths.host.workspace,
        runImage,
        runImageRef: { reference: `${runName}@${await runImage.digest()}`, image: runName, mirrors: [] },
        launcher: { path: join(rootfs, "cnb/lifecycle/launcher") },
        platformApi: PLATFORM_API,
        layers: factory,
      };
      if (previous) inputs.previousImage = previous;
      if (previousMetadata) inputs.previousMetadata = previousMetadata;
      return exportImage(inputs);
    });
    const written = await log.time("write", () => transport.write(o.dest, { kind: "image", image: exported.image }, o.transport));
    // The cache is saved after the image: a failure here loses a cache update, never the image.
    await log.time("cache", () => saveCache({ cache, layersDir: paths.host.layers, layers: factory, exported, log }));
    return {
      digest: written.digest,
      image: exported.image,
      stats: exported.stats,
      restored: { metadata: restored.metadata.length, contents: restored.contents.length },
    };
  } finally {
    if (!o.keepWorkDir) await rm(workDir, { recursive: true, force: true });
  }
}

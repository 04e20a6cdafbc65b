// `paketo build`: the phases of the CNB lifecycle, as the spec orders them (analyze → detect →
// restore → build → export, then the cache), run in this process with each buildpack in the
// sandbox; each phase's result is passed to the next. Inputs are explicit (app dir, builder, run
// image, caches, destination), so the same call runs unchanged as a Kubernetes Job (D9).
// Preparing the builder and the work folder is prepare.ts.
import { mkdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exists } from "../../fs/index.js";
import prettyBytes from "pretty-bytes";
import { type CacheLayout, type CacheLease, cacheLayout, npm, openLease, trimCache } from "../../deps/index.js";
import type { MetadataUse } from "../../cnb/index.js";
import type { Image, OnProgress, transport } from "../../oci/index.js";
import {
  analyze,
  build as runBuild,
  type BuildLog,
  type Cache,
  detect,
  ExportError,
  exportImage,
  type HostFactory,
  hostFactory,
  type Lent,
  openCacheDir,
  openCacheImage,
  openLayerFactory,
  restore,
  returnTrees,
  saveCache,
  saveImage,
} from "../../lifecycle/index.js";
import { writeRunImageStatus } from "./debian-sources.js";
import { buildMemoKey, cacheDigest, lookupBuildMemo, saveBuildMemo } from "./build-memo.js";
import { openDetectMemo, treeDigest } from "./detect-memo.js";
import { type OpenedBuilder, openBuilder, prepareWorkspace, runImageChoice, type Workspace } from "./prepare.js";
import { publishStoreRunImage } from "./run-image.js";
import { openWorkDir, removeTree } from "./work-dir.js";
import { type BuildOptions, type BuildOutcome, PLATFORM_API, platformApi } from "./options.js";

export { SANDBOX_NPM_CACHE } from "./build-config.js";
export { type BuildOptions, type BuildOutcome, PLATFORM_API } from "./options.js";

/** The cache a build uses: the one asked for, else one directory per destination name (CNB-64). */
export function openBuildCache(o: Pick<BuildOptions, "cacheDir" | "cacheImage" | "dest" | "transport">, cache: CacheLayout): Cache {
  if (o.cacheImage) return openCacheImage(o.cacheImage, o.transport);
  return openCacheDir(o.cacheDir ?? cache.buildCache(o.dest));
}

export async function buildImage(o: BuildOptions): Promise<BuildOutcome> {
  const cache = cacheLayout(o.cacheRoot);
  // What this build uses from the cache is leased, so no prune removes it until the build ends
  // (deps/cache-lease.ts).
  const lease = await openLease(cache, `build ${o.dest}`);
  let workDir: string | undefined;
  const lent: Lent[] = [];
  try {
    // Buildpacks use the npm, Go, Python, Maven and Debian downloads from inside the sandbox, where
    // no lease reaches: all of each.
    for (const part of [cache.npm, cache.go, cache.pypi, cache.maven, cache.debian]) await lease.use(part);
    const builder = await openBuilder(o, cache, lease);
    // Private, and removed by the next build if this one is killed (work-dir.ts).
    workDir = await openWorkDir(cache.work, "build");
    const ws = await prepareWorkspace(o, builder, workDir, cache);
    return await runPhases(o, builder, ws, cache, lent, lease);
  } finally {
    // Layers lent from kept copies go back if the build left them as they were (lifecycle/layer-cache/trees.ts).
    if (lent.length > 0) await returnTrees(cache.layerTrees, lent).catch(() => 0);
    if (workDir && !o.keepWorkDir) await removeTree(workDir);
    await lease.release();
    if (o.cacheBudget !== undefined) await trim(cache, o.cacheBudget, o.log);
  }
}

const bytes = (n: number) => prettyBytes(n, { binary: true });

/** Keeps the cache within its budget after a build, least recently used first (docs/build.md "Caches"). */
async function trim(cache: CacheLayout, budget: number, log: BuildLog): Promise<void> {
  try {
    const r = await trimCache(cache, budget);
    if (!r) return;
    const inUse = r.inUseBytes > 0 ? `; ${bytes(r.inUseBytes)} more is in use by ${r.liveProcesses} running paketo process(es)` : "";
    log.info(`Cache over its ${bytes(budget)} budget (PAKETO_CACHE_MAX): removed ${r.removed} least recently used entries, ${bytes(r.freedBytes)}; now ${bytes(r.afterBytes)}${inUse}`);
  } catch (e) {
    // The image is written; a cache that could not be trimmed now is trimmed after the next build.
    log.warn(`Could not trim the cache ${cache.root}: ${(e as Error).message}`);
  }
}

/** analyze → detect → restore → build → export → cache, each taking the one before's result. */
async function runPhases(o: BuildOptions, builder: OpenedBuilder, ws: Workspace, cache: CacheLayout, lent: Lent[], lease: CacheLease): Promise<BuildOutcome> {
  const log = o.log;
  const { paths, exec, runner, store } = ws;
  const { info } = builder;

  // The run image (among the builder's and its mirrors, or --run-image), the previous image and
  // its metadata: missing is a first build, unreadable is an error (analyze.ts).
  const analyzed = await log.time("analyze", () =>
    analyze(
      {
        outputImage: o.dest,
        ...(o.previousImage !== undefined ? { previousImage: o.previousImage } : {}),
        ...runImageChoice(o, builder),
        platformApi: PLATFORM_API,
        transport: o.transport,
        platform: builder.platform,
      },
      { log: quiet(log) },
    ),
  );
  const target = analyzed.target;
  const previous = analyzed.previousImage;
  const run = await publishStoreRunImage(o.dest, analyzed, o.transport);
  if (run.published) log.info(`Published the run image from the local store as ${run.published}, so the image's label names it there`);
  // For buildpacks that install Debian packages: only what the run image lacks goes into a layer.
  await writeRunImageStatus(analyzed.runImage, ws.buildConfigDir, cache);
  const previousMetadata = analyzed.analyzed.metadata;
  const bindingsDigest = await treeDigest(join(paths.host.platform, "bindings"));
  const builderDigest = await builder.image.digest();

  // No change since this destination's last build: its image is the answer (build-memo.ts).
  const memoPath = cache.buildMemo(o.dest);
  const memoKey =
    ws.buildpacksFromOutside || o.clearCache || o.cacheImage || o.noMemo
      ? undefined
      : await buildMemoKey({
          app: ws.appContentDigest,
          env: ws.env,
          bindings: bindingsDigest,
          buildConfig: await treeDigest(ws.buildConfigDir),
          builder: builderDigest,
          order: ws.order,
          runImage: await analyzed.runImage.digest(),
          runImageRef: analyzed.runImageRef,
          target,
          projectMetadata: await readFile(ws.projectMetadataPath, "utf8").catch(() => ""),
          cacheDir: o.cacheDir ?? "",
          platformApi: PLATFORM_API,
          sandbox: o.sandbox,
          network: o.network,
        });
  if (!o.cacheImage) await lease.use(o.cacheDir ?? cache.buildCache(o.dest));
  const buildCache = openBuildCache(o, cache);
  const previousDigest = previous ? ((await previous.digest()) as string) : undefined;
  const cacheBefore = memoKey !== undefined ? cacheDigest(await buildCache.metadata()) : "";
  if (memoKey !== undefined && previous !== undefined) {
    const hit = await log.time("memo", async () =>
      lookupBuildMemo({
        path: memoPath,
        key: memoKey,
        previousDigest,
        cache: cacheBefore,
        recheck: (m) => recheckMetadata(m, { cache, hostEnv: o.hostEnv, network: o.network !== "off" }),
      }),
    );
    if (hit) {
      log.phase("reusing");
      log.info("Nothing changed since the previous build (app, settings, builder, run image, dependency metadata): its image stands");
      return { digest: hit.image, image: previous, stats: { created: 0, reused: hit.layers }, restored: { metadata: 0, contents: 0 } };
    }
  }

  // detect and build time themselves (with a line per buildpack in the summary). Each detect whose
  // inputs are unchanged since this destination's last build is reused (detect-memo.ts).
  const memo =
    ws.buildpacksFromOutside || o.clearCache
      ? undefined
      : await openDetectMemo({
          path: cache.detectMemo(o.dest),
          appDir: paths.host.workspace,
          appFingerprint: ws.appFingerprint,
          inputs: {
            builder: await builder.image.digest(),
            order: ws.order,
            env: ws.env,
            bindings: bindingsDigest,
            buildConfig: await treeDigest(join(ws.buildConfigDir, "env")),
            target,
            platformApi: PLATFORM_API,
            sandbox: o.sandbox,
          },
        });
  const host = o.buildpackHost === false ? undefined : await buildpackHost();
  const detected = await detect(
    { paths, exec, platformApi, order: ws.order, store, runImageTarget: target, ...(memo ? { outcomes: memo } : {}) },
    { runner, log, ...(host ? { host } : {}) },
  );
  if (memo) {
    await mkdir(dirname(cache.detectMemo(o.dest)), { recursive: true });
    await memo.save();
    if (memo.stats.reused > 0) {
      log.info(`Reused ${memo.stats.reused} detect result(s) of the previous build (nothing they read changed); ran ${memo.stats.ran}`);
    }
  }

  const layers = openLayerFactory({ dir: cache.layers, uid: info.build.uid, gid: info.build.gid, use: lease.use, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  const restored = await log.time("restore", () =>
    restore(
      {
        layersDir: paths.host.layers,
        group: detected.group.group,
        previousMetadata,
        ...(previous ? { previousImage: previous } : {}),
        ...(o.clearCache ? {} : { cache: buildCache }),
        platformApi: PLATFORM_API,
        layers,
      },
      { log },
    ),
  );
  lent.push(...restored.lent);
  const built = await runBuild(
    { paths, exec, platformApi, group: detected.group, plan: detected.plan, store, runImageTarget: target, askRecords: memoKey !== undefined },
    { runner, log, ...(host ? { host } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) },
  );
  const exported = await log.time("export", () =>
    exportImage(
      {
        layersDir: paths.host.layers,
        appDir: paths.host.workspace,
        runImage: run.runImage,
        runImageRef: run.runImageRef,
        launcher: { path: join(builder.cnbRoot, "cnb/lifecycle/launcher") },
        projectMetadataPath: ws.projectMetadataPath,
        platformApi: PLATFORM_API,
        layers,
        ...(previous ? { previousImage: previous } : {}),
        previousMetadata,
      },
      { log },
    ),
  );
  const report = await log.time("write", () => ExportError.within(() => saveImage(exported.image, [o.dest], o.transport)));
  // The cache is saved after the image: a failure here loses a cache update, never the image.
  const saved = await log.time("cache", () => saveCache({ cache: buildCache, layersDir: paths.host.layers, layers, exported }, { log }));
  if (memoKey !== undefined) {
    const why = await saveBuildMemo({
      path: memoPath,
      key: memoKey,
      before: { image: previousDigest, cache: cacheBefore },
      after: { image: report.image.digest as string, cache: cacheDigest(saved.metadata) },
      layers: exported.stats.created + exported.stats.reused,
      records: built.buildpacks.map((b) => b.record),
    });
    if (why !== undefined) log.debug(`The next build with no change runs the buildpacks again: ${why}`);
  }
  return {
    digest: report.image.digest as string,
    image: exported.image,
    stats: exported.stats,
    restored: { metadata: restored.metadata.length, contents: restored.contents.length },
  };
}

/** Analyze's own lines ("Previous image ... found") are detail: shown with --verbose. */
function quiet(log: BuildLog): BuildLog {
  return { ...log, info: (m: string) => log.debug(m) };
}

/** The buildpack host bundled by `npm run build` (src/buildpack-api/host.ts), when it is there. */
async function buildpackHost(): Promise<HostFactory | undefined> {
  const script = fileURLToPath(new URL("../../buildpack-host/host.mjs", import.meta.url));
  return (await exists(script)) ? hostFactory(script) : undefined;
}

/** Asks a dependency source again for metadata a build used (deps/npm: a packument). */
async function recheckMetadata(m: MetadataUse, o: { cache: CacheLayout; hostEnv: Readonly<Record<string, string | undefined>>; network: boolean }): Promise<boolean> {
  if (m.source !== "npm") return false;
  return npm.recheckPackument(m as unknown as npm.PackumentUse, { cacheDir: o.cache.npm, env: o.hostEnv, offline: !o.network });
}

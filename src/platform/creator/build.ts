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
import { transport } from "../../oci/index.js";
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
import { lendWorkspace, returnWorkspace, syncWorkspace } from "./workspace.js";
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
  // The workspace, once lent from the destination's kept copy: given back after the build.
  const kept: { workspace?: string } = {};
  try {
    // Buildpacks use the npm, Go, Python, Maven and Debian downloads from inside the sandbox, where
    // no lease reaches: all of each.
    for (const part of [cache.npm, cache.go, cache.pypi, cache.maven, cache.debian]) await lease.use(part);
    const builder = await openBuilder(o, cache, lease);
    // Private, and removed by the next build if this one is killed (work-dir.ts).
    workDir = await openWorkDir(cache.work, "build");
    const ws = await prepareWorkspace(o, builder, workDir, cache);
    const { outcome, settle } = await runPhases(o, builder, ws, cache, lent, lease, kept);
    if (settle && o.settle === true) await o.log.time("settle", () => settleFirstBuild(o, builder, cache, lease, settle));
    return outcome;
  } finally {
    if (kept.workspace && !o.keepWorkDir) await returnWorkspace(cache.appTree(o.dest), kept.workspace).catch(() => false);
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

/**
 * A first build (no previous image at the destination) is not known to reproduce itself, so the
 * build memo could only answer from the third build (build-memo.ts). Settling runs the next build
 * at once, exactly as `paketo build` would run it (same options, a fresh copy of the app, the
 * image and cache just written as its previous state), but writes neither image nor cache: when
 * it ends with the image and cache it started from and every buildpack's record is memoisable,
 * the memo is kept and the next build with no change is answered from it. It costs one rebuild
 * with every layer reused; a failure here only means no memo, never a failed build.
 */
async function settleFirstBuild(o: BuildOptions, builder: OpenedBuilder, cache: CacheLayout, lease: CacheLease, exported: string): Promise<void> {
  let dir: string | undefined;
  const lent: Lent[] = [];
  try {
    dir = await openWorkDir(cache.work, "build");
    const q = { ...o, log: silent(o.log) };
    delete q.onProgress;
    const ws = await prepareWorkspace(q, builder, dir, cache);
    // The destination's kept workspace is still lent to the first build: this one copies the app afresh.
    await runPhases(q, builder, ws, cache, lent, lease, {}, { exported });
  } catch (e) {
    o.log.debug(`The next build with no change runs the buildpacks again: settling this first build failed: ${(e as Error).message}`);
  } finally {
    if (lent.length > 0) await returnTrees(cache.layerTrees, lent).catch(() => 0);
    if (dir) await removeTree(dir);
  }
}

/** A build log that shows nothing but debug lines (in verbose mode) and times nothing. */
function silent(log: BuildLog): BuildLog {
  return {
    verbose: false,
    phase: () => {},
    info: () => {},
    warn: (m) => log.debug(m),
    debug: (m) => log.debug(m),
    buildpack: () => () => {},
    time: (_label, fn) => fn(),
    timings: () => [],
    summary: () => [],
  };
}

/**
 * analyze → detect → restore → build → export → cache, each taking the one before's result.
 * `settling` (settleFirstBuild): the image the first build exported (its digest); nothing is
 * written but the build memo. `settle` in the result: this first build is worth settling.
 */
async function runPhases(
  o: BuildOptions,
  builder: OpenedBuilder,
  ws: Workspace,
  cache: CacheLayout,
  lent: Lent[],
  lease: CacheLease,
  kept: { workspace?: string },
  settling?: { exported: string },
): Promise<{ outcome: BuildOutcome; settle?: string }> {
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
  // The builder as a CNB name (a registry reference, or `store:NAME`), pinned to its digest.
  const builderRef = transport.formatCnbImageName(transport.parseImageName(builder.name)).replace(/@sha256:[0-9a-f]{64}$/, "");
  const inputs = { builder: `${builderRef}@${builderDigest}`, appDigest: ws.app.digest, envNames: Object.keys(builder.env).sort() };

  // No change since this destination's last build: its image is the answer (build-memo.ts).
  const memoPath = cache.buildMemo(o.dest);
  const memoKey =
    ws.buildpacksFromOutside || o.clearCache || o.cacheImage || o.noMemo
      ? undefined
      : await buildMemoKey({
          app: ws.app.digest,
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
  if (memoKey !== undefined && previous !== undefined && !settling) {
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
      return { outcome: { digest: hit.image, image: previous, stats: { created: 0, reused: hit.layers }, restored: { metadata: 0, contents: 0 }, inputs } };
    }
  }

  // The workspace: the destination's kept copy of the app, brought to the app's state (workspace.ts).
  const keptDir = cache.appTree(o.dest);
  await lease.use(keptDir);
  const synced = await log.time("workspace", async () => {
    const l = await lendWorkspace(keptDir, paths.host.workspace);
    kept.workspace = paths.host.workspace;
    return syncWorkspace({ src: o.appDir, scan: ws.app, workspace: paths.host.workspace, keptDir, state: l.state, lent: l.lent });
  });
  // The app's entries are not needed any more (two hundred thousand of them are tens of MB); its digest is.
  ws.app.entries = [];
  log.debug(`Workspace: ${synced.lent ? "kept copy" : "new copy"}, ${synced.copied} file(s) copied, ${synced.kept} kept, ${synced.removed} removed`);
  if (!synced.steady) log.warn("The app changed while the build started: this build is not remembered for the next one");

  // detect and build time themselves (with a line per buildpack in the summary). Each detect whose
  // inputs are unchanged since this destination's last build is reused (detect-memo.ts).
  const memo =
    ws.buildpacksFromOutside || o.clearCache || !synced.steady
      ? undefined
      : await openDetectMemo({
          path: cache.detectMemo(o.dest),
          appDir: paths.host.workspace,
          appFingerprint: ws.app.digest,
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
        appFileHash: synced.hashOf,
        appLayerRecord: cache.appLayer(o.dest),
      },
      { log },
    ),
  );
  const outcome = {
    image: exported.image,
    stats: exported.stats,
    restored: { metadata: restored.metadata.length, contents: restored.contents.length },
    inputs,
  };
  const records = built.buildpacks.map((b) => b.record);
  const layerCount = exported.stats.created + exported.stats.reused;
  if (settling) {
    // The image this build would write is the one at the destination when it exported the same
    // image; the cache it would save, when its metadata is the same.
    const same = (await exported.image.digest()) === settling.exported;
    const wouldSave = await saveCache({ cache: buildCache, layersDir: paths.host.layers, layers, exported, dryRun: true });
    const why = await saveBuildMemo({
      path: memoPath,
      key: memoKey as string,
      before: { image: previousDigest, cache: cacheBefore },
      after: { image: same ? (previousDigest as string) : `not written: ${await exported.image.digest()}`, cache: cacheDigest(wouldSave.metadata) },
      layers: layerCount,
      records,
      canRecheck,
    });
    o.log.debug(why === undefined ? "Settled: the next build with no change is answered from the build memo" : `The next build with no change runs the buildpacks again: ${why}`);
    return { outcome: { ...outcome, digest: previousDigest as string } };
  }
  const report = await log.time("write", () => ExportError.within(() => saveImage(exported.image, [o.dest], o.transport)));
  // The cache is saved after the image: a failure here loses a cache update, never the image.
  const saved = await log.time("cache", () => saveCache({ cache: buildCache, layersDir: paths.host.layers, layers, exported }, { log }));
  if (memoKey !== undefined && synced.steady) {
    const why = await saveBuildMemo({
      path: memoPath,
      key: memoKey,
      before: { image: previousDigest, cache: cacheBefore },
      after: { image: report.image.digest as string, cache: cacheDigest(saved.metadata) },
      layers: layerCount,
      records,
      canRecheck,
    });
    if (why !== undefined) log.debug(`The next build with no change runs the buildpacks again: ${why}`);
  }
  // A first build whose buildpacks all keep records (ours) and used only metadata the platform can
  // ask for again is settled (settleFirstBuild).
  const settleable = records.every((r) => r !== undefined && (r.metadata ?? []).every(canRecheck));
  const settle = memoKey !== undefined && previous === undefined && settleable ? await exported.image.digest() : undefined;
  return { outcome: { ...outcome, digest: report.image.digest as string }, ...(settle !== undefined ? { settle } : {}) };
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

/** The dependency metadata recheckMetadata can ask for again. */
function canRecheck(m: MetadataUse): boolean {
  return m.source === "npm";
}

/** Asks a dependency source again for metadata a build used (deps/npm: a packument). */
async function recheckMetadata(m: MetadataUse, o: { cache: CacheLayout; hostEnv: Readonly<Record<string, string | undefined>>; network: boolean }): Promise<boolean> {
  if (m.source !== "npm") return false;
  return npm.recheckPackument(m as unknown as npm.PackumentUse, { cacheDir: o.cache.npm, env: o.hostEnv, offline: !o.network });
}

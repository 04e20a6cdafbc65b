// `paketo build`: the phases of the CNB lifecycle, as the spec orders them (analyze → detect →
// restore → build → export, then the cache), run in this process with each buildpack in the
// sandbox; each phase's result is passed to the next. Inputs are explicit (app dir, builder, run
// image, caches, destination), so the same call runs unchanged as a Kubernetes Job (D9).
// Preparing the builder and the work folder is prepare.ts.
import { join } from "node:path";
import { type CacheLayout, cacheLayout } from "../../deps/index.js";
import type { Image, OnProgress, transport } from "../../oci/index.js";
import {
  analyze,
  build as runBuild,
  type BuildLog,
  type Cache,
  detect,
  ExportError,
  exportImage,
  type Lent,
  openCacheDir,
  openCacheImage,
  openLayerFactory,
  restore,
  returnTrees,
  saveCache,
  saveImage,
} from "../../lifecycle/index.js";
import type { PullPolicy } from "../distribution/index.js";
import { detectMemo, treeDigest } from "./detect-memo.js";
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
  const builder = await openBuilder(o, cache);
  // Private, and removed by the next build if this one is killed (work-dir.ts).
  const workDir = await openWorkDir(cache.work, "build");
  const lent: Lent[] = [];
  try {
    const ws = await prepareWorkspace(o, builder, workDir, cache);
    return await runPhases(o, builder, ws, cache, lent);
  } finally {
    // Layers lent from kept copies go back if the build left them as they were (restore/trees.ts).
    if (lent.length > 0) await returnTrees(cache.layerTrees, lent).catch(() => 0);
    if (!o.keepWorkDir) await removeTree(workDir);
  }
}

/** analyze → detect → restore → build → export → cache, each taking the one before's result. */
async function runPhases(o: BuildOptions, builder: OpenedBuilder, ws: Workspace, cache: CacheLayout, lent: Lent[]): Promise<BuildOutcome> {
  const log = o.log;
  const { paths, exec, runner, store } = ws;
  const { info } = builder;

  // The run image (among the builder's and its mirrors, or --run-image), the previous image and
  // its metadata: missing is a first build, unreadable is an error (analyze.ts).
  const analyzed = await log.time("analyze", () =>
    analyze({ outputImage: o.dest, ...runImageChoice(o, builder), platformApi: PLATFORM_API, transport: o.transport }, { log: quiet(log) }),
  );
  const target = analyzed.target;
  const previous = analyzed.previousImage;
  const run = await publishStoreRunImage(o.dest, analyzed, o.transport);
  if (run.published) log.info(`Published the run image from the local store as ${run.published}, so the image's label names it there`);
  const previousMetadata = analyzed.analyzed.metadata;

  // detect and build time themselves (with a line per buildpack in the summary). A detection
  // whose inputs are all unchanged since this destination's last build is reused (detect-memo.ts).
  const memo =
    ws.buildpacksFromOutside || o.clearCache
      ? undefined
      : await detectMemo({
          path: cache.detectMemo(o.dest),
          inputs: {
            builder: await builder.image.digest(),
            order: ws.order,
            app: ws.appFingerprint,
            env: ws.env,
            bindings: await treeDigest(join(paths.host.platform, "bindings")),
            buildConfig: await treeDigest(join(ws.buildConfigDir, "env")),
            target,
            platformApi: PLATFORM_API,
            sandbox: o.sandbox,
          },
        });
  const detectInputs = { paths, exec, platformApi, order: ws.order, store, runImageTarget: target };
  const detected = (memo && (await memo.replay(paths.host.layers, log))) ?? (await detect(detectInputs, { runner, log }));
  if (memo && !memo.hit) await memo.save(detected);

  const layers = openLayerFactory({ dir: cache.layers, uid: info.build.uid, gid: info.build.gid, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  const buildCache = openBuildCache(o, cache);
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
  await runBuild({ paths, exec, platformApi, group: detected.group, plan: detected.plan, store, runImageTarget: target }, { runner, log });
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
  await log.time("cache", () => saveCache({ cache: buildCache, layersDir: paths.host.layers, layers, exported }, { log }));
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

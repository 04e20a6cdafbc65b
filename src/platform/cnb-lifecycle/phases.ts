// The lifecycle as a CNB platform runs it inside the builder image (`/cnb/lifecycle/<phase>`):
// the same phases `paketo build` runs (src/lifecycle), with the platform spec's inputs (flags,
// CNB_* variables, the files under the layers dir) and outputs (analyzed.toml, group.toml,
// plan.toml, report.toml, the image, the cache) and its exit codes. The container is the
// sandbox: buildpacks run as plain processes (`--sandbox none`), with the container's paths.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type AnalyzedFile,
  parseAnalyzedToml,
  parseApiVersion,
  parseGroupToml,
  parseOrderToml,
  parsePlanToml,
  parseRunToml,
  parseStackToml,
  PLATFORM_APIS,
  type RunFile,
  type RunImageTarget,
  runFileFromStack,
  stringifyAnalyzedToml,
} from "../../cnb/index.js";
import * as oci from "../../oci/index.js";
import {
  analyze,
  build as runBuild,
  type BuildLog,
  type BuildPaths,
  type Cache,
  createBuildLog,
  detect,
  dirStore,
  type ExecSettings,
  ExportError,
  exportImage,
  LifecycleError,
  openCacheDir,
  openCacheImage,
  openLayerFactory,
  readImage,
  rebase,
  restore,
  saveCache,
  saveImage,
  writeReport,
} from "../../lifecycle/index.js";
import { directRunner } from "../../sandbox/index.js";
import { type PhaseArgs, PlatformUsageError } from "./flags.js";

export const PHASES = ["creator", "analyzer", "detector", "restorer", "builder", "exporter", "rebaser"] as const;
export type Phase = (typeof PHASES)[number];

/** Everything a phase needs, from its arguments and environment. */
interface Context {
  args: PhaseArgs;
  platformApi: string;
  paths: BuildPaths;
  exec: ExecSettings;
  transport: oci.transport.TransportOptions;
  log: BuildLog;
  /** The image names to write (registry references, or `oci:` layout folders with -layout). */
  names: string[];
  uid: number;
  gid: number;
  cleanup: () => Promise<void>;
}

/** report.toml names registry images bare, as the reference lifecycle does. */
function bareTags<T extends { image: { tags?: string[] } }>(report: T): T {
  if (report.image.tags) report.image.tags = report.image.tags.map((t) => t.replace(/^docker:\/\//, ""));
  return report;
}

/** A registry reference unless a transport is named; with -layout, its folder under the layout dir. */
function imageName(ctx: Pick<Context, "args">, name: string): string {
  if (oci.transport.hasTransport(name)) return name;
  if (ctx.args.has("layout")) {
    const dir = ctx.args.get("layout-dir");
    if (!dir) throw new PlatformUsageError("-layout needs -layout-dir (CNB_LAYOUT_DIR)");
    return layoutName(dir, name);
  }
  return `docker://${name}`;
}

/**
 * Where -layout keeps an image (CNB-53, the reference's layout): `<dir>/<registry>/<repository>/<tag>`,
 * or `.../<algorithm>/<hex>` for a digest reference; Docker Hub is `index.docker.io`. The layout's
 * index.json tags the image with the reference's tag, so skopeo and umoci find it by name too.
 */
export function layoutName(dir: string, name: string): string {
  let ref: oci.Reference;
  try {
    ref = oci.parseReference(name);
  } catch (e) {
    throw new PlatformUsageError(`-layout: ${(e as Error).message}`);
  }
  const registry = ref.registry === oci.DOCKER_HUB ? "index.docker.io" : ref.registry;
  const leaf = ref.digest ? ref.digest.split(":") : [ref.tag ?? "latest"];
  const path = join(dir, registry, ref.repository, ...leaf);
  if (path.includes(":")) {
    // oci:PATH[:TAG] ends the path at its first colon (containers/image), so such a folder cannot be named.
    throw new PlatformUsageError(`-layout: the folder of ${name}, ${path}, has a colon in it`, "in layout mode, name images without a registry port (the registry part is only a folder name there)");
  }
  return `oci:${path}${ref.digest ? "" : `:${ref.tag ?? "latest"}`}`;
}

/** A name analyze recorded pinned to a digest (`NAME@sha256:...`), for any transport. */
function splitPinned(name: string): { name: string; digest?: string } {
  const at = name.lastIndexOf("@");
  // A registry reference keeps its digest: the registry reads it by digest.
  if (!oci.transport.hasTransport(name) || name.startsWith("docker://") || at < 0 || !oci.isDigest(name.slice(at + 1))) return { name };
  return { name: name.slice(0, at), digest: name.slice(at + 1) };
}

function layersPath(ctx: Context, flag: string, file: string): string {
  return ctx.args.get(flag) ?? join(ctx.paths.host.layers, file);
}

async function openContext(phase: Phase, args: PhaseArgs, env: NodeJS.ProcessEnv): Promise<Context> {
  const platformApi = env.CNB_PLATFORM_API || "0.13";
  if (!(PLATFORM_APIS as readonly string[]).includes(platformApi)) {
    throw new LifecycleError("PLATFORM_API_UNSUPPORTED", `platform API ${platformApi} is not supported (supported: ${PLATFORM_APIS.join(", ")})`);
  }
  if (args.has("daemon")) {
    throw new PlatformUsageError("-daemon is not supported: this lifecycle writes to a registry or, with -layout, to an OCI layout", "drop -daemon");
  }
  const work = await mkdtemp(join(tmpdir(), `paketo-${phase}-`));
  // CNB_REGISTRY_AUTH ({"registry": "Basic ..."}) is looked up first, then the docker/podman config files.
  const transportEnv: NodeJS.ProcessEnv = { ...env };
  if (env.CNB_REGISTRY_AUTH) {
    let auth: Record<string, string>;
    try {
      auth = JSON.parse(env.CNB_REGISTRY_AUTH) as Record<string, string>;
    } catch (e) {
      throw new PlatformUsageError(`CNB_REGISTRY_AUTH is not JSON: ${(e as Error).message}`, 'set it to {"REGISTRY": "Basic BASE64(USER:PASS)"}');
    }
    const auths: Record<string, { auth: string }> = {};
    for (const [registry, value] of Object.entries(auth)) {
      const m = /^Basic\s+(\S+)$/i.exec(String(value));
      if (m) auths[registry] = { auth: m[1] as string };
    }
    transportEnv.REGISTRY_AUTH_FILE = join(work, "auth.json");
    await writeFile(transportEnv.REGISTRY_AUTH_FILE, JSON.stringify({ auths }), { mode: 0o600 });
  }
  const uid = Number(args.get("uid") ?? process.getuid?.() ?? 0);
  const gid = Number(args.get("gid") ?? process.getgid?.() ?? 0);
  const layers = args.get("layers") as string;
  const host = Object.freeze({
    workDir: work,
    layers,
    workspace: args.get("app") as string,
    platform: args.get("platform") as string,
    buildpacks: args.get("buildpacks") as string,
    buildConfig: args.get("build-config") as string,
    tmp: join(work, "tmp"),
    home: env.HOME ?? work,
  });
  const paths: BuildPaths = {
    mode: "none",
    rootfs: "/",
    host,
    sandbox: host,
    buildpacksBound: false,
    buildConfigBound: false,
    toSandbox: (p) => p,
    toHost: (p) => p,
  };
  const level = args.get("log-level");
  const log = createBuildLog({ sink: (s) => process.stdout.write(s), verbose: level === "debug" });
  const ctx: Context = {
    args,
    platformApi,
    paths,
    exec: { lifecycleEnv: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)), uid, gid },
    transport: { storeRoot: join(work, "store"), env: transportEnv, insecureRegistries: args.all("insecure-registry") },
    log,
    names: [],
    uid,
    gid,
    cleanup: () => rm(work, { recursive: true, force: true }),
  };
  if (phase === "creator" || phase === "analyzer" || phase === "exporter" || phase === "rebaser") {
    const [first, ...rest] = args.images;
    if (!first) throw new PlatformUsageError(`${phase} needs the image name as its argument`);
    ctx.names = [first, ...rest, ...args.all("tag")].map((n) => imageName(ctx, n));
  }
  return ctx;
}

async function runFile(ctx: Context): Promise<RunFile> {
  const run = ctx.args.get("run") as string;
  const text = await readFile(run, "utf8").catch(() => undefined);
  if (text !== undefined) return parseRunToml(text, run);
  const stack = ctx.args.get("stack") as string;
  const legacy = await readFile(stack, "utf8").catch(() => undefined);
  if (legacy !== undefined) return runFileFromStack(parseStackToml(legacy, stack));
  throw new LifecycleError("ANALYZE_ERROR", `neither ${run} nor ${stack} names a run image`, { hint: "pass -run-image" });
}

/** An image that must exist (the run image, or a previous image analyze found), at the digest analyze saw. */
async function mustRead(ctx: Context, name: string, what: string): Promise<oci.Image> {
  const pinned = splitPinned(imageName(ctx, name));
  const img = await readImage(oci.transport.parseImageName(pinned.name), ctx.transport);
  if (!img) throw new LifecycleError("EXPORT_ERROR", `the ${what} ${name} is not there`);
  if (pinned.digest && (await img.digest()) !== pinned.digest) {
    throw new LifecycleError("EXPORT_ERROR", `the ${what} ${pinned.name} is ${await img.digest()} now, not ${pinned.digest} as analyzed`, { hint: "run the analyzer again" });
  }
  return img;
}

async function readAnalyzed(ctx: Context): Promise<AnalyzedFile> {
  const path = layersPath(ctx, "analyzed", "analyzed.toml");
  return parseAnalyzedToml(await readFile(path, "utf8"), path);
}

function openCache(ctx: Context): Cache | undefined {
  const image = ctx.args.get("cache-image");
  if (image) return openCacheImage(imageName({ args: { ...ctx.args, has: () => false } }, image), ctx.transport);
  const dir = ctx.args.get("cache-dir");
  return dir ? openCacheDir(dir) : undefined;
}

function layerFactory(ctx: Context) {
  return openLayerFactory({ dir: join(ctx.paths.host.workDir, "layer-cache"), uid: ctx.uid, gid: ctx.gid });
}

/** run.toml's images as layout folders. */
function layoutRunFile(ctx: Context, file: RunFile): RunFile {
  return { images: file.images.map((i) => ({ ...i, ...(i.image ? { image: imageName(ctx, i.image) } : {}), mirrors: i.mirrors.map((m) => imageName(ctx, m)) })) };
}

async function doAnalyze(ctx: Context) {
  const previous = ctx.args.get("previous-image");
  const runImage = ctx.args.get("run-image");
  const layout = ctx.args.has("layout");
  const result = await analyze(
    {
      outputImage: ctx.names[0] as string,
      ...(previous ? { previousImage: imageName(ctx, previous) } : {}),
      // A bare registry reference, as the image's label records it (analyze reads it as one).
      // With -layout the run image is a folder of the layout dir too.
      ...(runImage ? { runImage: layout ? imageName(ctx, runImage) : runImage } : { runFile: layout ? layoutRunFile(ctx, await runFile(ctx)) : await runFile(ctx) }),
      platformApi: ctx.platformApi,
      transport: ctx.transport,
    },
    { log: ctx.log },
  );
  await writeFile(layersPath(ctx, "analyzed", "analyzed.toml"), stringifyAnalyzedToml(result.analyzed));
  return result;
}

async function doDetect(ctx: Context, target: RunImageTarget | undefined) {
  const orderPath = ctx.args.get("order") ?? join(ctx.paths.host.layers, "order.toml");
  const text = (await readFile(orderPath, "utf8").catch(() => undefined)) ?? (await readFile("/cnb/order.toml", "utf8"));
  const order = parseOrderToml(text, orderPath).order;
  return detect(
    {
      paths: ctx.paths,
      exec: ctx.exec,
      platformApi: parseApiVersion(ctx.platformApi, "platform API"),
      order,
      store: dirStore(ctx.paths),
      runImageTarget: target ?? { os: "linux", arch: process.arch === "x64" ? "amd64" : process.arch },
      execEnv: ctx.args.get("exec-env") as string,
    },
    { runner: directRunner(), log: ctx.log },
  );
}

async function doBuild(ctx: Context, analyzed: AnalyzedFile) {
  const groupPath = layersPath(ctx, "group", "group.toml");
  const planPath = layersPath(ctx, "plan", "plan.toml");
  return runBuild(
    {
      paths: ctx.paths,
      exec: ctx.exec,
      platformApi: parseApiVersion(ctx.platformApi, "platform API"),
      group: parseGroupToml(await readFile(groupPath, "utf8"), groupPath),
      plan: parsePlanToml(await readFile(planPath, "utf8"), planPath),
      store: dirStore(ctx.paths),
      runImageTarget: analyzed.runImage?.target ?? { os: "linux", arch: "amd64" },
      execEnv: ctx.args.get("exec-env") as string,
    },
    { runner: directRunner(), log: ctx.log },
  );
}

async function doRestore(ctx: Context, analyzed: AnalyzedFile, layers: ReturnType<typeof layerFactory>) {
  const previous = analyzed.previousImage?.reference;
  const cache = ctx.args.has("skip-restore") ? undefined : openCache(ctx);
  return restore(
    {
      layersDir: ctx.paths.host.layers,
      groupPath: layersPath(ctx, "group", "group.toml"),
      previousMetadata: analyzed.metadata,
      ...(previous ? { previousImage: await mustRead(ctx, previous, "previous image") } : {}),
      ...(cache ? { cache } : {}),
      ...(ctx.args.has("skip-layers") ? { skipLayers: true } : {}),
      platformApi: ctx.platformApi,
      layers,
    },
    { log: ctx.log },
  );
}

async function doExport(ctx: Context, analyzed: AnalyzedFile, layers: ReturnType<typeof layerFactory>) {
  const run = analyzed.runImage;
  if (!run) throw new LifecycleError("EXPORT_ERROR", "analyzed.toml names no run image", { hint: "run the analyzer first" });
  const previous = analyzed.previousImage?.reference;
  const projectMetadata = layersPath(ctx, "project-metadata", "project-metadata.toml");
  const processType = ctx.args.get("process-type");
  const exported = await exportImage(
    {
      layersDir: ctx.paths.host.layers,
      appDir: ctx.paths.host.workspace,
      groupPath: layersPath(ctx, "group", "group.toml"),
      runImage: await mustRead(ctx, run.reference, "run image"),
      runImageRef: { reference: run.reference, ...(run.image ? { image: run.image } : {}) },
      launcher: { path: "/cnb/lifecycle/launcher" },
      projectMetadataPath: projectMetadata,
      platformApi: ctx.platformApi,
      layers,
      ...(previous ? { previousImage: await mustRead(ctx, previous, "previous image") } : {}),
      previousMetadata: analyzed.metadata,
      ...(processType ? { processType } : {}),
    },
    { log: ctx.log },
  );
  const report = await ExportError.within(() => saveImage(exported.image, ctx.names, ctx.transport));
  await writeReport(layersPath(ctx, "report", "report.toml"), bareTags(report));
  ctx.log.info(`Saved ${ctx.names.join(", ")} (${report.image.digest})`);
  const cache = openCache(ctx);
  if (cache) await saveCache({ cache, layersDir: ctx.paths.host.layers, groupPath: layersPath(ctx, "group", "group.toml"), layers, exported }, { log: ctx.log });
  return report;
}

/** Runs one phase; throws LifecycleError (with the spec's exit code) or PlatformUsageError (3). */
export async function runPhase(phase: Phase, args: PhaseArgs, env: NodeJS.ProcessEnv): Promise<void> {
  const ctx = await openContext(phase, args, env);
  try {
    const layers = layerFactory(ctx);
    switch (phase) {
      case "analyzer":
        await doAnalyze(ctx);
        return;
      case "detector":
        await doDetect(ctx, (await readAnalyzed(ctx).catch(() => undefined))?.runImage?.target);
        return;
      case "restorer":
        await doRestore(ctx, await readAnalyzed(ctx), layers);
        return;
      case "builder":
        await doBuild(ctx, await readAnalyzed(ctx));
        return;
      case "exporter":
        await doExport(ctx, await readAnalyzed(ctx), layers);
        return;
      case "rebaser": {
        // rebaser IMAGE [TAG...]: the app image's layers onto the new run image (-run-image, else its
        // label's), written to IMAGE and the tags. -previous-image (Platform API 0.11+) names the image
        // to read when it is not IMAGE itself.
        const runImage = ctx.args.get("run-image");
        const previous = ctx.args.get("previous-image");
        const appImage = previous ? imageName(ctx, previous) : (ctx.names[0] as string);
        const r = await rebase(
          {
            appImage,
            ...(runImage ? { runImage } : {}),
            tags: ctx.names,
            force: ctx.args.has("force-rebase"),
            platformApi: ctx.platformApi,
            transport: ctx.transport,
          },
          { log: ctx.log },
        );
        await writeReport(ctx.args.get("report") ?? join(ctx.args.get("layers") as string, "report.toml"), bareTags(r.report));
        ctx.log.info(`Rebased ${appImage}, saved as ${(r.report.image.tags ?? []).join(", ")} (${r.report.image.digest})`);
        return;
      }
      case "creator": {
        ctx.log.phase("analyzing");
        const a = await doAnalyze(ctx);
        await doDetect(ctx, a.target);
        ctx.log.phase("restoring");
        await doRestore(ctx, a.analyzed, layers);
        await doBuild(ctx, a.analyzed);
        ctx.log.phase("exporting");
        await doExport(ctx, a.analyzed, layers);
        return;
      }
    }
  } finally {
    await ctx.cleanup();
  }
}

// `paketo build`: the phases of the CNB lifecycle run in this process, each buildpack in the
// sandbox, the result written to any transport. Inputs are explicit (app dir, builder, run image,
// caches, destination), so the same call runs unchanged as a Kubernetes Job (D9).
import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { PaketoError } from "../../errors/index.js";
import {
  LIFECYCLE_METADATA_LABEL,
  type LifecycleMetadata,
  parseApiVersion,
  parseLifecycleMetadataLabel,
  type RunImageTarget,
  stringifyProjectMetadataToml,
} from "../../cnb/index.js";
import { npm } from "../../deps/index.js";
import { type Image, type OnProgress, sha256, digestHex, transport } from "../../oci/index.js";
import {
  build as runBuild,
  buildPaths,
  type BuildLog,
  type Cache,
  detect,
  dirStore,
  digestReference,
  exportImage,
  labelImageName,
  type Lent,
  returnTrees,
  writeFileAtomic,
  openCacheDir,
  openCacheImage,
  openLayerFactory,
  restore,
  saveCache,
} from "../../lifecycle/index.js";
import { type Bind, BUILD_MOUNT_POINTS, bwrapRunner, checkBwrap, directRunner, prepareRootfs, prepareBuilderRootfs } from "../../sandbox/index.js";
import { type PullPolicy, readBuilder } from "../distribution/index.js";
import { copyBindings } from "./bindings.js";
import { type BuildpackRef, parseBuildpackArg, planBuildpacks, projectBuildpackRef } from "./buildpacks.js";
import { checkEnvName, groupField, type Project, projectEnv, projectMetadataOf, readProject } from "./project.js";
import { ensureDefaultBuilder } from "./default-builder.js";
import { detectMemo, treeDigest } from "./detect-memo.js";
import { copyApp, type WorkspaceFilter } from "./workspace.js";

/** The Platform API paketo speaks to buildpacks and records in images. */
export const PLATFORM_API = "0.13";
const platformApi = parseApiVersion(PLATFORM_API, "platform API");

export interface BuildOptions {
  /** Where the image goes, in any transport syntax. */
  dest: string;
  appDir: string;
  /** The builder image; default: project.toml's `io.buildpacks.builder`. */
  builder?: string;
  runImage?: string;
  /** User env (`--env`, `--env-file`), written to /platform/env; wins over project.toml's. */
  env: Record<string, string>;
  /** Which app files reach /workspace; default: project.toml's include/exclude. */
  filter?: WorkspaceFilter;
  /**
   * `--buildpack` values, in order: the build runs exactly these as one group. Each is `ID` or
   * `ID@VERSION` of a builder buildpack, a folder, a .tgz, or a buildpackage image (any transport).
   * Default: project.toml's group, else the builder's order.
   */
  buildpacks?: readonly string[];
  /** Where relative `--buildpack` paths are resolved (the caller's working directory); default appDir. */
  cwd?: string;
  /** project.toml: a path; default `<appDir>/project.toml` when there is one; false: none. */
  descriptor?: string | false;
  /** Service bindings (CNB-71): name → folder with `type`, optional `provider`, and secret files. */
  bindings?: Readonly<Record<string, string>>;
  /** How buildpackage images are read (default "always", as pack). */
  pullPolicy?: PullPolicy;
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

function strip<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
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

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/** The project descriptor the build uses: the one named, else the app's project.toml if it has one. */
async function loadProject(o: BuildOptions): Promise<Project | undefined> {
  if (o.descriptor === false) return undefined;
  if (o.descriptor !== undefined) return readProject(o.descriptor);
  const path = join(o.appDir, "project.toml");
  return (await exists(path)) ? readProject(path) : undefined;
}

/** Where the machine-wide npm download cache is bound in the sandbox (src/buildpacks/README.md). */
export const SANDBOX_NPM_CACHE = "/var/cache/paketo/npm";

/**
 * What buildpacks need to reach verified dependency sources (src/buildpacks/README.md): the
 * shared download cache, the registry from the user's npm configuration, and offline mode. Given
 * as operator env (`<build-config>/env`, CNB-60), because the lifecycle's own env is filtered
 * (CNB-9). `.default` files, so a user's `--env npm_config_registry=...` still wins.
 */
async function dependencySourcesEnv(o: BuildOptions): Promise<Record<string, string>> {
  const files: Record<string, string> = {
    "PAKETO_CACHE.default": o.sandbox === "bwrap" ? SANDBOX_NPM_CACHE.slice(0, -"/npm".length) : o.cacheRoot,
  };
  if (!o.network) files["PAKETO_OFFLINE.override"] = "true";
  try {
    files["npm_config_registry.default"] = (await npm.registryFromConfig(process.env, undefined, { npmConfigGet: npmDefaultRegistry(o.cacheRoot) })).url;
  } catch {
    // No npm configuration and no npm: buildpacks that need the registry say so themselves.
  }
  return files;
}

/**
 * The certificate authorities this machine trusts, for buildpacks' downloads: the build image's
 * bundle plus the host's system bundle and the files NODE_EXTRA_CA_CERTS and SSL_CERT_FILE name,
 * so a build behind a TLS-inspecting proxy reaches the registries the host reaches. Build-time
 * only (operator env, `.default`); nothing of it goes into the image. Returns the env files.
 */
async function writeHostTrust(buildConfigDir: string, rootfs: string, sandboxDir: string): Promise<Record<string, string>> {
  const sources = [join(rootfs, "etc/ssl/certs/ca-certificates.crt"), "/etc/ssl/certs/ca-certificates.crt", process.env.NODE_EXTRA_CA_CERTS, process.env.SSL_CERT_FILE];
  const seen = new Set<string>();
  const blocks: string[] = [];
  for (const f of sources) {
    if (!f) continue;
    const text = await readFile(f, "utf8").catch(() => "");
    for (const m of text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)) {
      const pem = m[0].replace(/\r/g, "");
      if (!seen.has(pem)) {
        seen.add(pem);
        blocks.push(pem);
      }
    }
  }
  if (blocks.length === 0) return {};
  await mkdir(buildConfigDir, { recursive: true });
  await writeFile(join(buildConfigDir, "ca-certificates.crt"), `${blocks.join("\n")}\n`);
  const path = `${sandboxDir}/ca-certificates.crt`;
  return { "NODE_EXTRA_CA_CERTS.default": path, "SSL_CERT_FILE.default": path };
}

/**
 * `npm config get registry` (npm's own default, asked only when no npmrc or env names a registry),
 * remembered per npm installation: starting npm costs 0.3 s, a warm rebuild's budget is 2 s.
 */
function npmDefaultRegistry(cacheRoot: string): (env: npm.Env) => Promise<string | undefined> {
  return async (env) => {
    const dirs = (env.PATH ?? "").split(":").filter(Boolean);
    let id: string | undefined;
    for (const d of dirs) {
      const st = await stat(join(d, "npm")).catch(() => undefined);
      if (st?.isFile()) {
        id = `${await realpath(join(d, "npm"))}:${st.mtimeMs}`;
        break;
      }
    }
    if (id === undefined) return undefined;
    const file = join(npm.defaultCacheDir({ PAKETO_CACHE: cacheRoot }), "default-registry.json");
    const saved = await readFile(file, "utf8").then((t) => JSON.parse(t) as { id: string; url: string }, () => undefined);
    if (saved?.id === id) return saved.url;
    const url = await new Promise<string | undefined>((done) =>
      execFile("npm", ["config", "get", "registry"], { env: env as NodeJS.ProcessEnv, timeout: 30_000 }, (err, out) => done(err ? undefined : out.trim() || undefined)),
    );
    if (url) {
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, JSON.stringify({ id, url }));
    }
    return url;
  };
}

/** The builder's operator env (`/cnb/build-config` in its rootfs) plus the dependency-source env. */
async function writeBuildConfig(dir: string, rootfs: string, files: Record<string, string>): Promise<void> {
  const fromBuilder = join(rootfs, "cnb", "build-config");
  if (await exists(fromBuilder)) await cp(fromBuilder, dir, { recursive: true, verbatimSymlinks: true });
  await mkdir(join(dir, "env"), { recursive: true });
  for (const [name, value] of Object.entries(files)) {
    const variable = name.slice(0, name.indexOf("."));
    // The builder's own setting for a variable wins over paketo's default for it.
    if (!(await exists(join(dir, "env", variable))) && !(await exists(join(dir, "env", `${variable}.override`)))) {
      await writeFile(join(dir, "env", name), value);
    }
  }
}

/**
 * The builder's file system for the sandbox: the build image's layers as the read-only root,
 * shared by every builder on that build image, and the builder's own layers (its /cnb) beside it
 * (`cnbRoot`). A builder whose own layers reach outside /cnb is extracted whole, and then cnbRoot
 * is the root.
 */
async function builderRootfs(
  image: Image,
  opts: { cacheDir: string; mountPoints: readonly string[] },
): Promise<{ rootfs: string; cnbRoot: string }> {
  const parts = await prepareBuilderRootfs(image, opts);
  if (parts) return { rootfs: parts.root, cnbRoot: parts.top };
  const rootfs = await prepareRootfs(image, opts);
  return { rootfs, cnbRoot: rootfs };
}

export async function buildImage(o: BuildOptions): Promise<BuildOutcome> {
  const log = o.log;
  if (o.sandbox === "none" && !o.network) {
    throw new PaketoError("PLATFORM_NETWORK", "--network off needs the bwrap sandbox: with --sandbox none buildpacks run directly and share the network", {
      hint: "turn the network off for the container paketo runs in instead",
    });
  }
  const project = await loadProject(o);
  const descriptor = project?.descriptor;
  if (project?.legacy) log.warn(`${project.path} has no [_] schema-version; it is read as schema 0.1`);
  const env = { ...(descriptor ? projectEnv(descriptor) : {}), ...o.env };
  for (const k of Object.keys(o.env)) checkEnvName(k, "--env");
  if (o.sandbox === "bwrap") await checkBwrap();
  // No builder named: the embedded default, made in the local store on first use.
  const builderName =
    o.builder ??
    descriptor?.builder ??
    (await log.time("default builder", () =>
      ensureDefaultBuilder({ cacheRoot: o.cacheRoot, transport: o.transport, log, ...(o.onProgress ? { onProgress: o.onProgress } : {}) }),
    ));
  // Started now, awaited before detect: `npm config get registry` overlaps reading the builder.
  const registry = dependencySourcesEnv(o);
  registry.catch(() => {});
  const builderImage = await log.time("builder", () => readImage(builderName, o.transport, "builder"));
  const info = await readBuilder(builderImage, builderName);
  const home = info.build.env.HOME;
  const { rootfs, cnbRoot } = await log.time("rootfs", () =>
    builderRootfs(builderImage, {
      cacheDir: join(o.cacheRoot, "rootfs"),
      mountPoints: [...BUILD_MOUNT_POINTS, SANDBOX_NPM_CACHE.slice(1), ...(home ? [home.replace(/^\/+/, "")] : [])],
    }),
  );
  const runName = o.runImage ?? info.runImages[0]?.image;
  if (!runName) throw new PaketoError("PLATFORM_RUN_IMAGE", `builder ${builderName} names no run image`, { hint: "pass --run-image" });
  const runImage = await readImage(runName, o.transport, "run image");
  // In labels a bare name is a registry reference (CNB); a store run image is recorded `store:NAME`.
  const runParsed = transport.parseImageName(runName);
  const runConfig = await runImage.configFile();
  const target = runImageTarget(runConfig);

  await mkdir(join(o.cacheRoot, "work"), { recursive: true });
  const workDir = await mkdtemp(join(o.cacheRoot, "work", "build-"));
  let lent: Lent[] = [];
  try {
    // The buildpacks: --buildpack, else project.toml's group, else the builder's order; pre/post around them.
    const fromProject = (which: "group" | "pre" | "post"): BuildpackRef[] =>
      project?.descriptor[which].map((b, i) => projectBuildpackRef(b, project.dir, `${project.path}: ${groupField(project.descriptor, which, i)}`)) ?? [];
    const group: BuildpackRef[] = [];
    for (const [i, arg] of (o.buildpacks ?? []).entries()) group.push(await parseBuildpackArg(arg, o.cwd ?? o.appDir, info, i));
    const planned = await log.time("buildpacks", () =>
      planBuildpacks({
        group: group.length > 0 ? group : fromProject("group"),
        pre: fromProject("pre"),
        post: fromProject("post"),
        builder: info,
        rootfs: cnbRoot,
        workDir,
        images: { ...o.transport, ...(o.pullPolicy ? { pullPolicy: o.pullPolicy } : {}) },
        log,
      }),
    );
    const buildConfigDir = join(workDir, "build-config");
    const trust = await writeHostTrust(buildConfigDir, rootfs, o.sandbox === "bwrap" ? "/cnb/build-config" : buildConfigDir);
    await writeBuildConfig(buildConfigDir, cnbRoot, { ...(await registry), ...trust });
    const buildpacksDir = planned.buildpacksDir ?? (cnbRoot === rootfs ? undefined : join(cnbRoot, "cnb", "buildpacks"));
    const paths = buildPaths({ workDir, rootfs, mode: o.sandbox, buildConfigDir, ...(buildpacksDir ? { buildpacksDir } : {}) });
    const filter = o.filter ?? strip({ include: descriptor?.include, exclude: descriptor?.exclude });
    const copied = await copyApp(o.appDir, paths.host.workspace, filter);
    await mkdir(paths.host.layers, { recursive: true });
    if (o.bindings && Object.keys(o.bindings).length > 0) {
      await copyBindings(o.bindings, join(paths.host.platform, "bindings"));
      // The lifecycle drops SERVICE_BINDING_ROOT from its own env (CNB-9), so it is user env (CNB-71).
      env.SERVICE_BINDING_ROOT ??= `${paths.sandbox.platform}/bindings`;
    }
    const envDir = join(paths.host.platform, "env");
    await mkdir(envDir, { recursive: true });
    for (const [k, v] of Object.entries(env)) await writeFile(join(envDir, k), v);
    // Out of the buildpacks' reach (they may write /layers), so they cannot forge the label.
    const projectMetadataPath = join(workDir, "project-metadata.toml");
    if (descriptor) await writeFile(projectMetadataPath, stringifyProjectMetadataToml(projectMetadataOf(descriptor)));

    const runner = o.sandbox === "bwrap" ? bwrapRunner() : directRunner();
    const npmCache = npm.defaultCacheDir({ PAKETO_CACHE: o.cacheRoot });
    await mkdir(npmCache, { recursive: true });
    const binds: Bind[] = o.sandbox === "bwrap" ? [{ source: npmCache, target: SANDBOX_NPM_CACHE }] : [];
    const exec = { lifecycleEnv: { ...info.build.env }, uid: info.build.uid, gid: info.build.gid, network: o.network, binds };
    const store = dirStore(paths);
    const previous = await previousImage(o.dest, o.transport);
    const previousMetadata = await labelMetadata(previous);
    const factoryOpts: Parameters<typeof openLayerFactory>[0] = { dir: join(o.cacheRoot, "layers"), uid: info.build.uid, gid: info.build.gid };
    if (o.onProgress) factoryOpts.onProgress = o.onProgress;
    const factory = openLayerFactory(factoryOpts);
    const cache = openBuildCache(o);
    // detect and build time themselves (with a line per buildpack in the summary). A detection
    // whose inputs are all unchanged since this destination's last build is reused (detect-memo.ts).
    const memo = planned.buildpacksDir || o.clearCache ? undefined : await detectMemo({
      cacheRoot: o.cacheRoot,
      dest: o.dest,
      inputs: {
        builder: await builderImage.digest(),
        order: planned.order,
        app: copied.fingerprint,
        env,
        bindings: await treeDigest(join(paths.host.platform, "bindings")),
        buildConfig: await treeDigest(join(buildConfigDir, "env")),
        target,
        platformApi: PLATFORM_API,
        sandbox: o.sandbox,
      },
    });
    const detected = (memo && (await memo.replay(paths.host.layers, log))) ?? (await detect({ paths, exec, platformApi, order: planned.order, runImageTarget: target, store }, { runner, log }));
    if (memo && !memo.hit) await memo.save(detected);
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
    lent = restored.lent;
    await runBuild({ paths, exec, platformApi, group: detected.group, plan: detected.plan, runImageTarget: target, store }, { runner, log });
    const exported = await log.time("export", async () => {
      const inputs: Parameters<typeof exportImage>[0] = {
        layersDir: paths.host.layers,
        appDir: paths.host.workspace,
        runImage,
        runImageRef: { reference: digestReference(runParsed, await runImage.digest()), image: labelImageName(runParsed), mirrors: [] },
        launcher: { path: join(cnbRoot, "cnb/lifecycle/launcher") },
        projectMetadataPath,
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
    // Layers lent from kept copies go back if the build left them as they were (restore/trees.ts).
    if (lent.length > 0) await returnTrees(join(o.cacheRoot, "layers", "trees"), lent).catch(() => 0);
    if (!o.keepWorkDir) await rm(workDir, { recursive: true, force: true });
  }
}

// Everything `paketo build` sets up before the lifecycle's phases run: the project descriptor and
// user env, the builder and its root filesystem, the buildpacks to run, and the work folder the
// buildpacks see (/workspace with the app, /platform with env and bindings, /cnb/build-config).
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type RunFile, stringifyProjectMetadataToml } from "../../cnb/index.js";
import type { CacheLayout, CacheLease } from "../../deps/index.js";
import { PaketoError } from "../../errors/index.js";
import { exists } from "../../fs/index.js";
import { type BuildPaths, buildPaths, type BuildpackStore, dirStore, type ExecSettings, type Env } from "../../lifecycle/index.js";
import { extract, formatPlatform, type Image, type Platform, remote, transport } from "../../oci/index.js";
import { type Bind, BUILD_MOUNT_POINTS, bwrapRunner, checkBwrap, checkEmulation, directRunner, prepareBuilderRootfs, prepareRootfs, type Runner } from "../../sandbox/index.js";
import { type BuilderInfo, readBuilder } from "../distribution/index.js";
import { copyBindings } from "./bindings.js";
import { dependencySourcesEnv, SANDBOX_GO_CACHE, SANDBOX_MAVEN_CACHE, SANDBOX_NPM_CACHE, SANDBOX_PYPI_CACHE, writeBuildConfig, writeHostTrust } from "./build-config.js";
import { debianCacheBind, debianSourcesEnv, SANDBOX_DEBIAN_CACHE } from "./debian-sources.js";
import type { BuildOptions } from "./options.js";
import { type BuildpackRef, parseBuildpackArg, planBuildpacks, projectBuildpackRef } from "./buildpacks.js";
import { DEFAULT_BUILDER, ensureDefaultBuilder } from "./default-builder.js";
import { checkEnvName, groupField, type Project, projectEnv, projectMetadataOf, readProject } from "./project.js";
import { scanApp } from "./workspace.js";
import type { TreeScan } from "../../fs/index.js";

/** The builder a build runs on, read and unpacked for the sandbox. */
export interface OpenedBuilder {
  project: Project | undefined;
  /** The user env: project.toml's, then `--env` (which wins). */
  env: Record<string, string>;
  name: string;
  image: Image;
  info: BuilderInfo;
  /** The build image's root filesystem (read-only root of the sandbox). */
  rootfs: string;
  /** Where the builder's own /cnb is: beside the shared rootfs, or the rootfs itself. */
  cnbRoot: string;
  /** The dependency-source env files, being computed (it overlaps reading the builder). */
  sources: Promise<Record<string, string>>;
  /** The builder image's platform: what the build is for. */
  platform: Platform;
}

/** Checks the options, reads project.toml, and makes the builder's root filesystem ready. */
export async function openBuilder(o: BuildOptions, cache: CacheLayout, lease: CacheLease): Promise<OpenedBuilder> {
  const log = o.log;
  if (o.sandbox === "none" && o.network === "off") {
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
  const name =
    o.builder ??
    descriptor?.builder ??
    (await log.time("default builder", () =>
      ensureDefaultBuilder({ cache, lease, transport: o.transport, log, ...(o.onProgress ? { onProgress: o.onProgress } : {}) }),
    ));
  // Started now, awaited before detect: `npm config get registry` overlaps reading the builder.
  const sources = dependencySourcesEnv({ sandbox: o.sandbox, network: o.network !== "off", cache, hostEnv: o.hostEnv });
  sources.catch(() => {});
  // A builder that is an index gives the platform's image; another architecture runs emulated.
  const want = o.platform ?? remote.defaultPlatform();
  const image = await log.time("builder", async () => {
    const a = await transport.read(name, o.transport);
    if (a.kind === "image") return a.image;
    const img = await remote.selectPlatform(a.index, want, name);
    if (!img) throw new PaketoError("PLATFORM_IMAGE", `builder ${name} has no ${formatPlatform(want)} image`, { hint: "paketo builder create with a [[targets]] entry for it" });
    return img;
  });
  const builderConfig = await image.configFile();
  const platform: Platform = { os: builderConfig.os, architecture: builderConfig.architecture, ...(builderConfig.variant ? { variant: builderConfig.variant } : {}) };
  if (o.platform && (platform.os !== o.platform.os || platform.architecture !== o.platform.architecture)) {
    if (name === DEFAULT_BUILDER && !o.builder && !descriptor?.builder) {
      throw new PaketoError("PLATFORM_IMAGE", `the default builder is made for this machine's platform (${formatPlatform(platform)}) only, not for ${formatPlatform(o.platform)}`, {
        hint: "create a builder with a [[targets]] entry per platform (paketo builder create NAME --config builder.toml) and pass --builder NAME; see docs/multiarch.md",
      });
    }
    throw new PaketoError("PLATFORM_IMAGE", `builder ${name} is ${formatPlatform(platform)}, not ${formatPlatform(o.platform)}`, { hint: "a builder for several platforms is an image index (paketo builder create with [[targets]])" });
  }
  if (platform.architecture !== remote.defaultPlatform().architecture) {
    if (o.sandbox === "none") {
      throw new PaketoError("PLATFORM_USAGE", `building for ${formatPlatform(platform)} on this ${formatPlatform(remote.defaultPlatform())} machine needs the bwrap sandbox (the build image's programs run emulated)`);
    }
    await checkEmulation(platform.architecture);
  }
  const info = await readBuilder(image, name);
  const home = info.build.env.HOME;
  const mountPoints = [...BUILD_MOUNT_POINTS, SANDBOX_NPM_CACHE.slice(1), SANDBOX_GO_CACHE.slice(1), SANDBOX_PYPI_CACHE.slice(1), SANDBOX_MAVEN_CACHE.slice(1), SANDBOX_DEBIAN_CACHE.slice(1), ...(home ? [home.replace(/^\/+/, "")] : [])];
  // The build image's layers as the read-only root, shared by every builder on that build image,
  // and the builder's own layers (its /cnb) beside it. A builder whose own layers reach outside
  // /cnb is extracted whole, and then cnbRoot is the root.
  // Decompression-bomb and free-space limits, PAKETO_EXTRACT_* when set (docs/security.md).
  const limits = extract.limitsFromEnv(o.hostEnv);
  const { rootfs, cnbRoot } = await log.time("rootfs", async () => {
    const parts = await prepareBuilderRootfs(image, { cacheDir: cache.rootfs, mountPoints, limits, use: lease.use });
    if (parts) return { rootfs: parts.root, cnbRoot: parts.top };
    const whole = await prepareRootfs(image, { cacheDir: cache.rootfs, mountPoints, limits, use: lease.use });
    return { rootfs: whole, cnbRoot: whole };
  });
  return { project, env, name, image, info, rootfs, cnbRoot, sources, platform };
}

/** The project descriptor the build uses: the one named, else the app's project.toml if it has one. */
async function loadProject(o: BuildOptions): Promise<Project | undefined> {
  if (o.descriptor === false) return undefined;
  if (o.descriptor !== undefined) return readProject(o.descriptor);
  const path = join(o.appDir, "project.toml");
  return (await exists(path)) ? readProject(path) : undefined;
}

/**
 * The run images to choose among, as CNB names (a bare name is a registry reference): `--run-image`
 * alone when given (recorded as given), else the builder's run.toml. The CLI's bare `NAME` and a
 * store builder's bare run image names mean the local store, so they become `store:NAME`.
 */
export function runImageChoice(o: Pick<BuildOptions, "runImage">, builder: Pick<OpenedBuilder, "name" | "info">): { runImage?: string; runFile?: RunFile } {
  const cnb = (name: string) => transport.formatCnbImageName(transport.parseImageName(name));
  if (o.runImage !== undefined) return { runImage: cnb(o.runImage) };
  const inStore = transport.parseImageName(builder.name).transport === "store";
  const name = (n: string) => (inStore ? cnb(n) : n);
  if (!builder.info.runImages[0]?.image) {
    throw new PaketoError("PLATFORM_RUN_IMAGE", `builder ${builder.name} names no run image`, { hint: "pass --run-image" });
  }
  return { runFile: { images: builder.info.runImages.map((r) => ({ ...(r.image ? { image: name(r.image) } : {}), mirrors: r.mirrors.map(name) })) } };
}

/** The work folder as the phases use it. */
export interface Workspace {
  /** The user env as written to /platform/env (with SERVICE_BINDING_ROOT when there are bindings). */
  env: Env;
  paths: BuildPaths;
  /** The buildpacks in their order (CNB-35), and where their folders are when not the builder's. */
  order: Awaited<ReturnType<typeof planBuildpacks>>["order"];
  buildpacksFromOutside: boolean;
  /** The app's files (names, kinds, modes, content hashes) and their digest, from the tree index. */
  app: TreeScan;
  buildConfigDir: string;
  /** project-metadata.toml, out of the buildpacks' reach (they may write /layers), so they cannot forge the label. */
  projectMetadataPath: string;
  runner: Runner;
  exec: ExecSettings;
  store: BuildpackStore;
}

/** Lays out the work folder: buildpacks, build config, the app, bindings and the platform env. */
export async function prepareWorkspace(o: BuildOptions, builder: OpenedBuilder, workDir: string, cache: CacheLayout): Promise<Workspace> {
  const { project, info, rootfs, cnbRoot, env } = builder;
  const descriptor = project?.descriptor;
  // The buildpacks: --buildpack, else project.toml's group, else the builder's order; pre/post around them.
  const fromProject = (which: "group" | "pre" | "post"): BuildpackRef[] =>
    project?.descriptor[which].map((b, i) => projectBuildpackRef(b, project.dir, `${project.path}: ${groupField(project.descriptor, which, i)}`)) ?? [];
  const group: BuildpackRef[] = [];
  for (const [i, arg] of (o.buildpacks ?? []).entries()) group.push(await parseBuildpackArg(arg, o.cwd ?? o.appDir, info, i));
  const planned = await o.log.time("buildpacks", () =>
    planBuildpacks({
      group: group.length > 0 ? group : fromProject("group"),
      pre: fromProject("pre"),
      post: fromProject("post"),
      builder: info,
      rootfs: cnbRoot,
      workDir,
      images: { ...o.transport, ...(o.pullPolicy ? { pullPolicy: o.pullPolicy } : {}) },
      log: o.log,
    }),
  );
  const buildConfigDir = join(workDir, "build-config");
  const sandboxConfigDir = o.sandbox === "bwrap" ? "/cnb/build-config" : buildConfigDir;
  const trust = await writeHostTrust(buildConfigDir, rootfs, sandboxConfigDir, o.hostEnv);
  await writeBuildConfig(buildConfigDir, cnbRoot, { ...(await builder.sources), ...trust, ...(await debianSourcesEnv(sandboxConfigDir)), ...nativeArchEnv(builder.platform) });
  const buildpacksDir = planned.buildpacksDir ?? (cnbRoot === rootfs ? undefined : join(cnbRoot, "cnb", "buildpacks"));
  const paths = buildPaths({ workDir, rootfs, mode: o.sandbox, buildConfigDir, ...(buildpacksDir ? { buildpacksDir } : {}) });
  const filter = o.filter ?? strip({ include: descriptor?.include, exclude: descriptor?.exclude });
  // The workspace is filled later (build.ts), once the build memo did not answer.
  const app = await o.log.time("app", () => scanApp(o.appDir, filter, cache.appIndex(o.dest)));
  await mkdir(paths.host.layers, { recursive: true });
  const userEnv: Record<string, string> = { ...env };
  if (o.bindings && Object.keys(o.bindings).length > 0) {
    await copyBindings(o.bindings, join(paths.host.platform, "bindings"));
    // The lifecycle drops SERVICE_BINDING_ROOT from its own env (CNB-9), so it is user env (CNB-71).
    userEnv.SERVICE_BINDING_ROOT ??= `${paths.sandbox.platform}/bindings`;
  }
  // The user env may hold secrets: only this user (the build user in the sandbox) reads it.
  const envDir = join(paths.host.platform, "env");
  await mkdir(envDir, { recursive: true, mode: 0o700 });
  for (const [k, v] of Object.entries(userEnv)) await writeFile(join(envDir, k), v, { mode: 0o600 });
  const projectMetadataPath = join(workDir, "project-metadata.toml");
  if (descriptor) await writeFile(projectMetadataPath, stringifyProjectMetadataToml(projectMetadataOf(descriptor)));

  await mkdir(cache.npm, { recursive: true });
  await mkdir(cache.go, { recursive: true });
  await mkdir(cache.pypi, { recursive: true });
  await mkdir(cache.maven, { recursive: true });
  const binds: Bind[] =
    o.sandbox === "bwrap"
      ? [
          { source: cache.npm, target: SANDBOX_NPM_CACHE },
          { source: cache.go, target: SANDBOX_GO_CACHE },
          { source: cache.pypi, target: SANDBOX_PYPI_CACHE },
          { source: cache.maven, target: SANDBOX_MAVEN_CACHE },
          await debianCacheBind(cache),
        ]
      : [];
  return {
    env: userEnv,
    paths,
    order: planned.order,
    buildpacksFromOutside: planned.buildpacksDir !== undefined,
    app,
    buildConfigDir,
    projectMetadataPath,
    runner: o.sandbox === "bwrap" ? bwrapRunner() : directRunner(),
    exec: { lifecycleEnv: { ...info.build.env }, uid: info.build.uid, gid: info.build.gid, network: o.network, binds },
    store: dirStore(paths),
  };
}

/**
 * For a build of another architecture (the build image's programs run emulated), the machine's own
 * architecture as PAKETO_NATIVE_ARCH: a buildpack may run a tool of that architecture instead
 * (go-dist cross-compiles with the machine's Go toolchain, docs/multiarch.md). Not set otherwise.
 */
function nativeArchEnv(platform: Platform): Record<string, string> {
  const native = remote.defaultPlatform().architecture;
  return platform.architecture === native ? {} : { "PAKETO_NATIVE_ARCH.override": native };
}

function strip<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

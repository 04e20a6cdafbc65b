// The embedded default builder: `paketo build` without --builder uses `paketo/builder:default` in
// the local store, and makes it (and the stack under it) on first use or when its inputs changed:
// builders/default.toml, the bundled buildpacks in dist/bundled-buildpacks, the stack lock and the
// launcher sources. A fingerprint of those inputs is kept beside the caches, and the inputs' inode
// states (fs/tree-index), so the warm path is lstat calls and one store lookup.
import { createHash } from "node:crypto";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBuilderConfig } from "../../cnb/index.js";
import type { CacheLayout, CacheLease } from "../../deps/index.js";
import { exists, scanTree, writeFileAtomic } from "../../fs/index.js";
import { launcherSource } from "../../launcher/index.js";
import { type OnProgress, transport } from "../../oci/index.js";
import {
  createStack,
  debianArch,
  defaultLockPath,
  defaultStackFile,
  type FlavorName,
  loadStackFile,
  StackError,
  writeLockFile,
} from "../../stack/index.js";
import type { BuildLog } from "../../lifecycle/index.js";
import { compileLauncher, createBuilder, DistributionError, PAKETO_VERSION, platformLifecycleBundle } from "../distribution/index.js";
import { openWorkDir, removeTree } from "./work-dir.js";

/** Where the default builder and its stack live in the local store. */
export const DEFAULT_BUILDER = "paketo/builder:default";
const STACK_IMAGES: Partial<Record<FlavorName, string>> = { build: "paketo/trixie:build", base: "paketo/trixie:run" };

export function defaultBuilderConfig(): string {
  // src/platform/creator and dist/platform/creator are both three levels below the package root.
  return fileURLToPath(new URL("../../../builders/default.toml", import.meta.url));
}

/**
 * builders/default.toml, plus npm's default registry (read from npm's configuration when the
 * bundles were made) as `npm_config_registry.default` build-config env: under any CNB platform
 * the buildpacks reach the registry npm would, with nothing configured. paketo build's own
 * setting from the user's npm configuration replaces it.
 */
async function defaultBuilderToml(): Promise<{ config: ReturnType<typeof parseBuilderConfig>; baseDir: string; where: string }> {
  const path = defaultBuilderConfig();
  const config = parseBuilderConfig(await readFile(path, "utf8"), path);
  const registry = (await readFile(fileURLToPath(new URL("../../bundled-buildpacks/npm-default-registry", import.meta.url)), "utf8").catch(() => "")).trim();
  if (registry !== "" && !config.build.env.some((e) => e.name === "npm_config_registry")) {
    config.build.env.push({ name: "npm_config_registry", value: registry, suffix: "default" });
  }
  return { config, baseDir: dirname(path), where: path };
}

/**
 * A hash of everything the default builder is made from: builders/default.toml (or `configPath`),
 * dist/bundled-buildpacks, the stack file and its lock, the launcher sources and the platform
 * lifecycle bundle. With `indexPath` the files are known by their inode state from the last time
 * (fs/tree-index: exactly as safe as reading them), so an unchanged paketo costs lstat calls.
 */
export async function defaultBuilderFingerprint(configPath = defaultBuilderConfig(), indexPath?: string): Promise<string> {
  const root = fileURLToPath(new URL("../../../", import.meta.url));
  const bundles = fileURLToPath(new URL("../../bundled-buildpacks/", import.meta.url));
  if (!(await exists(bundles))) {
    throw new DistributionError("DIST_BUILDER_CONFIG", `the default builder's buildpacks are not built (${bundles})`, {
      hint: "run `npm run build` in the paketo folder",
    });
  }
  const stackFile = defaultStackFile();
  const inputs = [configPath, stackFile, defaultLockPath(stackFile), ...launcherSource().files, platformLifecycleBundle()];
  const rel = (p: string) => relative(root, p).split(sep).join("/");
  const outside = inputs.filter((p) => rel(p).startsWith("../") || isAbsolute(rel(p)));
  const files = new Set(inputs.filter((p) => !outside.includes(p)).map(rel));
  const folders = new Set([...files].flatMap((f) => f.split("/").slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join("/"))));
  const bundlesRel = rel(bundles).replace(/\/$/, "");
  for (const d of bundlesRel.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"))) folders.add(d);
  const scan = await scanTree(root, {
    ...(indexPath ? { indexPath } : {}),
    keep: (p, isDir) => p === bundlesRel || p.startsWith(`${bundlesRel}/`) || (isDir ? folders.has(p) : files.has(p)),
  });
  const h = createHash("sha256");
  h.update(`paketo ${PAKETO_VERSION}\0${scan.digest}\0`);
  for (const p of outside) {
    h.update(`${p}\0`);
    h.update(await readFile(p));
    h.update("\0");
  }
  return h.digest("hex");
}

export interface DefaultBuilderOptions {
  cache: CacheLayout;
  /** This process's lease on the cache: what creating the builder uses is marked in it. */
  lease: CacheLease;
  /** The local store (and credentials) the builder and stack are written to. */
  transport: transport.TransportOptions;
  log: BuildLog;
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

interface Marker {
  fingerprint: string;
  digest: string;
}

/** The default builder's name in the store, made first when missing or stale. */
export async function ensureDefaultBuilder(o: DefaultBuilderOptions): Promise<string> {
  await o.lease.use(o.cache.defaultBuilderIndex);
  const fingerprint = await defaultBuilderFingerprint(defaultBuilderConfig(), o.cache.defaultBuilderIndex);
  const markerPath = o.cache.defaultBuilderMarker;
  await o.lease.use(markerPath);
  const marker = await readFile(markerPath, "utf8").then(
    (t) => JSON.parse(t) as Marker,
    () => undefined,
  );
  if (marker?.fingerprint === fingerprint) {
    const stored = await transport.read(DEFAULT_BUILDER, o.transport).then(
      (a) => (a.kind === "image" ? a.image.digest() : undefined),
      () => undefined,
    );
    if (stored === marker.digest) return DEFAULT_BUILDER;
  }
  const started = Date.now();
  o.log.info(`Creating the default builder ${DEFAULT_BUILDER} (first use, or paketo changed); later builds reuse it`);
  for (const part of [o.cache.debian, o.cache.stackLayers, o.cache.defaultStackLock, o.cache.launcher]) await o.lease.use(part);
  await ensureStack(o);
  const workDir = await openWorkDir(o.cache.work, "builder");
  try {
    const made = await createBuilder({
      config: await defaultBuilderToml(),
      dest: DEFAULT_BUILDER,
      launcher: async (build) => (await compileLauncher(build, { cache: o.cache, use: o.lease.use, outDir: join(workDir, "launcher"), note: (l) => o.log.info(l) })).path,
      images: o.transport,
      workDir,
      onMessage: (line) => o.log.debug(line),
      ...(o.signal ? { signal: o.signal } : {}),
    });
    const digest = String(made.digest);
    await writeFileAtomic(markerPath, `${JSON.stringify({ fingerprint, digest } satisfies Marker)}\n`);
    o.log.info(`Created ${DEFAULT_BUILDER} (${made.builder.buildpacks.length} buildpacks) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return DEFAULT_BUILDER;
  } finally {
    await removeTree(workDir);
  }
}

/**
 * The build and base run images of the shipped stack, into the store. The shipped lock is used
 * first (a copy in the cache); when Debian no longer serves a locked version the stack is
 * re-resolved once and that lock kept in the cache, never in the paketo folder.
 */
async function ensureStack(o: DefaultBuilderOptions): Promise<void> {
  const stackFile = defaultStackFile();
  const def = await loadStackFile(stackFile);
  const lockPath = o.cache.defaultStackLock;
  await mkdir(dirname(lockPath), { recursive: true });
  // The cached lock follows the shipped one: a new paketo with a new lock replaces it.
  const shipped = defaultLockPath(stackFile);
  const shippedHash = createHash("sha256").update(await readFile(shipped)).digest("hex");
  const from = await readFile(`${lockPath}.from`, "utf8").catch(() => undefined);
  if (from?.trim() !== shippedHash) {
    await copyFile(shipped, lockPath);
    await writeFile(`${lockPath}.from`, `${shippedHash}\n`);
  }
  const create = (update: boolean) =>
    createStack({
      def,
      lockPath,
      arch: debianArch(process.arch),
      flavors: Object.keys(STACK_IMAGES) as FlavorName[],
      update,
      http: { fetch },
      debCacheDir: o.cache.debian,
      layerCacheDir: o.cache.stackLayers,
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  const started = Date.now();
  o.log.info(`Creating the stack ${def.name} (Debian packages, verified; cached after the first time)`);
  let created;
  try {
    created = await create(false);
  } catch (e) {
    // Debian dropped a locked version, or the lock does not match the stack file: re-resolve once.
    if (!(e instanceof StackError) || (e.code !== "STACK_PACKAGE_GONE" && e.code !== "STACK_LOCK")) throw e;
    o.log.warn(`${e.message}; re-resolving the stack against the current Debian index`);
    created = await create(true);
    await writeLockFile(lockPath, created.lock);
  }
  for (const [flavor, name] of Object.entries(STACK_IMAGES)) {
    const image = created.images[flavor as FlavorName];
    if (image) await transport.write(name, { kind: "image", image }, o.transport);
  }
  o.log.info(`Stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${created.work.downloaded} packages downloaded)`);
}

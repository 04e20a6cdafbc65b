// node_modules in layers, shared by npm-install, yarn-install (node_modules linkers) and
// pnpm-install. The package manager installs in place in the project dir; the tree is then moved
// into a layer and the project's node_modules becomes a symlink to it. A layer is reused without
// any install while its key (lockfile, package.json install fields, Node.js, package manager,
// config files, npm_config_*/YARN_*/PNPM_* env) is unchanged.
import { cp, lstat, mkdir, readdir, readFile, readlink, realpath, rename, rm, rmdir, symlink, unlink, utimes, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { type BuildContext, type LayerRef, layerEnv, s } from "../../buildpack-api/index.js";
import { NodeError } from "./errors.js";
import { exitText, lastLines, type NodeInfo, runTool, stripAnsi, type ToolRun } from "./exec.js";
import { checkLockfile, type IntegrityMap, lockfileIntegrity, type LockfileKind } from "./lockfile.js";
import type { InstalledPm } from "./package-manager.js";
import { exists } from "../../fs/index.js";
import { type Env, hasDevDependencies, installRelevant, memberManifests, type Project, readIfExists, sha256, shown } from "./project.js";
import { listPackages, modulesSbom } from "./sbom.js";
import { launchDevDependencies } from "./frameworks.js";

import { BUILD_MOUNTS_ENV } from "../common/build-mounts.js";
export { BUILD_MOUNTS_ENV };

/** Set in the build env by a Yarn Plug'n'Play install with a separate build tree: where the image's PnP files are. */
export const LAUNCH_MODULES_ENV = "PAKETO_NODE_MODULES_LAUNCH";

export interface InstallStrategy {
  pm: InstalledPm;
  /** The project's lockfile, or undefined: then the install runs every build (it is not reproducible). */
  lockfile: LockfileKind | undefined;
  /** The cache-only layer that keeps the package manager's downloads, and the env pointing it there. */
  cacheLayer: string;
  cacheEnv: (cacheDir: string) => Record<string, string>;
  /** Arguments after the package manager: an install with devDependencies, and a production one. */
  full: readonly string[];
  production: readonly string[];
  /** Arguments that turn a copy of the full tree into the production tree (npm prune); else `production` runs afresh. */
  prune?: readonly string[];
  /** Files in the project dir that change what an install produces (.npmrc, .yarnrc...). */
  configFiles: readonly string[];
  /** From a failed install's output: the lockfile problem in words, or undefined when it is something else. */
  lockfileProblem: (output: string) => string | undefined;
  /** How to regenerate the lockfile, for the hint: `npm install`. */
  relock: string;
  /**
   * Arguments that bring a tree installed from an earlier lockfile to the current one, adding and
   * removing only what changed, without writing the lockfile or package.json (npm: `install
   * --no-save`), after `check` found the lockfile in sync with package.json exactly as the full
   * install checks it (npm: `ci --dry-run`); then the tree must match the lockfile exactly
   * (treeMatchesLockfile), else the full install runs. Undefined: every change of the lockfile
   * installs afresh.
   */
  update?: { check: readonly string[]; full: readonly string[]; production: readonly string[] };
}

const ModulesMetadata = s.object({
  key: s.string(),
  /** The install's inputs other than the lockfile and package.json (updateInputs): when only those changed, the tree may be updated. */
  tool: s.optional(s.string()),
  /** What the layer's SBOM files were made from, and their SHA-256 (writeModulesSbom): a kept tree keeps them. */
  sbom: s.optional(s.string()),
});
type ModulesMetadata = { key: string; tool?: string | undefined; sbom?: string | undefined };

/** Env settings that change an install: the package managers' own configuration variables. */
function configEnv(env: Env): [string, string][] {
  return Object.entries(env)
    .filter((e): e is [string, string] => e[1] !== undefined && /^(npm_config_|yarn_|pnpm_|corepack_)/i.test(e[0]))
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

async function moveTree(from: string, to: string, cwd: string, env: Env): Promise<void> {
  await rm(to, { recursive: true, force: true });
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EXDEV") throw e;
    // /workspace and /layers are separate mounts in the sandbox: mv copies and removes.
    const run = await runTool(["mv", from, to], { cwd, env });
    if (run.code !== 0) throw new NodeError("NODE_INSTALL", `moving ${from} to ${to} ${exitText(run)}: ${lastLines(run.output, 3).join(" / ")}`);
  }
}

/**
 * Relative links that pointed from the project's node_modules to the project (npm, yarn and pnpm
 * workspace members: `node_modules/a -> ../packages/a`) would dangle in the layer: make them absolute.
 */
async function fixEscapingLinks(moved: string, original: string): Promise<void> {
  const names = await readdir(moved).catch(() => [] as string[]);
  const candidates = [...names.filter((n) => !n.startsWith("@")).map((n) => n)];
  for (const scope of names.filter((n) => n.startsWith("@"))) {
    for (const n of await readdir(join(moved, scope)).catch(() => [] as string[])) candidates.push(join(scope, n));
  }
  for (const rel of candidates) {
    const path = join(moved, rel);
    if (!(await lstat(path)).isSymbolicLink()) continue;
    const target = await readlink(path);
    if (isAbsolute(target) || (await exists(resolve(dirname(path), target)))) continue;
    const meant = resolve(dirname(join(original, rel)), target);
    if (await exists(meant)) {
      await unlink(path);
      await symlink(meant, path);
    }
  }
}

/**
 * The project's node_modules: a symlink to `target` (whatever was there is replaced), relative, so
 * it holds wherever the app and layers dirs are as long as they keep their places to each other:
 * under `paketo build --sandbox none` a buildpack sees the build's work folder, not /workspace and
 * /layers, and an absolute link would name that folder in the image (docs/kubernetes.md).
 */
export async function linkModules(projectDir: string, target: string): Promise<void> {
  const nm = join(projectDir, "node_modules");
  await rm(nm, { recursive: true, force: true });
  await symlink(relative(projectDir, target), nm);
}

/** A node_modules shipped in the app source is removed: modules come from package.json and the lockfile. */
export async function removeSourceModules(ctx: BuildContext, project: Project): Promise<void> {
  const nm = join(project.dir, "node_modules");
  const st = await lstat(nm).catch(() => undefined);
  if (st === undefined) return;
  if (st.isDirectory()) ctx.logger.warning(`${shown(project.rel, "node_modules")} in the app source is removed: modules are installed from package.json and the lockfile`);
  await rm(nm, { recursive: true, force: true });
}

/**
 * Folders inside node_modules where build tools keep their caches: find-cache-dir's `.cache`
 * (Babel, Terser, Nuxt), Vite's `.vite` and `.vite-temp`, Astro's `.astro`. During the build they
 * are mounted from the cache-only layer `tool-caches`, so what tools write there is kept for the
 * next build and never changes a node_modules layer (which would then be tarred again, and for a
 * launch layer, shipped).
 */
export const TOOL_CACHE_DIRS = [".cache", ".vite", ".vite-temp", ".astro"] as const;

/**
 * Installs the project's modules into layers. The project's node_modules is what the image gets:
 * a symlink to `launch-modules`, or nothing when nothing needs node_modules at launch. Build-time
 * tools get the tree they need as a real folder of the project (PAKETO_BUILD_MOUNTS: the
 * platform's mount, or node-run-script's copy elsewhere; see build-tree.ts):
 * - `launch-modules` (launch, cached): production dependencies only (all of them when NODE_ENV is
 *   not production, plus the devDependencies the app's framework needs at runtime); also the
 *   build-time tree when the build needs node_modules and there is nothing to prune;
 * - `build-modules` (build, cached), when a later buildpack needs node_modules at build time (plan
 *   `node_modules` with `build = true`) and there are devDependencies, or nothing needs them at
 *   launch: the full tree.
 * The package manager's cache and the tools' caches (TOOL_CACHE_DIRS) are cache-only layers.
 */
export async function installModules(ctx: BuildContext, project: Project, strategy: InstallStrategy, node: NodeInfo): Promise<void> {
  const needBuild = neededAtBuild(ctx);
  const needLaunch = neededAtLaunch(ctx);
  // NODE_ENV other than production (Paketo's switch, e.g. for `vue-cli-service serve` or `ng serve`
  // start scripts): devDependencies stay in the image.
  const devAtLaunch = (ctx.env.NODE_ENV ?? "production") !== "production";
  const separate = needBuild && needLaunch && !devAtLaunch && hasDevDependencies(project.packageJson);
  const nm = join(project.dir, "node_modules");
  const pm = strategy.pm;
  await removeSourceModules(ctx, project);

  const lockText = strategy.lockfile === undefined ? undefined : await readFile(join(project.dir, strategy.lockfile), "utf8");
  if (strategy.lockfile !== undefined && lockText !== undefined) checkLockfile(strategy.lockfile, lockText, shown(project.rel, strategy.lockfile));
  const base = await installInputs(ctx, project, pm, node, lockText, strategy.configFiles);
  const cache = await cacheLayer(ctx, strategy.cacheLayer);
  const env: Env = { ...ctx.env, ...strategy.cacheEnv(cache.path) };
  const tool = await updateInputs(ctx, project, strategy, pm, node);
  const modulesLayer = (name: string, types: { build: boolean; launch: boolean }, key: string, updatable: string | undefined) =>
    keyedLayer(ctx, name, types, key, lockText !== undefined, updatable);

  // The metadata each layer has now: what populate or update wrote, else what was restored.
  const written = new Map<string, ModulesMetadata>();
  const record = async (layer: LayerRef<ModulesMetadata>, meta: ModulesMetadata): Promise<void> => {
    await layer.write(meta);
    written.set(layer.name, meta);
  };
  const current = (layer: LayerRef<ModulesMetadata>): ModulesMetadata | undefined => written.get(layer.name) ?? (layer.state.kind === "restored" ? layer.state.metadata : undefined);
  const run = (args: readonly string[], nodeEnv: string): Promise<void> => runPackageManager(ctx, project, strategy, args, { ...env, NODE_ENV: nodeEnv });
  const populate = async (layer: LayerRef<ModulesMetadata>, kind: "full" | "production", key: string, opts: { from?: string; keep?: readonly string[] } = {}, toolKey?: string): Promise<void> => {
    await rm(nm, { recursive: true, force: true });
    if (opts.from !== undefined && strategy.prune !== undefined) {
      ctx.logger.process(`Pruning devDependencies from a copy of ${opts.from} into ${layer.path}`);
      await cp(opts.from, nm, { recursive: true, verbatimSymlinks: true });
      await run(strategy.prune, "production");
      const dropped = await dropOptionalPeerDevDependencies(nm, project, opts.keep ?? []);
      if (dropped.length > 0) {
        ctx.logger.process(`Leaving out ${dropped.join(", ")}: devDependencies that production packages name only as optional peers`);
      }
    } else {
      ctx.logger.process(`Installing ${kind === "full" ? "all dependencies (devDependencies included)" : "production dependencies"} into ${layer.path}`);
      await run(kind === "full" ? strategy.full : strategy.production, kind === "full" ? "development" : "production");
    }
    const dest = join(layer.path, "node_modules");
    if (await exists(nm)) {
      await moveTree(nm, dest, project.dir, env);
      await fixEscapingLinks(dest, nm);
    } else {
      await mkdir(dest, { recursive: true }); // nothing to install
    }
    if (opts.from !== undefined && opts.keep !== undefined && opts.keep.length > 0) {
      const copied = await copyPackages(opts.from, dest, opts.keep);
      ctx.logger.process(`Keeping ${opts.keep.join(", ")} in the image: the framework loads it at runtime${copied.length > opts.keep.length ? ` (with ${copied.length - opts.keep.length} dependencies)` : ""}`);
    }
    await toolCacheDirs(dest, kind);
    await record(layer, { key, ...(toolKey === undefined ? {} : { tool: toolKey }) });
  };
  const toolCacheDirs = async (dest: string, kind: "full" | "production"): Promise<void> => {
    // The mount points of the tools' caches, made once with the tree so they never change it later
    // (and none of them, empty, in a tree pruned from a copy).
    for (const d of TOOL_CACHE_DIRS) {
      if (kind === "full") await mkdir(join(dest, d), { recursive: true });
      else await rmdir(join(dest, d)).catch(() => {});
    }
  };
  /**
   * The restored tree of an earlier lockfile, brought to the current one by the package manager
   * (only what changed is downloaded and unpacked). The result must be the tree the full install
   * gives: the lockfile is in sync with package.json (strategy.update.check), the lockfile and
   * package.json are left as they were, and every package installed is the
   * lockfile's (version, resolved, integrity) and every package the lockfile requires is installed;
   * otherwise, or if the update fails, the full install runs and decides.
   */
  const update = async (layer: LayerRef<ModulesMetadata>, kind: "full" | "production", key: string, toolKey: string): Promise<void> => {
    const dest = join(layer.path, "node_modules");
    const args = kind === "full" ? strategy.update!.full : strategy.update!.production;
    const manifestText = await readFile(join(project.dir, "package.json"), "utf8");
    let problem: string | undefined;
    try {
      await rm(nm, { recursive: true, force: true });
      ctx.logger.process(`Updating the ${kind === "full" ? "dependencies" : "production dependencies"} in ${layer.path} to ${strategy.lockfile}`);
      // The full install refuses a lockfile out of sync with package.json even where the update
      // would not notice (a devDependency, in a production tree).
      await run(strategy.update!.check, kind === "full" ? "development" : "production");
      await moveTree(dest, nm, project.dir, env);
      // npm's record of the tree it installed, which it trusts only when no package folder is
      // newer: restored files may carry any time. Whether the record still holds is checked below.
      const record = join(nm, ".package-lock.json");
      if (await exists(record)) await utimes(record, new Date(), new Date());
      await run(args, kind === "full" ? "development" : "production");
      const lockNow = await readIfExists(join(project.dir, strategy.lockfile!));
      const manifestNow = await readIfExists(join(project.dir, "package.json"));
      if (lockNow !== lockText) {
        await writeFile(join(project.dir, strategy.lockfile!), lockText!);
        problem = `the update rewrote ${strategy.lockfile}`;
      }
      if (manifestNow !== manifestText) {
        await writeFile(join(project.dir, "package.json"), manifestText);
        problem ??= "the update rewrote package.json";
      }
      problem ??= treeMatchesLockfile((await readIfExists(join(nm, ".package-lock.json"))) ?? "", lockText!, kind === "production");
    } catch (e) {
      problem = (e as Error).message.split("\n")[0];
    }
    if (problem !== undefined) {
      ctx.logger.process(`No update in place (${problem}): installing afresh`);
      await populate(layer, kind, key, {}, toolKey);
      return;
    }
    await moveTree(nm, dest, project.dir, env);
    await toolCacheDirs(dest, kind);
    await record(layer, { key, tool: toolKey });
  };
  const reuse = (layer: LayerRef<ModulesMetadata>): void => ctx.logger.process(`Reusing cached layer ${layer.path}`);
  const ensure = async (name: string, types: { build: boolean; launch: boolean }, kind: "full" | "production", opts: { from?: string; keep?: readonly string[] } = {}): Promise<LayerRef<ModulesMetadata>> => {
    const key = sha256(base, kind, ...(opts.keep?.length ? [JSON.stringify(opts.keep)] : []));
    // Only a tree installed straight from the lockfile is updated (not one pruned from a copy).
    const toolKey = tool === undefined || opts.from !== undefined ? undefined : sha256(tool, kind);
    const layer = await modulesLayer(name, types, key, toolKey);
    if (layer.state.kind === "restored" && layer.state.metadata.key === key) reuse(layer);
    else if (layer.state.kind === "restored" && toolKey !== undefined) await update(layer, kind, key, toolKey);
    else await populate(layer, kind, key, opts, toolKey);
    return layer;
  };
  /** Build env of the layer whose tree build-time tools use: its .bin on PATH, and the mounts. */
  const buildTree = async (layer: LayerRef<ModulesMetadata>, pathScope: "build" | "all"): Promise<void> => {
    const tools = await cacheLayer(ctx, "tool-caches");
    const tree = join(layer.path, "node_modules");
    // BP_KEEP_NODE_BUILD_CACHE=true (Paketo's switch): node_modules/.cache stays in the tree, so
    // with one layer for build and launch it ships in the image, as Paketo keeps it.
    const keepCache = (ctx.env.BP_KEEP_NODE_BUILD_CACHE ?? "").toLowerCase() === "true";
    const cached = TOOL_CACHE_DIRS.filter((d) => !(keepCache && d === ".cache"));
    const mounts = [[nm, tree], ...cached.map((d) => [join(nm, d), join(tools.path, d.slice(1))])];
    for (const d of TOOL_CACHE_DIRS) await mkdir(join(tools.path, d.slice(1)), { recursive: true });
    let e = layerEnv().prepend("PATH", join(tree, ".bin"), { delim: ":", scope: pathScope });
    // Paths with ':' or '=' cannot be written in the list: tools then see the symlink (or a copy).
    if (mounts.flat().every((p) => !/[:=]/.test(p))) e = e.override(BUILD_MOUNTS_ENV, mounts.map(([t, s]) => `${t}=${s}`).join(":"), { scope: "build" });
    await layer.writeEnv(e);
  };

  let launch: LayerRef<ModulesMetadata> | undefined;
  if (!needLaunch) {
    // Nothing runs from node_modules at launch (a front-end for a web server, a self-contained
    // framework output): the whole tree in a build-only layer, and no node_modules in the image.
    const build = await ensure("build-modules", { build: true, launch: false }, "full");
    await buildTree(build, "build");
    ctx.logger.process("No node_modules in the image: nothing needs them at launch");
  } else if (separate) {
    const build = await ensure("build-modules", { build: true, launch: false }, "full");
    const from = join(build.path, "node_modules");
    const keep = await launchDevDependencies(project, ctx.env, from);
    launch = await ensure("launch-modules", { build: false, launch: true }, "production", { from, keep });
    await buildTree(build, "build");
    await launch.writeEnv(layerEnv().prepend("PATH", join(launch.path, "node_modules", ".bin"), { delim: ":", scope: "launch" }));
  } else {
    const kind = needBuild || devAtLaunch ? "full" : "production";
    if (devAtLaunch && hasDevDependencies(project.packageJson)) ctx.logger.process(`NODE_ENV=${ctx.env.NODE_ENV}: devDependencies are kept in the image`);
    launch = await ensure("launch-modules", { build: needBuild, launch: true }, kind);
    if (needBuild) await buildTree(launch, "all");
    else await launch.writeEnv(layerEnv().prepend("PATH", join(launch.path, "node_modules", ".bin"), { delim: ":", scope: "launch" }));
  }
  if (launch !== undefined) {
    await linkModules(project.dir, join(launch.path, "node_modules"));
    const meta = current(launch);
    await writeModulesSbom(ctx, project, launch, strategy.lockfile, lockText, meta === undefined ? undefined : { meta, write: (m) => record(launch!, m) });
  }
}

/**
 * Copies packages (and the dependencies they need that `to` lacks) from the node_modules tree
 * `from` into the top level of `to`. Works for hoisted trees (npm, Yarn) and pnpm's (a package's
 * dependencies are its siblings in `.pnpm/<id>/node_modules`). Returns the names copied.
 */
/**
 * `npm prune --omit=dev` keeps a devDependency that a production package names as an optional
 * peer (npm marks it devOptional: TypeScript for @react-router/node, for one). An optional peer
 * that is absent is fine at runtime, so the app's own devDependencies marked so are removed from
 * the production tree (with their bin links), unless the framework keeps them (`keep`). Returns
 * the names removed.
 */
export async function dropOptionalPeerDevDependencies(nm: string, project: Project, keep: readonly string[]): Promise<string[]> {
  const pj = project.packageJson;
  const hidden = join(nm, ".package-lock.json");
  const text = await readIfExists(hidden);
  if (text === undefined) return [];
  let lock: { packages?: Record<string, { devOptional?: boolean; optional?: boolean; dev?: boolean; bin?: Record<string, string> | string }> };
  try {
    lock = JSON.parse(text) as typeof lock;
  } catch {
    return [];
  }
  const prod = new Set([...Object.keys(pj.dependencies ?? {}), ...Object.keys(pj.optionalDependencies ?? {}), ...Object.keys(pj.peerDependencies ?? {}), ...keep]);
  const dropped: string[] = [];
  for (const name of Object.keys(pj.devDependencies ?? {})) {
    const entry = lock.packages?.[`node_modules/${name}`];
    if (prod.has(name) || !entry?.devOptional || entry.optional) continue;
    await rm(join(nm, name), { recursive: true, force: true });
    const bins = typeof entry.bin === "string" ? [name.split("/").pop() as string] : Object.keys(entry.bin ?? {});
    for (const b of bins) await rm(join(nm, ".bin", b), { force: true });
    delete lock.packages?.[`node_modules/${name}`];
    dropped.push(name);
  }
  if (dropped.length > 0) await writeFile(hidden, `${JSON.stringify(lock, null, 2)}\n`);
  return dropped;
}

export async function copyPackages(from: string, to: string, names: readonly string[]): Promise<string[]> {
  const copied: string[] = [];
  const visit = async (name: string, near: string | undefined): Promise<void> => {
    if (copied.includes(name) || (await exists(join(to, name, "package.json")))) return;
    const candidates = [...(near === undefined ? [] : [join(near, "node_modules", name), join(dirname(near), name), join(dirname(dirname(near)), name)]), join(from, name)];
    let source: string | undefined;
    for (const c of candidates) {
      if (await exists(join(c, "package.json"))) {
        source = await realpath(c);
        break;
      }
    }
    if (source === undefined) return; // an optional dependency not installed here
    await mkdir(dirname(join(to, name)), { recursive: true });
    await cp(source, join(to, name), { recursive: true, verbatimSymlinks: true });
    copied.push(name);
    const pkg = JSON.parse(await readFile(join(source, "package.json"), "utf8")) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) await visit(dep, source);
  };
  for (const n of names) await visit(n, undefined);
  return copied;
}

/**
 * The digest of everything that changes what an install produces: the package manager and its
 * version, Node.js (version, platform, arch, module ABI), the lockfile, package.json's install
 * fields (and workspace members'), config files, and npm_config_* / YARN_* / PNPM_* settings.
 */
export async function installInputs(ctx: BuildContext, project: Project, pm: InstalledPm, node: NodeInfo, lockText: string | undefined, configFiles: readonly string[]): Promise<string> {
  const config = await Promise.all(configFiles.map(async (f) => [f, sha256((await readIfExists(join(project.dir, f))) ?? "")]));
  return sha256(
    JSON.stringify({
      format: 1,
      pm: `${pm.name}@${pm.version}`,
      node: [node.version, node.platform, node.arch, node.modules],
      lockfile: lockText === undefined ? null : sha256(lockText),
      manifest: installRelevant(project.packageJson),
      members: project.packageJson.workspaces === undefined ? [] : await memberManifests(project.dir),
      config,
      env: configEnv(ctx.env),
    }),
  );
}

/** The package manager's download cache: a cache-only layer, always kept. */
export async function cacheLayer(ctx: BuildContext, name: string): Promise<LayerRef<Record<string, never>>> {
  const layer = await ctx.layers.cached(name, { cache: true, metadata: s.object({}), onRestored: () => "keep" });
  await layer.write({});
  return layer;
}

/**
 * A cached layer kept while its key matches; never kept without a lockfile (the install would not
 * be reproducible). With `updatable` (the layer's inputs other than the lockfile and package.json)
 * a layer whose inputs match but whose key does not is kept too, for the caller to update.
 */
export function keyedLayer(ctx: BuildContext, name: string, types: { build: boolean; launch: boolean }, key: string, locked: boolean, updatable?: string): Promise<LayerRef<ModulesMetadata>> {
  return ctx.layers.cached(name, {
    ...types,
    cache: true,
    metadata: ModulesMetadata,
    onRestored: (m) =>
      !locked
        ? { rebuild: "there is no lockfile, so the install runs every build" }
        : m.key === key || (updatable !== undefined && m.tool === updatable)
          ? "keep"
          : { rebuild: "the lockfile, package.json, Node.js, the package manager or its configuration changed" },
  });
}

/**
 * The install's inputs other than the lockfile and package.json, or undefined when a tree may not
 * be updated in place: the strategy has no update, there is no lockfile or it has no `packages`
 * (lockfile v1), the project has workspaces, or npm's `package-lock` setting is given (npm could
 * then ignore the lockfile).
 */
async function updateInputs(ctx: BuildContext, project: Project, strategy: InstallStrategy, pm: InstalledPm, node: NodeInfo): Promise<string | undefined> {
  if (strategy.update === undefined || strategy.lockfile === undefined || project.packageJson.workspaces !== undefined) return undefined;
  const lock = await readIfExists(join(project.dir, strategy.lockfile));
  if (lock === undefined || !/"lockfileVersion":\s*[23]\b/.test(lock)) return undefined;
  const config = await Promise.all(strategy.configFiles.map(async (f) => [f, (await readIfExists(join(project.dir, f))) ?? ""] as const));
  if (config.some(([, text]) => /^\s*package-lock\s*=/m.test(text)) || configEnv(ctx.env).some(([k]) => /^npm_config_package_lock/i.test(k))) return undefined;
  return sha256(
    JSON.stringify({
      format: 1,
      pm: `${pm.name}@${pm.version}`,
      node: [node.version, node.platform, node.arch, node.modules],
      config: config.map(([f, text]) => [f, sha256(text)]),
      env: configEnv(ctx.env),
    }),
  );
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
}

/**
 * Whether an installed tree (npm's hidden lockfile, node_modules/.package-lock.json) is the tree
 * the lockfile gives: every package installed is in the lockfile at the same path with the same
 * version, integrity and source (when npm records it), and every package the lockfile requires (neither optional nor,
 * with `omitDev`, dev) is installed. Undefined when it is; else what differs.
 */
export function treeMatchesLockfile(hiddenText: string, lockText: string, omitDev: boolean): string | undefined {
  let hidden: Record<string, LockEntry>;
  let lock: Record<string, LockEntry>;
  try {
    hidden = (JSON.parse(hiddenText) as { packages?: Record<string, LockEntry> }).packages ?? {};
    lock = (JSON.parse(lockText) as { packages?: Record<string, LockEntry> }).packages ?? {};
  } catch {
    return "no record of the installed tree";
  }
  for (const [path, got] of Object.entries(hidden)) {
    if (path === "") continue;
    const want = lock[path];
    if (want === undefined) return `${path} is not in the lockfile`;
    if (omitDev && want.dev) return `${path} is a devDependency`;
    for (const f of ["version", "resolved", "integrity", "link"] as const) {
      // npm leaves out registry URLs with omit-lockfile-registry-resolved.
      if (f === "resolved" && got.resolved === undefined) continue;
      if (got[f] !== want[f]) return `${path}: ${f} ${String(got[f])} where the lockfile has ${String(want[f])}`;
    }
  }
  for (const [path, want] of Object.entries(lock)) {
    if (path === "" || !path.includes("node_modules/") || want.optional || want.devOptional || want.peer || (omitDev && want.dev)) continue;
    if (hidden[path] === undefined) return `${path} is not installed`;
  }
  return undefined;
}

/** Whether anything needs node_modules at launch (a start buildpack, or the install buildpack's own fallback plan). */
export function neededAtLaunch(ctx: BuildContext): boolean {
  return ctx.plan.select("node_modules").some((e) => e.metadata.launch === true);
}

/** Whether a later buildpack needs node_modules at build time (node-run-script requires it with build = true). */
export function neededAtBuild(ctx: BuildContext): boolean {
  return ctx.plan.select("node_modules").some((e) => e.metadata.build === true);
}

/** What a failed install is matched against: the lockfile, how the package manager words its problems, how to regenerate it. */
export type InstallDiagnosis = Pick<InstallStrategy, "pm" | "lockfile" | "lockfileProblem" | "relock">;

/** Runs the package manager in the project dir, its output in the log; a failure is NODE_LOCKFILE or NODE_INSTALL. */
export async function runPackageManager(ctx: BuildContext, project: Project, strategy: InstallDiagnosis, args: readonly string[], env: Env): Promise<void> {
  const shownCmd = `${strategy.pm.name} ${args.join(" ")}`;
  ctx.logger.subprocess(`Running '${shownCmd}'`);
  const started = Date.now();
  const r = await runTool([...strategy.pm.argv, ...args], { cwd: project.dir, env, logger: ctx.logger });
  if (r.code !== 0) throw installError(strategy, project, shownCmd, r);
  ctx.logger.subprocess(`Completed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

function installError(strategy: InstallDiagnosis, project: Project, cmd: string, r: ToolRun): NodeError {
  const tail = lastLines(r.output, 12);
  const problem = strategy.lockfile === undefined ? undefined : strategy.lockfileProblem(stripAnsi(r.output));
  if (problem !== undefined) {
    return new NodeError("NODE_LOCKFILE", `${shown(project.rel, strategy.lockfile!)}: ${problem}`, {
      hint: `run '${strategy.relock}' in ${project.rel === "" ? "the app" : project.rel} and commit ${strategy.lockfile}`,
    });
  }
  const dependency = failedInstallScript(stripAnsi(r.output));
  const what = dependency === undefined ? "" : `the install script of dependency ${dependency} failed: `;
  return new NodeError("NODE_INSTALL", `${what}'${cmd}' in ${project.rel === "" ? "the app" : project.rel} ${exitText(r)}; its last output:\n${tail.map((l) => `    ${l}`).join("\n")}`, {
    hint:
      dependency === undefined
        ? "the install output above shows the cause"
        : `the output above shows why ${dependency} could not be built (a missing system library or header, or a Node.js version it does not support); ignore-scripts=true in .npmrc skips every install script`,
  });
}

/** The dependency whose install script failed, from npm's, Yarn classic's or pnpm's output. */
export function failedInstallScript(output: string): string | undefined {
  const name = "((?:@[^/\\s]+/)?[^/\\s:@]+)";
  const npm = new RegExp(`^npm (?:error|ERR!) path \\S*/node_modules/${name}\\s*$`, "m").exec(output);
  if (npm && /^npm (?:error|ERR!) command failed/m.test(output)) return npm[1];
  const yarn = new RegExp(`^error \\S*/node_modules/${name}: Command failed\\.`, "m").exec(output);
  if (yarn) return yarn[1];
  const pnpm = new RegExp(`ELIFECYCLE.*?${name}@\\S+ (?:preinstall|install|postinstall): `, "m").exec(output) ?? new RegExp(`node_modules/${name} (?:preinstall|install|postinstall): .*Failed`, "m").exec(output);
  return pnpm?.[1];
}

/**
 * `<layer>.sbom.cdx.json` and `.spdx.json`: every package in the layer's node_modules (unless
 * BP_DISABLE_SBOM). With `kept` (the layer's metadata, and how to write it), what the SBOM is made
 * from (the tree's key, package.json, the lockfile, this buildpack, SOURCE_DATE_EPOCH) and the
 * SHA-256 of the files are recorded in it; a later build of the same tree whose restored SBOM
 * files are still those keeps them without listing node_modules again.
 */
export async function writeModulesSbom(
  ctx: BuildContext,
  project: Project,
  layer: LayerRef<unknown>,
  lockfile: LockfileKind | undefined,
  lockText: string | undefined,
  kept?: { meta: ModulesMetadata; write: (m: ModulesMetadata) => Promise<void> },
): Promise<void> {
  if ((ctx.env.BP_DISABLE_SBOM ?? "").toLowerCase() === "true") return;
  const files = [`${layer.path}.sbom.cdx.json`, `${layer.path}.sbom.spdx.json`];
  const inputs =
    kept === undefined
      ? undefined
      : sha256(JSON.stringify({ rules: SBOM_RULES, tree: kept.meta.key, app: project.packageJson, lockfile: lockfile ?? null, lock: lockText === undefined ? null : sha256(lockText), tool: [ctx.buildpack.id, ctx.buildpack.version], epoch: ctx.env.SOURCE_DATE_EPOCH ?? "" }));
  if (kept !== undefined && kept.meta.sbom !== undefined && kept.meta.sbom.startsWith(`${inputs}:`)) {
    const texts = await Promise.all(files.map((f) => readIfExists(f)));
    if (texts.every((t) => t !== undefined) && kept.meta.sbom === `${inputs}:${sha256(...(texts as string[]))}`) {
      ctx.logger.process(`Keeping the SBOM of ${layer.path} (its tree is unchanged)`);
      return;
    }
  }
  const dir = join(layer.path, "node_modules");
  let integrity: IntegrityMap = new Map();
  if (lockfile !== undefined && lockText !== undefined) integrity = lockfileIntegrity(lockfile, lockText);
  else {
    const hidden = await readIfExists(join(dir, ".package-lock.json")); // npm writes it on every install
    if (hidden !== undefined) integrity = lockfileIntegrity("package-lock.json", hidden);
  }
  const packages = await listPackages(dir);
  const sbom = modulesSbom(packages, integrity, { app: project.packageJson, tool: { name: ctx.buildpack.id, version: ctx.buildpack.version }, env: ctx.env });
  ctx.logger.process(`Generating SBOM for ${layer.path} (${packages.length} packages)`);
  await layer.writeSbom({ format: "cyclonedx", content: sbom.cyclonedx }, { format: "spdx", content: sbom.spdx });
  if (kept !== undefined) await kept.write({ ...kept.meta, sbom: `${inputs}:${sha256(sbom.cyclonedx, sbom.spdx)}` });
}

/** Names how writeModulesSbom makes an SBOM: a change to that changes it, and kept SBOMs are made again. */
const SBOM_RULES = "node-modules-sbom/1";

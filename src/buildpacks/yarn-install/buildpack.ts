// yarn-install: Yarn classic (1.x, `yarn` package) or Yarn Berry (2+, `@yarnpkg/cli-dist`, or the
// release the repository commits as yarnPath), then the install: node_modules layers (classic, and
// berry's node-modules / pnpm linkers; node-common/modules.ts) or Plug'n'Play (./pnp.ts).
import { join } from "node:path";
import semver from "semver";
import { defineBuildpack, fail, pass, type Progress } from "../../buildpack-api/index.js";
import {
  buildProject,
  type Env,
  type InstalledPm,
  installerPlan,
  installModules,
  installNodeGyp,
  installPackageManager,
  isBerryLockfile,
  loadProject,
  nodeInfo,
  type PackageSource,
  parsePackageManager,
  type PmRequest,
  type Project,
  readIfExists,
  registrySource,
  shown,
} from "../node-common/index.js";
import { installPnp } from "./pnp.js";

export interface YarnInstallDeps {
  source: (env: Env, progress?: Progress) => PackageSource;
}

/** A `.yarnrc.yml` top-level scalar (`nodeLinker`, `yarnPath`), without a YAML parser: these are one-line keys. */
export function yarnrcValue(text: string | undefined, key: string): string | undefined {
  if (text === undefined) return undefined;
  const m = new RegExp(`^${key}:\\s*(?:"([^"]*)"|'([^']*)'|([^#\\s][^#]*?))\\s*(?:#.*)?$`, "m").exec(text);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

export interface YarnChoice {
  request: PmRequest;
  berry: boolean;
}

/**
 * Which Yarn: package.json `packageManager`; else a yarnPath release committed in the repository;
 * else BP_YARN_VERSION; else Berry (newest `@yarnpkg/cli-dist` for this Node.js) when the project
 * has `.yarnrc.yml` or a Berry lockfile (`__metadata`), classic `yarn@1` otherwise.
 */
export function yarnChoice(project: Project, env: Env, lockText: string | undefined, yarnrc: string | undefined): YarnChoice {
  const field = parsePackageManager(project.packageJson, project.rel);
  const registry = (spec: string, berry: boolean, why: string, hash?: { alg: string; hex: string }): YarnChoice => ({
    // Yarn classic calls Node.js APIs that newer Node.js deprecates: no DeprecationWarning from
    // Yarn's own process in the log (its scripts still get theirs).
    request: { name: "yarn", kind: "registry", pkg: berry ? "@yarnpkg/cli-dist" : "yarn", spec, why, ...(hash ? { hash } : {}), ...(berry ? {} : { nodeFlags: ["--no-deprecation"] }) },
    berry,
  });
  const yarnPath = yarnrcValue(yarnrc, "yarnPath");
  if (field?.name === "yarn") {
    const berry = semver.major(field.version) >= 2;
    if (!(berry && yarnPath)) return registry(field.version, berry, 'package.json "packageManager"', field.hash);
  }
  if (yarnPath !== undefined) return { request: { name: "yarn", kind: "file", path: join(project.dir, yarnPath), why: `.yarnrc.yml yarnPath` }, berry: true };
  const wanted = (env.BP_YARN_VERSION ?? "").trim();
  if (wanted !== "") {
    const min = semver.validRange(wanted) === null ? null : semver.minVersion(wanted);
    return registry(wanted, min !== null && min.major >= 2, "BP_YARN_VERSION");
  }
  if (yarnrc !== undefined || (lockText !== undefined && isBerryLockfile(lockText))) return registry("*", true, "the newest Yarn for this Node.js (a Yarn 2+ project)");
  return registry("1", false, "Yarn classic for a yarn.lock v1");
}

/** Yarn classic's and Berry's words for a lockfile that does not match package.json, or is broken. */
export function yarnLockfileProblem(output: string): string | undefined {
  if (/Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`/.test(output)) return "out of sync with package.json (yarn install --frozen-lockfile would change it)";
  if (/YN0028/.test(output)) return "out of sync with package.json (the install would modify it, and --immutable forbids that)";
  const yaml = /YAMLException: (.*)/.exec(output);
  if (yaml) return `broken: ${yaml[1]!.trim()}`;
  const classic = /error An unexpected error occurred: "?(.*(?:Unknown token|Invalid value type|Unexpected).*?)"?\.?$/m.exec(output);
  if (classic) return `broken: ${classic[1]!.trim()}`;
  return undefined;
}

function registryEnv(env: Env): string | undefined {
  const r = env.npm_config_registry ?? env.NPM_CONFIG_REGISTRY;
  return r === undefined || r === "" ? undefined : r;
}

/**
 * Settings every Berry run gets: no telemetry, plain output, the registry of the npm
 * configuration, and SSL_CERT_FILE as its CA file (Berry reads neither npm's cafile nor OpenSSL's
 * default store).
 */
export function berryEnv(env: Env): Record<string, string> {
  const registry = registryEnv(env);
  const caFile = env.SSL_CERT_FILE;
  return {
    ...(caFile !== undefined && caFile !== "" && env.YARN_HTTPS_CA_FILE_PATH === undefined ? { YARN_HTTPS_CA_FILE_PATH: caFile } : {}),
    YARN_ENABLE_TELEMETRY: "0",
    YARN_ENABLE_PROGRESS_BARS: "0",
    YARN_ENABLE_COLORS: "0",
    YARN_ENABLE_HYPERLINKS: "0",
    YARN_ENABLE_INLINE_BUILDS: "1",
    ...(env.PAKETO_OFFLINE === "true" ? { YARN_ENABLE_NETWORK: "0" } : {}),
    ...(registry !== undefined && env.YARN_NPM_REGISTRY_SERVER === undefined ? { YARN_NPM_REGISTRY_SERVER: registry.replace(/\/+$/, "") } : {}),
  };
}

/** `yarn workspaces focus --production` is built into Yarn 4 (a plugin before). */
export function canFocus(pm: InstalledPm): boolean {
  const v = semver.coerce(pm.version);
  return v !== null && v.major >= 4;
}

async function installClassic(ctx: Parameters<typeof installModules>[0], project: Project, pm: InstalledPm, node: Awaited<ReturnType<typeof nodeInfo>>, locked: boolean, path: string): Promise<void> {
  const registry = registryEnv(ctx.env);
  const offline = ctx.env.PAKETO_OFFLINE === "true" ? ["--offline"] : [];
  const common = ["--ignore-engines", "--non-interactive", "--no-progress", ...(locked ? ["--frozen-lockfile"] : []), ...offline];
  await installModules(
    ctx,
    project,
    {
      pm,
      lockfile: locked ? "yarn.lock" : undefined,
      cacheLayer: "yarn-cache",
      cacheEnv: (dir) => ({ PATH: path, YARN_CACHE_FOLDER: dir, ...(registry !== undefined && ctx.env.YARN_REGISTRY === undefined ? { YARN_REGISTRY: registry } : {}) }),
      full: ["install", ...common, "--production=false"],
      production: ["install", ...common, "--production=true", ...(offline.length ? [] : ["--prefer-offline"])],
      configFiles: [".yarnrc", ".npmrc"],
      lockfileProblem: yarnLockfileProblem,
      relock: "yarn install",
    },
    node,
  );
}

export const yarnInstall = (deps: YarnInstallDeps = { source: registrySource }) =>
  defineBuildpack({
    detect: async (ctx) => {
      const project = await loadProject(ctx.appDir, ctx.env);
      if (project === undefined) return fail("no package.json");
      const locked = (await readIfExists(join(project.dir, "yarn.lock"))) !== undefined;
      if (!locked && parsePackageManager(project.packageJson, project.rel)?.name !== "yarn") return fail("no yarn.lock, and package.json names no yarn packageManager");
      return pass(installerPlan("yarn"));
    },
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const project = await buildProject(ctx.appDir, ctx.env);
      const lockText = await readIfExists(join(project.dir, "yarn.lock"));
      const yarnrc = await readIfExists(join(project.dir, ".yarnrc.yml"));
      const node = await nodeInfo(ctx.env, project.dir);
      const choice = yarnChoice(project, ctx.env, lockText, yarnrc);
      const pm = await installPackageManager(ctx, choice.request, node, deps.source(ctx.env, ctx.progress));
      const gyp = await installNodeGyp(ctx, node, deps.source(ctx.env, ctx.progress));
      // The layer's bin/ reaches PATH for later buildpacks only; the installs here need it now.
      const path = [gyp, ctx.env.PATH].filter(Boolean).join(":");
      if (!choice.berry) {
        await installClassic(ctx, project, pm, node, lockText !== undefined, path);
        return {};
      }
      const linker = ctx.env.YARN_NODE_LINKER ?? yarnrcValue(yarnrc, "nodeLinker") ?? "pnp";
      ctx.logger.process(`Yarn ${pm.version} with the ${linker} linker (${shown(project.rel, ".yarnrc.yml")} nodeLinker)`);
      const locked = lockText !== undefined;
      const diagnosis = { pm, lockfile: locked ? ("yarn.lock" as const) : undefined, lockfileProblem: yarnLockfileProblem, relock: "yarn install" };
      const full = ["install", ...(locked ? ["--immutable"] : [])];
      if (!canFocus(pm)) ctx.logger.warning(`Yarn ${pm.version} has no 'workspaces focus --production' built in: devDependencies stay in the image`);
      const production = canFocus(pm) ? ["workspaces", "focus", "--all", "--production"] : full;
      if (linker === "pnp") {
        await installPnp(ctx, project, { ...diagnosis, full, production, env: { ...berryEnv(ctx.env), PATH: path }, lockText }, node);
        return {};
      }
      await installModules(
        ctx,
        project,
        {
          ...diagnosis,
          cacheLayer: "yarn-cache",
          cacheEnv: (dir) => ({ ...berryEnv(ctx.env), PATH: path, YARN_ENABLE_GLOBAL_CACHE: "true", YARN_GLOBAL_FOLDER: dir }),
          full,
          production,
          configFiles: [".yarnrc.yml"],
        },
        node,
      );
      return {};
    },
  });

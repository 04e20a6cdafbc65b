// pnpm-install: pnpm from the npm registry (packageManager, BP_PNPM_VERSION, else by the
// lockfile's version: 5.x -> pnpm 7, 6.x -> pnpm 8, 9.x or none -> the newest pnpm with a
// JavaScript entry point that runs on the build's Node.js), then `pnpm install` into node_modules
// layers (node-common/modules.ts). pnpm's content-addressed store is the cache-only layer.
// Dependencies' build scripts run (pnpm 10+ blocks them by default) unless the app sets a policy.
import { join } from "node:path";
import semver from "semver";
import { defineBuildpack, fail, pass, type Progress } from "../../buildpack-api/index.js";
import {
  buildProject,
  type Env,
  installerPlan,
  installModules,
  installPackageManager,
  loadProject,
  NODE_GYP_NODEDIR_ENV,
  nodeInfo,
  type PackageSource,
  parsePackageManager,
  type PmRequest,
  pnpmLockfileVersion,
  type Project,
  readIfExists,
  registrySource,
} from "../node-common/index.js";

export interface PnpmInstallDeps {
  source: (env: Env, progress?: Progress) => PackageSource;
}

const hasJsEntry = (m: Record<string, unknown>): boolean => {
  const bin = m.bin as Record<string, string> | string | undefined;
  const entry = typeof bin === "string" ? bin : bin?.pnpm;
  return entry !== undefined && /\.(c|m)?js$/.test(entry);
};

/** Which pnpm: package.json `packageManager`, then BP_PNPM_VERSION, then the lockfile's generation. */
export function pnpmRequest(project: Project, env: Env, lockText: string | undefined): PmRequest {
  const field = parsePackageManager(project.packageJson, project.rel);
  if (field?.name === "pnpm") return { name: "pnpm", kind: "registry", pkg: "pnpm", spec: field.version, ...(field.hash ? { hash: field.hash } : {}), why: 'package.json "packageManager"' };
  const wanted = (env.BP_PNPM_VERSION ?? "").trim();
  if (wanted !== "") return { name: "pnpm", kind: "registry", pkg: "pnpm", spec: wanted, why: "BP_PNPM_VERSION" };
  const lockfileVersion = lockText === undefined ? undefined : pnpmLockfileVersion(lockText);
  const major = lockfileVersion === undefined ? undefined : Number(lockfileVersion.split(".")[0]);
  const spec = major === 5 ? "7" : major === 6 ? "8" : ">=9";
  const why = lockfileVersion === undefined ? "the newest pnpm for this Node.js" : `pnpm-lock.yaml lockfileVersion ${lockfileVersion}`;
  return { name: "pnpm", kind: "registry", pkg: "pnpm", spec, why, accept: hasJsEntry, acceptWhy: "with a JavaScript entry point" };
}

/** pnpm settings as env: `pnpm_config_<name>` for pnpm 11+, which reads only that prefix; `npm_config_<name>` before. */
export function pnpmSettings(pnpmVersion: string, settings: Record<string, string>): Record<string, string> {
  const prefix = semver.major(pnpmVersion) >= 11 ? "pnpm_config_" : "npm_config_";
  return Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${prefix}${k}`, v]));
}

/** The settings by which an app chooses whose build scripts run: pnpm 10's, and pnpm 11's that replaced them. */
const POLICY_10 = ["onlyBuiltDependencies", "onlyBuiltDependenciesFile", "neverBuiltDependencies", "ignoredBuiltDependencies", "dangerouslyAllowAllBuilds", "ignoreScripts"];
const POLICY_11 = ["allowBuilds", "dangerouslyAllowAllBuilds", "ignoreScripts"];

/**
 * pnpm 10 and later run a dependency's build scripts only when the app allows it (pnpm 11 fails
 * the install otherwise). Unless the app chose (package.json "pnpm", pnpm-workspace.yaml, .npmrc
 * or the env name one of the policy settings), every build script runs, as with npm and as
 * Paketo users expect: pnpm's `dangerouslyAllowAllBuilds`.
 */
export async function buildScriptsEnv(project: Project, env: Env, pnpmVersion: string): Promise<{ env: Record<string, string>; why: string | undefined }> {
  const major = semver.major(pnpmVersion);
  if (major < 10) return { env: {}, why: undefined };
  const keys = major === 10 ? POLICY_10 : POLICY_11;
  const decides = (where: string) => ({ env: {}, why: `${where} decides which dependencies' build scripts run` });
  const field = project.packageJson.pnpm as Record<string, unknown> | undefined;
  const inPackage = keys.find((k) => typeof field === "object" && field !== null && field[k] !== undefined);
  if (inPackage) return decides(`package.json "pnpm.${inPackage}"`);
  const workspace = (await readIfExists(join(project.dir, "pnpm-workspace.yaml"))) ?? "";
  const inWorkspace = keys.find((k) => new RegExp(`^${k}\\s*:`, "m").test(workspace));
  if (inWorkspace) return decides(`pnpm-workspace.yaml "${inWorkspace}"`);
  const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const npmrc = (await readIfExists(join(project.dir, ".npmrc"))) ?? "";
  const inNpmrc = keys.map(kebab).find((k) => new RegExp(`^\\s*${k}(\\[\\])?\\s*=`, "m").test(npmrc));
  if (inNpmrc) return decides(`.npmrc "${inNpmrc}"`);
  const names = new Set(keys.flatMap((k) => ["npm_config_", "pnpm_config_"].map((p) => `${p}${kebab(k).replaceAll("-", "_")}`)));
  const inEnv = Object.keys(env).find((k) => names.has(k.toLowerCase()));
  if (inEnv) return decides(inEnv);
  return {
    env: pnpmSettings(pnpmVersion, { dangerously_allow_all_builds: "true" }),
    why: `pnpm ${pnpmVersion} runs every dependency's build scripts, as npm does (${major === 10 ? "onlyBuiltDependencies" : "allowBuilds"} in pnpm-workspace.yaml chooses otherwise)`,
  };
}

/** pnpm's words for a broken lockfile or one that does not match package.json. */
export function pnpmLockfileProblem(output: string): string | undefined {
  const broken = /ERR_PNPM_BROKEN_LOCKFILE\s+The lockfile at "[^"]*" is broken: (.*)/.exec(output);
  if (broken) return `broken: ${broken[1]!.trim()}`;
  if (/ERR_PNPM_OUTDATED_LOCKFILE/.test(output)) {
    const reason = /Failure reason:\s*\n([\s\S]*)/.exec(output)?.[1];
    const details = (reason ?? "")
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== "")
      .slice(0, 3)
      .join(" ");
    return `out of sync with package.json${details ? ` (${details})` : ""}`;
  }
  const other = /(ERR_PNPM_LOCKFILE_\w+)\s+(.*)/.exec(output);
  return other ? `${other[2]!.trim()} (${other[1]})` : undefined;
}

export const pnpmInstall = (deps: PnpmInstallDeps = { source: registrySource }) =>
  defineBuildpack({
    detect: async (ctx) => {
      const project = await loadProject(ctx.appDir, ctx.env);
      if (project === undefined) return fail("no package.json");
      const locked = (await readIfExists(join(project.dir, "pnpm-lock.yaml"))) !== undefined;
      if (!locked && parsePackageManager(project.packageJson, project.rel)?.name !== "pnpm") return fail("no pnpm-lock.yaml, and package.json names no pnpm packageManager");
      return pass(installerPlan("pnpm"));
    },
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const project = await buildProject(ctx.appDir, ctx.env);
      const lockText = await readIfExists(join(project.dir, "pnpm-lock.yaml"));
      const node = await nodeInfo(ctx.env, project.dir);
      const pm = await installPackageManager(ctx, pnpmRequest(project, ctx.env, lockText), node, deps.source(ctx.env, ctx.progress));
      const scripts = await buildScriptsEnv(project, ctx.env, pm.version);
      // pnpm gives scripts no npm_package_* from its own env: node-gyp's headers go as npm_config_nodedir
      const nodedir = ctx.env[NODE_GYP_NODEDIR_ENV];
      const gyp: Record<string, string> = nodedir && ctx.env.npm_config_nodedir === undefined ? { npm_config_nodedir: nodedir } : {};
      if (scripts.why) ctx.logger.subprocess(scripts.why);
      const frozen = lockText === undefined ? "--no-frozen-lockfile" : "--frozen-lockfile";
      const offline = ctx.env.PAKETO_OFFLINE === "true" ? ["--offline"] : [];
      await installModules(
        ctx,
        project,
        {
          pm,
          lockfile: lockText === undefined ? undefined : "pnpm-lock.yaml",
          cacheLayer: "pnpm-store",
          cacheEnv: (dir) => ({
            ...pnpmSettings(pm.version, {
              store_dir: dir,
              // Copies, not hard links into the store: the store is a cache layer, restored on its own.
              package_import_method: "copy",
              confirm_modules_purge: "false",
              update_notifier: "false",
            }),
            CI: "true",
            ...scripts.env,
            ...gyp,
          }),
          full: ["install", frozen, "--prod=false", "--reporter=append-only", ...offline],
          production: ["install", frozen, "--prod", offline.length ? "--offline" : "--prefer-offline", "--reporter=append-only"],
          configFiles: [".npmrc", "pnpm-workspace.yaml", ".pnpmfile.cjs"],
          lockfileProblem: pnpmLockfileProblem,
          relock: "pnpm install",
        },
        node,
      );
      return {};
    },
  });

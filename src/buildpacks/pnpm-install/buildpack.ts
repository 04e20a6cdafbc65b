// pnpm-install: pnpm from the npm registry (packageManager, BP_PNPM_VERSION, else by the
// lockfile's version: 5.x -> pnpm 7, 6.x -> pnpm 8, 9.x or none -> the newest pnpm with a
// JavaScript entry point that runs on the build's Node.js), then `pnpm install` into node_modules
// layers (node-common/modules.ts). pnpm's content-addressed store is the cache-only layer.
import { join } from "node:path";
import { defineBuildpack, fail, pass } from "../../buildpack-api/index.js";
import {
  buildProject,
  type Env,
  installerPlan,
  installModules,
  installPackageManager,
  loadProject,
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
  source: (env: Env) => PackageSource;
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
      const pm = await installPackageManager(ctx, pnpmRequest(project, ctx.env, lockText), node, deps.source(ctx.env));
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
            npm_config_store_dir: dir,
            // Copies, not hard links into the store: the store is a cache layer, restored on its own.
            npm_config_package_import_method: "copy",
            npm_config_confirm_modules_purge: "false",
            npm_config_update_notifier: "false",
            CI: "true",
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

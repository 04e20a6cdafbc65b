// npm-install: npm from the npm registry (packageManager, BP_NPM_VERSION, else the newest npm
// whose engines accept the build's Node.js), then `npm ci` (with a lockfile) or `npm install`
// (without) into node_modules layers; see node-common/modules.ts for the layers and their reuse.
import { join } from "node:path";
import { defineBuildpack, fail, pass } from "../../buildpack-api/index.js";
import {
  buildProject,
  type Env,
  exists,
  installerPlan,
  installModules,
  installPackageManager,
  loadProject,
  type LockfileKind,
  nodeInfo,
  type PackageSource,
  parsePackageManager,
  type PmRequest,
  type Project,
  registrySource,
} from "../node-common/index.js";

export interface NpmInstallDeps {
  /** Where npm itself comes from (the npm registry; tests may point elsewhere). */
  source: (env: Env) => PackageSource;
}

/** Which npm: package.json `packageManager`, then BP_NPM_VERSION, then the newest that runs on the build's Node.js. */
export function npmRequest(project: Project, env: Env): PmRequest {
  const field = parsePackageManager(project.packageJson, project.rel);
  if (field?.name === "npm") return { name: "npm", kind: "registry", pkg: "npm", spec: field.version, ...(field.hash ? { hash: field.hash } : {}), why: 'package.json "packageManager"' };
  const wanted = (env.BP_NPM_VERSION ?? "").trim();
  if (wanted !== "") return { name: "npm", kind: "registry", pkg: "npm", spec: wanted, why: "BP_NPM_VERSION" };
  return { name: "npm", kind: "registry", pkg: "npm", spec: "*", why: "the newest npm for this Node.js" };
}

/** npm's own words for a lockfile that does not match package.json (`npm ci` refuses it). */
export function npmLockfileProblem(output: string): string | undefined {
  if (!/are in sync|npm-shrinkwrap\.json are in sync|EUSAGE[\s\S]*lock file/.test(output)) return undefined;
  const details = output
    .split(/\r?\n/)
    .map((l) => l.replace(/^npm (error|ERR!) ?/, "").trim())
    .filter((l) => /^(Missing|Invalid): /.test(l));
  return `out of sync with package.json${details.length ? `: ${details.slice(0, 5).join("; ")}` : ""}`;
}

export const npmInstall = (deps: NpmInstallDeps = { source: registrySource }) =>
  defineBuildpack({
    detect: async (ctx) => {
      const project = await loadProject(ctx.appDir, ctx.env);
      if (project === undefined) return fail("no package.json");
      return pass(installerPlan("npm"));
    },
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const project = await buildProject(ctx.appDir, ctx.env);
      const node = await nodeInfo(ctx.env, project.dir);
      const pm = await installPackageManager(ctx, npmRequest(project, ctx.env), node, deps.source(ctx.env));
      let lockfile: LockfileKind | undefined;
      for (const name of ["npm-shrinkwrap.json", "package-lock.json"] as const) {
        if (lockfile === undefined && (await exists(join(project.dir, name)))) lockfile = name;
      }
      const install = lockfile === undefined ? "install" : "ci";
      // --network off: the npm-cache layer is all there is.
      const offline = ctx.env.PAKETO_OFFLINE === "true" ? ["--offline"] : [];
      ctx.logger.process(`Selected npm build process: 'npm ${install}' (${lockfile === undefined ? "no lockfile" : `${lockfile} found`})`);
      await installModules(
        ctx,
        project,
        {
          pm,
          lockfile,
          cacheLayer: "npm-cache",
          cacheEnv: (dir) => ({
            npm_config_cache: dir,
            npm_config_update_notifier: "false",
            npm_config_fund: "false",
            npm_config_audit: "false",
            npm_config_progress: "false",
          }),
          full: [install, "--include=dev", ...offline],
          production: [install, "--omit=dev", ...offline],
          prune: ["prune", "--omit=dev"],
          configFiles: [".npmrc"],
          lockfileProblem: npmLockfileProblem,
          relock: "npm install",
        },
        node,
      );
      return {};
    },
  });

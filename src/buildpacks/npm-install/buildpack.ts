// npm-install: npm from the npm registry (packageManager, devEngines, BP_NPM_VERSION, else the npm
// the build's Node.js release ships with), then `npm ci` (with a lockfile) or `npm install`
// (without) into node_modules layers; see node-common/modules.ts for the layers and their reuse.
// Dependencies' install scripts run, whichever npm it is, unless the app says otherwise.
import { join } from "node:path";
import semver from "semver";
import { defineBuildpack, fail, pass, type Progress } from "../../buildpack-api/index.js";
import {
  bundledNpmSpec,
  buildProject,
  type Env,
  exists,
  installerPlan,
  installModules,
  installPackageManager,
  loadProject,
  type LockfileKind,
  type NodeInfo,
  nodeInfo,
  type PackageSource,
  devEnginesPackageManager,
  readIfExists,
  parsePackageManager,
  type PmRequest,
  type Project,
  registrySource,
} from "../node-common/index.js";

export interface NpmInstallDeps {
  /** Where npm itself comes from (the npm registry; tests may point elsewhere). */
  source: (env: Env, progress?: Progress) => PackageSource;
}

/**
 * Which npm: package.json `packageManager`, then `devEngines.packageManager`, then BP_NPM_VERSION,
 * else the one the Node.js release ships with (as Paketo's Node.js brings it): the version its
 * release notes name (node-engine's PAKETO_NODE_NPM_VERSION), else the npm major the line started
 * with (NPM_MAJOR_OF_NODE), else the newest npm that runs on this Node.js.
 */
export function npmRequest(project: Project, env: Env, node: Pick<NodeInfo, "version">): PmRequest {
  const req = (spec: string, why: string): PmRequest => ({ name: "npm", kind: "registry", pkg: "npm", spec, why });
  const field = parsePackageManager(project.packageJson, project.rel);
  if (field?.name === "npm") return { ...req(field.version, 'package.json "packageManager"'), ...(field.hash ? { hash: field.hash } : {}) };
  const dev = devEnginesPackageManager(project.packageJson, project.rel, "npm");
  if (dev !== undefined) return req(dev, 'package.json "devEngines.packageManager"');
  const wanted = (env.BP_NPM_VERSION ?? "").trim();
  if (wanted !== "") return req(wanted, "BP_NPM_VERSION");
  const bundled = bundledNpmSpec(env, node.version);
  return req(bundled.spec, bundled.why);
}

/** npm settings that decide which dependencies' install scripts run. */
const SCRIPT_POLICY = ["allow-scripts", "dangerously-allow-all-scripts", "strict-allow-scripts", "ignore-scripts"];

/**
 * npm 12 runs a dependency's install scripts only when package.json `allowScripts` approves it;
 * npm 11.16 and later still run them but warn about each one no policy covers. Unless the app
 * chose a policy (that field, or one of SCRIPT_POLICY in its .npmrc or the env), every install
 * script runs, as with earlier npm and Paketo, and without the warning:
 * `dangerously-allow-all-scripts`, which npm knows from 11.16.0 on (older npm would warn about an
 * unknown setting, so it gets none).
 */
export async function installScriptsEnv(project: Project, env: Env, npmVersion: string): Promise<{ env: Record<string, string>; why: string | undefined }> {
  if (semver.lt(npmVersion, "11.16.0")) return { env: {}, why: undefined };
  if (project.packageJson.allowScripts !== undefined) return { env: {}, why: `${project.rel ? `${project.rel}/` : ""}package.json "allowScripts" decides which dependencies' install scripts run` };
  const envNames = new Set(SCRIPT_POLICY.map((k) => `npm_config_${k.replaceAll("-", "_")}`));
  const fromEnv = Object.keys(env).find((k) => envNames.has(k.toLowerCase()));
  if (fromEnv) return { env: {}, why: `${fromEnv} decides which dependencies' install scripts run` };
  const npmrc = (await readIfExists(join(project.dir, ".npmrc"))) ?? "";
  const key = SCRIPT_POLICY.find((k) => new RegExp(`^\\s*${k}\\s*=`, "m").test(npmrc));
  if (key) return { env: {}, why: `.npmrc "${key}" decides which dependencies' install scripts run` };
  return { env: { npm_config_dangerously_allow_all_scripts: "true" }, why: `npm ${npmVersion} runs every dependency's install scripts, as earlier npm does (package.json "allowScripts" or .npmrc "ignore-scripts" choose otherwise)` };
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
      const pm = await installPackageManager(ctx, npmRequest(project, ctx.env, node), node, deps.source(ctx.env, ctx.progress));
      const scripts = await installScriptsEnv(project, ctx.env, pm.version);
      if (scripts.why) ctx.logger.subprocess(scripts.why);
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
            ...scripts.env,
          }),
          full: [install, "--include=dev", ...offline],
          production: [install, "--omit=dev", ...offline],
          prune: ["prune", "--omit=dev"],
          configFiles: [".npmrc"],
          lockfileProblem: npmLockfileProblem,
          relock: "npm install",
          // A tree from an earlier lockfile is brought to this one by `npm install`, which adds and
          // removes only what changed; --no-save leaves package.json and the lockfile as they are.
          // `npm ci --dry-run` first checks the lockfile as npm ci does, and changes nothing.
          ...(lockfile === undefined
            ? {}
            : {
                update: {
                  check: ["ci", "--dry-run", ...offline],
                  full: ["install", "--no-save", "--include=dev", ...offline],
                  production: ["install", "--no-save", "--omit=dev", ...offline],
                },
              }),
        },
        node,
      );
      return {};
    },
  });

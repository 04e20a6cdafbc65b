// node-run-script: runs the package.json scripts BP_NODE_RUN_SCRIPTS names (comma-separated), in
// order, with the app's package manager (`npm run`, `yarn run`, `pnpm run`) in the project dir,
// with every dependency (devDependencies included) installed as a real folder of the project
// (build-tree.ts). For a framework app (node-common/frameworks.ts) it runs the `build` script
// unless BP_NODE_RUN_SCRIPTS says otherwise, with the framework's build env (telemetry off) and
// its documented build caches (.next/cache, .angular/cache) kept in cache layers. For Yarn
// Plug'n'Play it then puts the production PnP files back (PAKETO_NODE_MODULES_LAUNCH).
import { lstat, mkdir, readdir, rm, symlink, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type BuildContext, defineBuildpack, fail, layerEnv, pass } from "../../buildpack-api/index.js";
import {
  BUILD_ENV,
  cacheLayer,
  describeFramework,
  detectFramework,
  type Env,
  exists,
  exitText,
  type Framework,
  lastLines,
  loadProject,
  NodeError,
  parsePackageManager,
  type PmName,
  PROJECT_CACHES,
  type Project,
  runTool,
  shown,
  useBuildTree,
  useLaunchModules,
} from "../node-common/index.js";

/** The scripts BP_NODE_RUN_SCRIPTS names, in order; empty when it is unset or blank. */
export function runScripts(env: Env): string[] {
  return (env.BP_NODE_RUN_SCRIPTS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Whether a web server serves the built files (BP_WEB_SERVER, or the app's own nginx.conf / httpd.conf). */
export async function servedByWebServer(appDir: string, env: Env): Promise<boolean> {
  if ((env.BP_WEB_SERVER ?? "") !== "") return true;
  return (await exists(join(appDir, "nginx.conf"))) || (await exists(join(appDir, "httpd.conf")));
}

/**
 * What to run: BP_NODE_RUN_SCRIPTS, else a framework app's `build` script (a static one only when
 * a web server will serve it; else nothing runs it).
 */
export async function scriptsToRun(project: Project, env: Env, framework: Framework | undefined, appDir: string): Promise<{ scripts: string[]; why: string }> {
  const asked = runScripts(env);
  if (asked.length > 0) return { scripts: asked, why: "BP_NODE_RUN_SCRIPTS" };
  if (framework === undefined || typeof project.packageJson.scripts?.build !== "string") return { scripts: [], why: "" };
  if (framework.serving === "static" && !(await servedByWebServer(appDir, env))) return { scripts: [], why: "" };
  return { scripts: ["build"], why: `${framework.name} builds with it (BP_NODE_RUN_SCRIPTS chooses other scripts)` };
}

/** The package manager the app uses: by lockfile, then by package.json `packageManager`, else npm. */
export async function appPackageManager(project: Project): Promise<PmName> {
  if (await exists(join(project.dir, "yarn.lock"))) return "yarn";
  if (await exists(join(project.dir, "pnpm-lock.yaml"))) return "pnpm";
  const field = parsePackageManager(project.packageJson, project.rel)?.name;
  return field === "yarn" || field === "pnpm" ? field : "npm";
}

function checkScripts(project: Project, scripts: string[]): void {
  const missing = scripts.filter((s) => typeof project.packageJson.scripts?.[s] !== "string");
  if (missing.length > 0) {
    const have = Object.keys(project.packageJson.scripts ?? {});
    throw new NodeError("NODE_SCRIPT", `BP_NODE_RUN_SCRIPTS names ${missing.map((s) => JSON.stringify(s)).join(", ")}, which ${shown(project.rel, "package.json")} does not define in "scripts"`, {
      hint: have.length ? `its scripts are: ${have.join(", ")}` : "it has no scripts",
    });
  }
}

/** A framework's build cache folder (`.next/cache`) as a symlink to a cache layer of its own, for the scripts' run. */
async function useProjectCaches(ctx: BuildContext, project: Project, framework: Framework | undefined): Promise<{ release(): Promise<void> }> {
  const undo: Array<() => Promise<void>> = [];
  for (const rel of framework === undefined ? [] : PROJECT_CACHES[framework.id]) {
    const target = join(project.dir, rel);
    if ((await lstat(target).catch(() => undefined)) !== undefined) {
      ctx.logger.process(`Using the app's own ${shown(project.rel, rel)}`);
      continue;
    }
    const name = rel.replace(/^\./, "").replace(/[^A-Za-z0-9]+/g, "-");
    const layer = await cacheLayer(ctx, name);
    const entries = await readdir(layer.path).catch(() => [] as string[]);
    ctx.logger.process(
      entries.length > 0
        ? `Reusing ${shown(project.rel, rel)} from the previous build (cache layer ${name})`
        : `Keeping ${shown(project.rel, rel)} in the cache layer ${name} for the next build`,
    );
    await mkdir(dirname(target), { recursive: true });
    await symlink(layer.path, target);
    undo.push(async () => {
      const st = await lstat(target).catch(() => undefined);
      if (st?.isSymbolicLink()) await unlink(target);
      else if (st?.isDirectory()) {
        // The tool replaced the link with a folder: that folder is the new cache.
        await rm(layer.path, { recursive: true, force: true });
        const r = await runTool(["mv", target, layer.path], { cwd: project.dir, env: ctx.env });
        if (r.code !== 0) throw new NodeError("NODE_TOOL", `moving ${target} to ${layer.path} ${exitText(r)}: ${lastLines(r.output, 3).join(" / ")}`);
      }
    });
  }
  return { release: async () => { for (const u of undo.reverse()) await u(); } };
}

/** Where a static build's files are, relative to the app: the framework's folder (Angular: `dist/<project>/browser`). */
async function staticRoot(project: Project, framework: Framework): Promise<string> {
  let dir = framework.staticDir ?? "dist";
  if (framework.id === "angular") {
    for (const p of await readdir(join(project.dir, "dist")).catch(() => [] as string[])) {
      if (await exists(join(project.dir, "dist", p, "browser"))) {
        dir = join("dist", p, "browser");
        break;
      }
    }
  }
  return project.rel === "" ? dir : join(project.rel, dir);
}

export const nodeRunScript = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const project = await loadProject(ctx.appDir, ctx.env);
      if (project === undefined) return fail("no package.json");
      const framework = await detectFramework(project, ctx.env);
      const { scripts } = await scriptsToRun(project, ctx.env, framework, ctx.appDir);
      if (scripts.length === 0) return fail(framework === undefined ? "BP_NODE_RUN_SCRIPTS is not set" : `BP_NODE_RUN_SCRIPTS is not set and ${framework.name} has nothing to build here`);
      checkScripts(project, scripts);
      const pm = await appPackageManager(project);
      // node_modules (and Node.js) in the image too, unless a web server serves the output or the
      // framework's output carries its own dependencies: a Procfile or npm-start app needs them.
      const launch = !((await servedByWebServer(ctx.appDir, ctx.env)) || framework?.serving === "self-contained");
      const needs = launch ? { build: true, launch: true } : { build: true };
      return pass({
        requires: [
          { name: "node", metadata: needs },
          { name: pm, metadata: { build: true } },
          { name: "node_modules", metadata: needs },
        ],
      });
    },
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const project = await loadProject(ctx.appDir, ctx.env);
      if (project === undefined) throw new NodeError("NODE_PACKAGE_JSON", "package.json is gone since detection");
      const framework = await detectFramework(project, ctx.env);
      if (framework !== undefined) ctx.logger.process(`Framework: ${describeFramework(framework)}`);
      const { scripts, why } = await scriptsToRun(project, ctx.env, framework, ctx.appDir);
      checkScripts(project, scripts);
      if (why !== "BP_NODE_RUN_SCRIPTS" && scripts.length > 0) ctx.logger.process(`Running the build script: ${why}`);
      const pm = await appPackageManager(project);
      // The framework's own settings for its build (telemetry off); the user's env wins.
      const env: Env = { ...(framework === undefined ? {} : BUILD_ENV[framework.id]), ...ctx.env };
      const tree = await useBuildTree(ctx.appDir, ctx.env, ctx.logger);
      try {
        const caches = await useProjectCaches(ctx, project, framework);
        try {
          for (const script of scripts) {
            ctx.logger.process(`Running '${pm} run ${script}'`);
            const started = Date.now();
            const r = await runTool([pm, "run", script], { cwd: project.dir, env, logger: ctx.logger });
            if (r.code !== 0) {
              const tail = lastLines(r.output, 15);
              throw new NodeError("NODE_SCRIPT", `${shown(project.rel, "package.json")} script "${script}" failed: '${pm} run ${script}' ${exitText(r)}; its last output:\n${tail.map((l) => `    ${l}`).join("\n")}`, {
                hint: `the script is: ${project.packageJson.scripts?.[script] ?? ""}`,
              });
            }
            ctx.logger.subprocess(`Completed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
          }
        } finally {
          await caches.release();
        }
      } finally {
        await tree.release();
      }
      await useLaunchModules(project.dir, ctx.env, ctx.logger);
      if (framework?.serving === "static" && (await servedByWebServer(ctx.appDir, ctx.env))) {
        const root = await staticRoot(project, framework);
        const layer = await ctx.layers.uncached("web-root", { build: true });
        await layer.writeEnv(layerEnv().default("BP_WEB_SERVER_ROOT", root, { scope: "build" }));
        ctx.logger.process(`The web server serves ${root} (BP_WEB_SERVER_ROOT sets another folder)`);
      }
      return {};
    },
  });

// node-run-script: runs the package.json scripts BP_NODE_RUN_SCRIPTS names (comma-separated), in
// order, with the app's package manager (`npm run`, `yarn run`, `pnpm run`) in the project dir,
// with every dependency (devDependencies included) installed. Then it points the project at the
// production modules the image keeps (PAKETO_NODE_MODULES_LAUNCH from the install buildpack).
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, fail, pass } from "../../buildpack-api/index.js";
import { type Env, exists, exitText, lastLines, loadProject, NodeError, parsePackageManager, type PmName, type Project, runTool, shown, useLaunchModules } from "../node-common/index.js";

/** The scripts to run, in order; empty when BP_NODE_RUN_SCRIPTS is unset or blank. */
export function runScripts(env: Env): string[] {
  return (env.BP_NODE_RUN_SCRIPTS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
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

export const nodeRunScript = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const scripts = runScripts(ctx.env);
      if (scripts.length === 0) return fail("BP_NODE_RUN_SCRIPTS is not set");
      const project = await loadProject(ctx.appDir, ctx.env);
      if (project === undefined) return fail("no package.json");
      checkScripts(project, scripts);
      const pm = await appPackageManager(project);
      return pass({
        requires: [
          { name: "node", metadata: { build: true } },
          { name: pm, metadata: { build: true } },
          { name: "node_modules", metadata: { build: true } },
        ],
      });
    },
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const project = await loadProject(ctx.appDir, ctx.env);
      if (project === undefined) throw new NodeError("NODE_PACKAGE_JSON", "package.json is gone since detection");
      const scripts = runScripts(ctx.env);
      checkScripts(project, scripts);
      const pm = await appPackageManager(project);
      for (const script of scripts) {
        ctx.logger.process(`Running '${pm} run ${script}'`);
        const started = Date.now();
        const r = await runTool([pm, "run", script], { cwd: project.dir, env: ctx.env, logger: ctx.logger });
        if (r.code !== 0) {
          const tail = lastLines(r.output, 15);
          throw new NodeError("NODE_SCRIPT", `${shown(project.rel, "package.json")} script "${script}" failed: '${pm} run ${script}' ${exitText(r)}; its last output:\n${tail.map((l) => `    ${l}`).join("\n")}`, {
            hint: `the script is: ${project.packageJson.scripts?.[script] ?? ""}`,
          });
        }
        ctx.logger.subprocess(`Completed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      }
      const launch = await useLaunchModules(project.dir, ctx.env, ctx.logger);
      // With one layer for build and launch, what build tools cached there would ship in the image.
      if (launch === undefined && (ctx.env.BP_KEEP_NODE_BUILD_CACHE ?? "").toLowerCase() !== "true" && (await exists(join(project.dir, "node_modules", ".cache")))) {
        await rm(join(project.dir, "node_modules", ".cache"), { recursive: true, force: true });
        ctx.logger.process("Removed node_modules/.cache (BP_KEEP_NODE_BUILD_CACHE=true keeps it)");
      }
      return {};
    },
  });

// node-framework: the `web` process of a framework app (node-common/frameworks.ts) as the
// framework documents it for production (launch.ts), after node-run-script ran its build. The
// image keeps the build output, not the sources it was compiled from (prune.ts); a framework whose
// output carries its own dependencies (Nuxt, Next.js standalone) needs no node_modules at launch.
// npm-start and node-start leave such apps to this buildpack; a Procfile still wins.
import { defineBuildpack, fail, layerEnv, pass, type Process, type Require } from "../../buildpack-api/index.js";
import { describeFramework, detectFramework, loadProject, NodeError, shown } from "../node-common/index.js";
import { logProcesses, showCommand } from "../node-start/start.js";
import { launchPlan } from "./launch.js";
import { keepRules, pruneProject } from "./prune.js";

export const nodeFramework = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const project = await loadProject(ctx.appDir, ctx.env);
      if (project === undefined) return fail("no package.json");
      const framework = await detectFramework(project, ctx.env);
      if (framework === undefined) return fail("no framework paketo knows in package.json (BP_NODE_FRAMEWORK names one)");
      if (framework.serving === "static") return fail(`${framework.name} builds static files here (${framework.why}): a web server serves them (BP_WEB_SERVER=nginx)`);
      const requires: Require[] = [{ name: "node", metadata: { launch: true } }];
      if (framework.serving === "server") requires.push({ name: "node_modules", metadata: { launch: true } });
      return pass({ requires });
    },
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const project = await loadProject(ctx.appDir, ctx.env);
      if (project === undefined) throw new NodeError("NODE_PACKAGE_JSON", "package.json is gone since detection");
      const framework = await detectFramework(project, ctx.env);
      if (framework === undefined || framework.serving === "static") throw new NodeError("NODE_FRAMEWORK", "the framework detected before is not there any more");
      ctx.logger.process(describeFramework(framework));
      const plan = await launchPlan(framework, project);
      ctx.logger.process(`Start command: ${plan.what}`);

      const removed = await pruneProject(project.dir, plan.keep, [["Procfile"], ...keepRules(ctx.env.BP_KEEP_FILES)]);
      if (removed.length > 0) {
        ctx.logger.process(`Left out of the image (${"only" in plan.keep ? `${framework.name}'s output is all it runs` : "sources compiled into the output"}; BP_KEEP_FILES keeps files):`);
        ctx.logger.subprocess(removed.map((r) => shown(project.rel, r)).join(", "));
      }

      if (plan.env.length > 0) {
        const layer = await ctx.layers.uncached("framework", { launch: true });
        let env = layerEnv();
        for (const e of plan.env) env = e.how === "override" ? env.override(e.name, e.value, { scope: { process: "web" } }) : env.default(e.name, e.value, { scope: { process: "web" } });
        await layer.writeEnv(env);
        ctx.logger.process(`Launch env: ${plan.env.map((e) => `${e.name}=${e.value}`).join(" ")}`);
      }
      const web: Process = { type: "web", command: plan.command, default: true, ...(project.rel === "" ? {} : { workingDir: project.dir }) };
      logProcesses(ctx.logger, [web]);
      ctx.logger.debug.subprocess(`command: ${showCommand(plan.command)}`);
      return { processes: [web] };
    },
  });

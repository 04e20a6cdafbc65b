// node-start: the `web` process `node <file>` for apps without a start script. It needs node (and,
// when the project has a package.json, its node_modules) in launch layers; BP_LAUNCH_WITH_TINI and
// BP_LIVE_RELOAD_ENABLED wrap the process the way Paketo does.
import { relative } from "node:path";
import { defineBuildpack, fail, pass, type Process, type Require } from "../../buildpack-api/index.js";
import { frameworkStart, leftToFramework } from "../node-common/index.js";
import { APP_FILES, findNodeApp, hasPackageJson } from "./app.js";
import { StartError } from "./errors.js";
import { logProcesses, projectDir, readWrappers, withLiveReload, wrapperRequires } from "./start.js";

export const nodeStart = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const project = await projectDir(ctx.appDir, ctx.env);
      const app = await findNodeApp(ctx.appDir, project, ctx.env);
      if (app === undefined) return fail(`no app file in ${project.rel || "the app root"}: expected one of ${APP_FILES.join(", ")}, or BP_LAUNCHPOINT`);
      // A framework app starts as its framework says, unless BP_LAUNCHPOINT names a custom server.
      const framework = (ctx.env.BP_LAUNCHPOINT ?? "") === "" ? await frameworkStart(ctx.appDir, ctx.env) : undefined;
      if (framework !== undefined) return fail(leftToFramework(framework));
      const requires: Require[] = [{ name: "node", metadata: { launch: true } }];
      if (await hasPackageJson(project)) requires.push({ name: "node_modules", metadata: { launch: true } });
      requires.push(...wrapperRequires(readWrappers(ctx.env)));
      return pass({ requires });
    },
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const project = await projectDir(ctx.appDir, ctx.env);
      const app = await findNodeApp(ctx.appDir, project, ctx.env);
      if (app === undefined) {
        throw new StartError("START_LAUNCHPOINT", `no app file in ${project.rel || "the app root"} (it was there at detect)`, { hint: `expected one of ${APP_FILES.join(", ")}` });
      }
      const wrappers = readWrappers(ctx.env);
      // Relative to the working dir, which is the project dir: `node server.js`, as typed there.
      const node = ["node", relative(project.abs, app.file)];
      if (wrappers.tini) ctx.logger.process("Using tini for process launching");
      const web: Process = {
        type: "web",
        command: wrappers.tini ? ["tini", "-g", "--", ...node] : node,
        default: true,
        ...(project.rel === "" ? {} : { workingDir: project.abs }),
      };
      const processes = withLiveReload(web, wrappers.reload, { paths: [project.abs] });
      logProcesses(ctx.logger, processes);
      return { processes };
    },
  });

// npm-start: the `web` process from package.json's start script. It needs node and node_modules
// in launch layers (Paketo's rule), puts the project's node_modules/.bin on PATH at launch, and runs
// the script without npm: directly when it is a plain `node ...`, else through `sh -c`.
import { join } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, type Process, s } from "../../buildpack-api/index.js";
import { frameworkStart, leftToFramework } from "../node-common/index.js";
import { StartError } from "../node-start/errors.js";
import { logProcesses, type ProjectDir, projectDir, readWrappers, withLiveReload, wrapperRequires } from "../node-start/start.js";
import { readPackageJson, type StartScripts, startScripts } from "./package-json.js";
import { startCommand, tiniCommand } from "./start-command.js";

async function scriptsOf(appDir: string, env: Readonly<Record<string, string>>): Promise<{ project: ProjectDir; scripts: StartScripts | undefined; file: string; found: boolean }> {
  const project = await projectDir(appDir, env);
  const file = join(project.rel, "package.json");
  const pkg = await readPackageJson(project);
  return { project, file, found: pkg !== undefined, scripts: pkg === undefined ? undefined : startScripts(pkg, env, file) };
}

const FORM_NOTE = {
  direct: "runs directly (no shell needed)",
  exec: "runs through sh, which execs it",
  wrapped: "runs through sh; SIGTERM and SIGINT are forwarded to it",
} as const;

export const npmStart = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const { scripts, file, found } = await scriptsOf(ctx.appDir, ctx.env);
      if (!found) return fail(`no ${file} in the project`);
      if (scripts === undefined) return fail(`no start script in ${file}`);
      const framework = await frameworkStart(ctx.appDir, ctx.env);
      if (framework !== undefined) return fail(leftToFramework(framework));
      return pass({
        requires: [
          { name: "node", metadata: { launch: true } },
          { name: "node_modules", metadata: { launch: true } },
          ...wrapperRequires(readWrappers(ctx.env)),
        ],
      });
    },
    build: async (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const { project, scripts, file } = await scriptsOf(ctx.appDir, ctx.env);
      if (scripts === undefined) throw new StartError("START_SCRIPT", `no start script in ${file} (it was there at detect)`);
      const wrappers = readWrappers(ctx.env);
      const workingDir = project.rel === "" ? {} : { workingDir: project.abs };

      let web: Process;
      let labels: ReadonlyMap<string, string> | undefined;
      if (wrappers.tini) {
        ctx.logger.process("Using tini for process launching");
        if (scripts.pre !== undefined || scripts.post !== undefined) {
          ctx.logger.warning(`skipping the pre${scripts.name} and post${scripts.name} scripts: BP_LAUNCH_WITH_TINI runs one command without a shell`);
        }
        web = { type: "web", command: tiniCommand(scripts), default: true, ...workingDir };
      } else {
        const start = startCommand(scripts);
        ctx.logger.process(`Start command: ${start.shown}`);
        ctx.logger.subprocess(FORM_NOTE[start.form]);
        web = { type: "web", command: start.command, default: true, ...workingDir };
        labels = start.labels;
      }

      const bin = join(project.abs, "node_modules", ".bin");
      const layer = await ctx.layers.cached("launch-path", {
        launch: true,
        cache: false,
        metadata: s.object({ bin: s.string() }),
        onRestored: (m) => (m.bin === bin ? "keep" : "rebuild"),
      });
      if (layer.state.kind === "empty") {
        await layer.writeEnv(layerEnv().prepend("PATH", bin, { delim: ":", scope: "launch" }));
        await layer.write({ bin });
      }

      const processes = withLiveReload(web, wrappers.reload, {
        paths: [project.abs],
        ignore: ["package.json", "package-lock.json", "node_modules"].map((f) => join(project.abs, f)),
      });
      logProcesses(ctx.logger, processes, labels);
      return { processes };
    },
  });

// Running node, the package managers and scripts: output streamed into the build log, indented,
// with the last lines kept for the error message when the command fails.
import { type Logger, pureProcesses } from "../../buildpack-api/index.js";
import { exitText, lastLines, runTool as run, type ToolRun } from "../common/exec.js";
import { NodeError } from "./errors.js";
import type { Env } from "./project.js";

export { exitText, lastLines, stripAnsi, type ToolRun } from "../common/exec.js";

export interface RunToolOptions {
  cwd: string;
  env: Env;
  /** Where the output goes, indented (level 3); undefined: nowhere (still captured). */
  logger?: Logger;
}

/** Runs `argv` (looked up on `env.PATH`) and waits for it; failing to start is NODE_TOOL. */
export function runTool(argv: readonly string[], opts: RunToolOptions): Promise<ToolRun> {
  return run(argv, {
    ...opts,
    startError: (cmd, e, missing) =>
      new NodeError("NODE_TOOL", missing ? `${cmd} was not found on PATH` : `running ${cmd} failed: ${e.message}`, {
        hint: missing && cmd === "node" ? "node-engine provides node at build time; it must run before this buildpack" : undefined,
        cause: e,
      }),
  });
}

/** What `node` on PATH is: the runtime node-engine installed (or, in tests, the host's). */
export interface NodeInfo {
  version: string;
  arch: string;
  /** NODE_MODULE_VERSION: native addons are built for it. */
  modules: string;
  platform: string;
}

export async function nodeInfo(env: Env, cwd: string): Promise<NodeInfo> {
  // The installed Node.js answers the same for the same files: this does not stop a build memo.
  const run = await pureProcesses(() => runTool(["node", "-p", "JSON.stringify([process.version, process.arch, process.versions.modules, process.platform])"], { cwd, env }));
  if (run.code !== 0) throw new NodeError("NODE_TOOL", `node -p ${exitText(run)}: ${lastLines(run.output, 3).join(" / ")}`);
  const [version, arch, modules, platform] = JSON.parse(run.output.trim()) as string[];
  return { version: (version ?? "").replace(/^v/, ""), arch: arch ?? "", modules: modules ?? "", platform: platform ?? "" };
}

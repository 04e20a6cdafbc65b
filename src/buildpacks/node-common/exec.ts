// Running node, the package managers and scripts: output streamed into the build log, indented,
// with the last lines kept for the error message when the command fails.
import { spawn } from "node:child_process";
import { type Logger, pureProcesses } from "../../buildpack-api/index.js";
import { NodeError } from "./errors.js";
import type { Env } from "./project.js";

export interface ToolRun {
  /** The exit code; null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr together, at most the last 64 KiB. */
  output: string;
}

export interface RunToolOptions {
  cwd: string;
  env: Env;
  /** Where the output goes, indented (level 3); undefined: nowhere (still captured). */
  logger?: Logger;
}

const KEEP = 64 * 1024;

/** Runs `argv` (looked up on `env.PATH`) and waits for it; failing to start is NODE_TOOL. */
export function runTool(argv: readonly string[], opts: RunToolOptions): Promise<ToolRun> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error("runTool: empty argv");
  return new Promise((resolve, reject) => {
    let output = "";
    const keep = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      if (output.length > 2 * KEEP) output = output.slice(-KEEP);
    };
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    const out = opts.logger?.lines(3);
    const err = opts.logger?.lines(3);
    child.stdout.on("data", (c: Buffer) => {
      keep(c);
      out?.write(c);
    });
    child.stderr.on("data", (c: Buffer) => {
      keep(c);
      err?.write(c);
    });
    child.on("error", (e) => {
      const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
      reject(
        new NodeError("NODE_TOOL", missing ? `${cmd} was not found on PATH` : `running ${cmd} failed: ${e.message}`, {
          hint: missing && cmd === "node" ? "node-engine provides node at build time; it must run before this buildpack" : undefined,
          cause: e,
        }),
      );
    });
    child.on("close", (code, signal) => {
      out?.end();
      err?.end();
      resolve({ code, signal, output: output.slice(-KEEP) });
    });
  });
}

/** Without terminal colour codes. */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

/** The last `n` non-empty lines of a tool's output, without terminal colour codes and stack-trace frames. */
export function lastLines(output: string, n = 15): string[] {
  const lines = stripAnsi(output)
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "" && !/^\s+at (.+ \(.*\)|\S+:\d+:\d+)$/.test(l));
  return lines.slice(-n);
}

export function exitText(run: ToolRun): string {
  return run.code === null ? `was killed by ${run.signal}` : `exited with status ${run.code}`;
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

// Running a tool from a buildpack (node, npm, go, ...): output streamed into the build log,
// indented, with the last lines kept for the error message when the command fails. Shared by the
// language families; each wraps a start failure in its own error.
import { spawn } from "node:child_process";
import type { Logger } from "../../buildpack-api/index.js";

export type Env = Readonly<Record<string, string | undefined>>;

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
  /** The error for a tool that cannot be started (`missing`: not found on PATH). */
  startError: (cmd: string, e: Error, missing: boolean) => Error;
}

const KEEP = 64 * 1024;

/** Runs `argv` (looked up on `env.PATH`) and waits for it. */
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
    child.on("error", (e) => reject(opts.startError(cmd, e, (e as NodeJS.ErrnoException).code === "ENOENT")));
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

// The only file of this module that touches the real process: argv, env, cwd, stdout, the exit code.
import type { Buildpack } from "./define.js";
import { runBuildpack, type RuntimeIO } from "./run.js";

/** One invocation of a loaded buildpack, as paketo's buildpack host (host.ts) runs it. */
export type HostedRun = (io: RuntimeIO) => Promise<number>;

/**
 * Set by host.ts while it imports a buildpack bundle: `main()` then hands over its runner instead
 * of running. A symbol in the global registry, so the host and a bundle built by another paketo
 * version agree on it.
 */
export const HOST_HOOK = Symbol.for("paketo.buildpack-host.v1");

/**
 * Runs the buildpack as bin/detect or bin/build (chosen by the script's file name) and sets the
 * exit code: 0 pass or success, 100 detect failed, 1 error. Call it from the buildpack's main.ts.
 */
export async function main<M, S>(buildpack: Buildpack<M, S>): Promise<void> {
  const host = (globalThis as Record<symbol, unknown>)[HOST_HOOK];
  if (typeof host === "function") {
    delete (globalThis as Record<symbol, unknown>)[HOST_HOOK];
    (host as (run: HostedRun) => void)((io) => runBuildpack(buildpack, io));
    return;
  }
  process.exitCode = await runBuildpack(buildpack, {
    argv: process.argv.slice(1),
    env: process.env,
    cwd: process.cwd(),
    arch: process.arch,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  });
}

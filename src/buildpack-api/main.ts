// The only file of this module that touches the real process: argv, env, cwd, stdout, the exit code.
import type { Buildpack } from "./define.js";
import { runBuildpack } from "./run.js";

/**
 * Runs the buildpack as bin/detect or bin/build (chosen by the script's file name) and sets the
 * exit code: 0 pass or success, 100 detect failed, 1 error. Call it from the buildpack's main.ts.
 */
export async function main<M, S>(buildpack: Buildpack<M, S>): Promise<void> {
  process.exitCode = await runBuildpack(buildpack, {
    argv: process.argv.slice(1),
    env: process.env,
    cwd: process.cwd(),
    arch: process.arch,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
  });
}

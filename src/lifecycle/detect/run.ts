// One bin/detect run (CNB-6, CNB-7), and the cap on how many run at once.
import { writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { DETECT_READS_FILE, type DetectReads, parseDetectPlan, parseDetectReads, type RunImageTarget } from "../../cnb/index.js";
import type { Runner } from "../../sandbox/index.js";
import { composeEnv, detectVars } from "../env/index.js";
import {
  type Buildpack,
  buildpackKey,
  type BuildPaths,
  describeExit,
  entryType,
  type ExecSettings,
  type HostSession,
  makeRunDir,
  type PhaseEnvironment,
  processSpec,
  readFileInside,
  runProcess,
} from "../exec/index.js";
import type { DetectOutcome } from "./resolve.js";

export interface DetectRun {
  outcome: DetectOutcome;
  /** Its output, stdout and stderr merged (shown for errored buildpacks and with --verbose). */
  lines: string[];
  /** What it looked at in the app, when the run was asked to say (cnb/detect-reads.ts). */
  reads?: DetectReads;
  /** Reused from an earlier build rather than run now (DetectInputs.outcomes). */
  reused?: boolean;
}

/** Runs at most `n` tasks at a time; a finishing task hands its slot to the next waiting one. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  const max = Math.max(1, n);
  let active = 0;
  const queue: (() => void)[] = [];
  return async (task) => {
    if (active >= max) await new Promise<void>((r) => queue.push(r));
    else active++;
    try {
      return await task();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * One bin/detect run (CNB-6, CNB-7): args `$1=<platform>`, `$2=<plan>` (a fresh empty file), cwd
 * the app. With `askReads`, an empty DETECT_READS_FILE beside the plan asks buildpacks written on
 * paketo's buildpack API to say which app paths they looked at; others leave it empty.
 */
export async function detectOne(
  bp: Buildpack,
  inputs: { paths: BuildPaths; exec: ExecSettings; runImageTarget: RunImageTarget; execEnv?: string },
  deps: { runner: Runner },
  env: PhaseEnvironment,
  opts: { askReads?: boolean; host?: () => Promise<HostSession | undefined> } = {},
): Promise<DetectRun> {
  const { paths } = inputs;
  const bin = join(bp.dir.host, "bin", "detect");
  if ((await entryType(bin)) === "missing") return { outcome: { kind: "error", reason: `${bp.dir.sandbox}/bin/detect does not exist` }, lines: [] };
  const run = await makeRunDir(paths, "plan");
  try {
    const planHost = join(run.host, "plan.toml");
    const planPath = posix.join(run.sandbox, "plan.toml");
    await writeFile(planHost, "");
    const readsHost = join(run.host, DETECT_READS_FILE);
    if (opts.askReads) await writeFile(readsHost, "");
    const processEnv = composeEnv({
      base: env.base,
      platformEnv: bp.descriptor.buildpack.clearEnv ? undefined : env.platformEnv,
      buildConfigEnv: env.buildConfigEnv,
      cnbVars: detectVars({
        api: bp.api,
        buildpackDir: bp.dir.sandbox,
        platformDir: paths.sandbox.platform,
        planPath,
        target: inputs.runImageTarget,
        execEnv: inputs.execEnv ?? "production",
      }),
    });
    const argv = [posix.join(bp.dir.sandbox, "bin", "detect"), paths.sandbox.platform, planPath];
    // Buildpacks on paketo's buildpack API run in the phase's host process when there is one.
    const host = opts.host ? await opts.host() : undefined;
    const hosted = host ? await host.run({ bp, argv, env: processEnv, bufferLines: 2000 }) : undefined;
    const spec = processSpec(paths, inputs.exec, { argv, env: processEnv, access: { workspace: "ro", layers: "none" }, runDir: run, home: env.home });
    const { exit, lines } = hosted ?? (await runProcess(deps.runner, spec, { bufferLines: 2000 }));
    const reads = opts.askReads ? await readReads(run.host, readsHost, posix.join(run.sandbox, DETECT_READS_FILE)) : undefined;
    const withReads = <T extends DetectRun>(r: T): T => (reads ? { ...r, reads } : r);
    if (exit.code === 100) return withReads({ outcome: { kind: "fail" }, lines });
    if (exit.code !== 0) return { outcome: { kind: "error", reason: `bin/detect ${describeExit(exit)}` }, lines };
    const where = `build plan of ${buildpackKey(bp)}`;
    try {
      const text = (await readFileInside(run.host, planHost, planPath)) ?? "";
      return withReads({ outcome: { kind: "pass", plan: parseDetectPlan(text, where) }, lines });
    } catch (e) {
      return { outcome: { kind: "error", reason: e instanceof Error ? e.message : String(e) }, lines };
    }
  } finally {
    await run.remove();
  }
}


/** The reads a buildpack recorded; anything unreadable or malformed counts as untracked. */
async function readReads(root: string, host: string, shown: string): Promise<DetectReads> {
  try {
    return parseDetectReads((await readFileInside(root, host, shown)) ?? "", shown);
  } catch (e) {
    return { tracked: false, reason: e instanceof Error ? e.message : String(e) };
  }
}

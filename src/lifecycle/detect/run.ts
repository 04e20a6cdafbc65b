// One bin/detect run (CNB-6, CNB-7), and the cap on how many run at once.
import { writeFile } from "node:fs/promises";
import { join, posix } from "node:path";
import { parseDetectPlan, type RunImageTarget } from "../../cnb/index.js";
import type { Runner } from "../../sandbox/index.js";
import { composeEnv, detectVars } from "../env/index.js";
import {
  type Buildpack,
  buildpackKey,
  type BuildPaths,
  describeExit,
  entryType,
  type ExecSettings,
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

/** One bin/detect run (CNB-6, CNB-7): args `$1=<platform>`, `$2=<plan>` (a fresh empty file), cwd the app. */
export async function detectOne(
  bp: Buildpack,
  inputs: { paths: BuildPaths; exec: ExecSettings; runImageTarget: RunImageTarget; execEnv?: string },
  deps: { runner: Runner },
  env: PhaseEnvironment,
): Promise<DetectRun> {
  const { paths } = inputs;
  const bin = join(bp.dir.host, "bin", "detect");
  if ((await entryType(bin)) === "missing") return { outcome: { kind: "error", reason: `${bp.dir.sandbox}/bin/detect does not exist` }, lines: [] };
  const run = await makeRunDir(paths, "plan");
  try {
    const planHost = join(run.host, "plan.toml");
    const planPath = posix.join(run.sandbox, "plan.toml");
    await writeFile(planHost, "");
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
    const spec = processSpec(paths, inputs.exec, {
      argv: [posix.join(bp.dir.sandbox, "bin", "detect"), paths.sandbox.platform, planPath],
      env: processEnv,
      access: { workspace: "ro", layers: "none" },
      runDir: run,
      home: env.home,
    });
    const { exit, lines } = await runProcess(deps.runner, spec, { bufferLines: 2000 });
    if (exit.code === 100) return { outcome: { kind: "fail" }, lines };
    if (exit.code !== 0) return { outcome: { kind: "error", reason: `bin/detect ${describeExit(exit)}` }, lines };
    const where = `build plan of ${buildpackKey(bp)}`;
    try {
      const text = (await readFileInside(run.host, planHost, planPath)) ?? "";
      return { outcome: { kind: "pass", plan: parseDetectPlan(text, where) }, lines };
    } catch (e) {
      return { outcome: { kind: "error", reason: e instanceof Error ? e.message : String(e) }, lines };
    }
  } finally {
    await run.remove();
  }
}


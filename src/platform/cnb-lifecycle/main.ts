// `/cnb/lifecycle/<phase>` in every builder: one bundled script (dist/cnb-lifecycle/lifecycle.mjs)
// started by the build image's Node.js through a small shell stub per phase, so the phases are
// the same TypeScript lifecycle `paketo build` runs. The phase is the stub's name (argv[2]).
import { PaketoError } from "../../errors/index.js";
import { isLifecycleError } from "../../lifecycle/index.js";
import { parsePhaseArgs, PlatformUsageError } from "./flags.js";
import { type Phase, PHASES, runPhase } from "./phases.js";

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [phase, ...rest] = argv;
  if (!phase || !(PHASES as readonly string[]).includes(phase)) {
    process.stderr.write(`ERROR: unknown phase ${JSON.stringify(phase ?? "")}; one of: ${PHASES.join(", ")}\n`);
    return 3;
  }
  try {
    await runPhase(phase as Phase, parsePhaseArgs(rest, env), env);
    return 0;
  } catch (e) {
    const err = e as Error;
    const hint = e instanceof PaketoError && e.hint ? `\n  hint: ${e.hint}` : "";
    process.stderr.write(`ERROR: ${phase}: ${err.message}${hint}\n`);
    if (isLifecycleError(e) || e instanceof PlatformUsageError) return e.exitCode;
    return 1;
  }
}

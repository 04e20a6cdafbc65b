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
    const h = platformHint(e) ?? (e instanceof PaketoError ? e.hint : undefined);
    const hint = h ? `\n  hint: ${h}` : "";
    process.stderr.write(`ERROR: ${phase}: ${err.message}${hint}\n`);
    if (isLifecycleError(e) || e instanceof PlatformUsageError) return e.exitCode;
    return 1;
  }
}

/**
 * The hint for a registry that wants credentials, in a platform's terms: the one the shared
 * registry client gives names paketo's CLI (--creds, podman login), which a platform does not run.
 */
function platformHint(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 10; c = c.cause, depth++) {
    if (c instanceof PaketoError && c.code === "OCI_REGISTRY_AUTH") {
      const registry = (c as { registry?: string }).registry ?? "the registry";
      return `${registry} wants credentials that were not given or were refused: set CNB_REGISTRY_AUTH to {"${registry}": "Basic BASE64(USER:PASSWORD)"}, or mount a docker config.json with an entry for it (DOCKER_CONFIG)`;
    }
  }
  return undefined;
}

// Running python and the package managers from a buildpack: output in the build log, the last
// lines in the one error a failure gives.
import type { Logger } from "../../buildpack-api/index.js";
import { exitText, lastLines, runTool, type Env } from "../common/exec.js";
import { PythonError, type PythonErrorCode } from "./errors.js";

export interface RunOptions {
  cwd: string;
  env: Env;
  logger?: Logger;
  /** The error code and sentence for a failure: `pip install --requirement requirements.txt`. */
  code: PythonErrorCode;
  what: string;
  hint?: string;
}

/** Runs `argv`; a non-zero exit is one PythonError with the tool's last lines. */
export async function run(argv: readonly string[], o: RunOptions): Promise<string> {
  const r = await runTool(argv, {
    cwd: o.cwd,
    env: o.env,
    ...(o.logger ? { logger: o.logger } : {}),
    startError: (cmd, e, missing) =>
      new PythonError("PYTHON_TOOL", `${cmd} could not be started: ${e.message}`, { hint: missing ? "cpython provides python at build time; it must run before this buildpack" : undefined, cause: e }),
  });
  if (r.code !== 0) {
    const tail = lastLines(r.output, 12);
    throw new PythonError(o.code, `${o.what} ${exitText(r)}${tail.length ? `:\n  ${tail.join("\n  ")}` : ""}`, { ...(o.hint ? { hint: o.hint } : {}) });
  }
  return r.output;
}

/** The env to run a tool with: the build env (defined values only) plus `extra`. */
export function toolEnv(env: Env, extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return { ...out, ...extra };
}

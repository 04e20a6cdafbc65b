// What a build asks the layer's python once: its version, machine and user site folder.
import type { Env } from "../common/exec.js";
import { run, toolEnv } from "./exec.js";

export interface PythonFacts {
  /** `3.13.5`. */
  version: string;
  /** `x86_64`. */
  machine: string;
  /** `3.13`. */
  minor: string;
  /** site.getusersitepackages() under PYTHONUSERBASE=`userBase`. */
  userSite: string;
  /** sys.executable. */
  executable: string;
}

const SCRIPT = "import json,platform,site,sys; print(json.dumps([platform.python_version(), platform.machine(), site.getusersitepackages(), sys.executable]))";

export async function pythonFacts(env: Env, cwd: string, userBase?: string): Promise<PythonFacts> {
  const out = await run(["python3", "-c", SCRIPT], { cwd, env: toolEnv(env, userBase ? { PYTHONUSERBASE: userBase } : {}), code: "PYTHON_TOOL", what: "python3 (asking its version)" });
  const line = out.trim().split("\n").pop() ?? "";
  const [version, machine, userSite, executable] = JSON.parse(line) as [string, string, string, string];
  return { version, machine, minor: version.split(".").slice(0, 2).join("."), userSite, executable };
}

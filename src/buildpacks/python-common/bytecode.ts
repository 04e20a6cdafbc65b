// Bytecode compiled the reproducible way: `compileall --invalidation-mode unchecked-hash` writes
// .pyc files that hold a hash of their source instead of its modification time, so two builds of
// the same sources give the same bytes (and the image the same digest), and Python at launch uses
// them without checking the sources. PYTHONPYCACHEPREFIX is left out of compileall's env: with it
// set, the .pyc files would go under the prefix instead of beside the sources. PYTHONDONTWRITEBYTECODE
// is set: compileall's own processes import modules of the tree being compiled, and would otherwise
// write timestamp-based .pyc files for them, racing compileall's (py_compile writes regardless);
// `-f` rewrites any .pyc already there.
import type { Logger } from "../../buildpack-api/index.js";
import type { Env } from "../common/exec.js";
import { run, toolEnv } from "./exec.js";

export async function compileBytecode(python: string, dirs: readonly string[], o: { env: Env; cwd: string; logger?: Logger; exclude?: string }): Promise<void> {
  if (dirs.length === 0) return;
  const env = toolEnv(o.env);
  delete env.PYTHONPYCACHEPREFIX;
  env.PYTHONDONTWRITEBYTECODE = "1";
  // -q: no listing; -j 0: all cores; -x: what compileall must skip (tests with syntax meant to fail)
  await run([python, "-m", "compileall", "-q", "-f", "-j", "0", "--invalidation-mode", "unchecked-hash", ...(o.exclude ? ["-x", o.exclude] : []), ...dirs], {
    cwd: o.cwd,
    env: { ...env, SOURCE_DATE_EPOCH: env.SOURCE_DATE_EPOCH ?? "0" },
    code: "PYTHON_TOOL",
    what: "compiling bytecode",
  }).catch((e: unknown) => {
    // compileall exits 1 when a file does not compile (a package's Python 2 test data): the rest is compiled
    if (!/exited with status 1/.test(String((e as Error).message))) throw e;
    o.logger?.debug.subprocess("compileall: some files did not compile (left as sources)");
  });
}

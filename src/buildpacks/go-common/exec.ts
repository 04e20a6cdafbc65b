// Running the go command: output in the build log, its last lines in the error when it fails.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../../buildpack-api/index.js";
import { runTool, type Env, type ToolRun } from "../common/exec.js";
import { GoError } from "./errors.js";

export { exitText, lastLines, type ToolRun } from "../common/exec.js";

export function runGo(args: readonly string[], opts: { cwd: string; env: Env; logger?: Logger }): Promise<ToolRun> {
  return runTool(["go", ...args], {
    ...opts,
    startError: (cmd, e, missing) =>
      new GoError("GO_TOOL", missing ? `${cmd} was not found on PATH` : `running ${cmd} failed: ${e.message}`, {
        hint: missing ? "go-dist provides the go command at build time; it must run before this buildpack" : undefined,
        cause: e,
      }),
  });
}

/**
 * The environment the go command runs with: the build's (GOPROXY, GOSUMDB, GOPRIVATE, GONOSUMDB,
 * GOFLAGS from the platform or the user), GOTOOLCHAIN=local so a go.mod `toolchain` line never
 * downloads an unverified toolchain, and NETRC from a `netrc` binding (credentials for private
 * modules' proxies and servers).
 */
export function goEnv(env: Env, bindings: readonly { type: string; path: string; entries: Readonly<Record<string, string>> }[], extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  out.GOTOOLCHAIN = "local";
  const netrc = bindings.find((b) => b.type.toLowerCase() === "netrc");
  if (netrc) {
    // the entry `netrc` (or `.netrc`, which binding readers do not list), else the only entry
    const file = ["netrc", ".netrc"].find((f) => existsSync(join(netrc.path, f))) ?? Object.keys(netrc.entries)[0];
    if (file) out.NETRC = join(netrc.path, file);
  }
  return { ...out, ...extra };
}

/** GOFLAGS with `-modcacherw`: the go command otherwise makes the module cache read-only, which a cache layer must not be. */
export function withModcacherw(goflags: string | undefined): string {
  const flags = (goflags ?? "").split(/\s+/).filter(Boolean);
  return flags.includes("-modcacherw") ? flags.join(" ") : [...flags, "-modcacherw"].join(" ");
}

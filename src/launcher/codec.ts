// launcher.cfg: the launch plan as NUL-terminated tokens, read by launcher/config.c.
//
//   "paketo-launcher" "1"
//   "platform-api" API
//   "app-dir" PATH
//   { "buildpack" DIR { "layer" NAME } }                 build order; layers sorted
//   { "process" TYPE BUILDPACK-ID ("direct"|"shell") ("append"|"replace") WORKING-DIR
//       N COMMAND*N  M ARG*M  K EXEC-ENV*K }
//   [ "default" TYPE ]
//   "end"
//
// Counts are decimal. Nothing needs escaping: argv and env strings cannot hold NUL. The
// trailing "end" makes a truncated file an error instead of a shorter plan.
import { LauncherError } from "./errors.js";
import { type LauncherConfig, type LaunchPlan, type PlannedProcess, planLaunch } from "./plan.js";

/** Where the launcher reads its config, relative to the layers dir. */
export const LAUNCHER_CONFIG_PATH = "config/launcher.cfg";

const MAGIC = "paketo-launcher";
const VERSION = "1";

/** The launcher.cfg bytes for a config (planLaunch, then encodeLaunchPlan). */
export function encodeLauncherConfig(cfg: LauncherConfig): Buffer {
  return encodeLaunchPlan(planLaunch(cfg));
}

export function encodeLaunchPlan(plan: LaunchPlan): Buffer {
  const t: string[] = [MAGIC, VERSION, "platform-api", plan.platformApi, "app-dir", plan.appDir];
  for (const bp of plan.buildpacks) {
    t.push("buildpack", bp.dir);
    for (const layer of bp.layers) t.push("layer", layer);
  }
  for (const p of plan.processes) {
    t.push("process", p.type, p.buildpackId, p.exec, p.userArgs, p.workingDir);
    for (const list of [p.command, p.args, p.execEnv]) t.push(String(list.length), ...list);
  }
  if (plan.defaultProcess !== undefined) t.push("default", plan.defaultProcess);
  t.push("end");
  for (const s of t) {
    if (s.includes("\0")) throw new LauncherError("LAUNCHER_CONFIG", `launch plan value ${JSON.stringify(s)} contains a NUL character`);
  }
  return Buffer.from(t.map((s) => `${s}\0`).join(""), "utf8");
}

/** The inverse of encodeLaunchPlan, as strict as the C reader. */
export function decodeLaunchPlan(bytes: Uint8Array): LaunchPlan {
  const text = Buffer.from(bytes).toString("utf8");
  if (!text.endsWith("\0")) bad("not a launcher config (no final NUL)");
  const tokens = text.slice(0, -1).split("\0");
  let i = 0;
  const next = (what: string): string => {
    if (i >= tokens.length) bad(`truncated: expected ${what}`);
    return tokens[i++]!;
  };
  const list = (what: string): string[] => {
    const n = next(what);
    if (!/^[0-9]{1,6}$/.test(n)) bad(`${what} is not a count: "${n}"`);
    return Array.from({ length: Number(n) }, () => next(what));
  };
  const choice = <T extends string>(what: string, ...options: T[]): T => {
    const s = next(what);
    if (!options.includes(s as T)) bad(`${what} must be ${options.join(" or ")}, not "${s}"`);
    return s as T;
  };

  if (next("format name") !== MAGIC) bad("not a launcher config");
  const version = next("format version");
  if (version !== VERSION) bad(`format version ${version} is not supported`);
  const plan: LaunchPlan = { platformApi: "", appDir: "", buildpacks: [], processes: [] };
  for (;;) {
    const kind = next(`a record or "end"`);
    if (kind === "end") break;
    switch (kind) {
      case "platform-api":
        plan.platformApi = next("platform API");
        break;
      case "app-dir":
        plan.appDir = next("app dir");
        break;
      case "buildpack":
        plan.buildpacks.push({ dir: next("buildpack dir"), layers: [] });
        break;
      case "layer": {
        const bp = plan.buildpacks.at(-1);
        if (!bp) bad("a layer record before any buildpack record");
        bp.layers.push(next("layer name"));
        break;
      }
      case "process": {
        const p: PlannedProcess = {
          type: next("process type"),
          buildpackId: next("process buildpack id"),
          exec: choice("process exec mode", "direct", "shell"),
          userArgs: choice("process user-args mode", "append", "replace"),
          workingDir: next("process working dir"),
          command: list("process command"),
          args: list("process args"),
          execEnv: list("process exec-env"),
        };
        plan.processes.push(p);
        break;
      }
      case "default":
        plan.defaultProcess = next("default process type");
        break;
      default:
        bad(`unknown record "${kind}"`);
    }
  }
  if (i !== tokens.length) bad(`data after "end"`);
  if (plan.appDir === "") bad("no app dir");
  // What launcher/config.c checks too.
  for (const bp of plan.buildpacks) [bp.dir, ...bp.layers].forEach((n) => pathElement(n, "buildpack dir or layer name"));
  const types = new Set<string>();
  for (const p of plan.processes) {
    pathElement(p.type, "process type");
    if (types.has(p.type)) bad(`process type "${p.type}" appears twice`);
    types.add(p.type);
    if (p.command.length === 0 || p.command[0] === "") bad(`process "${p.type}" has no command`);
  }
  if (plan.defaultProcess !== undefined && !types.has(plan.defaultProcess)) bad(`default process "${plan.defaultProcess}" is not a process`);
  return plan;
}

function pathElement(s: string, what: string): void {
  if (s === "" || s === "." || s === ".." || s.includes("/")) bad(`${what} "${s}" is not a single path element`);
}

function bad(message: string): never {
  throw new LauncherError("LAUNCHER_DECODE", `launcher config: ${message}`);
}

// What node-start and npm-start share: the project directory (BP_NODE_PROJECT_PATH), Paketo's
// boolean settings, the tini and live-reload wrappers, and the "Assigning launch processes" log.
import { stat } from "node:fs/promises";
import { isAbsolute, join, normalize, relative } from "node:path";
import type { Logger, Process, Require } from "../../buildpack-api/index.js";
import { StartError } from "./errors.js";

/** The app's project directory: `rel` is "" for the app root. */
export interface ProjectDir {
  rel: string;
  abs: string;
}

/** Inside the app dir, or undefined when `path` (relative to it) leaves it. */
export function inside(appDir: string, path: string): { rel: string; abs: string } | undefined {
  const abs = normalize(join(appDir, path));
  const rel = relative(appDir, abs);
  if (rel === ".." || rel.startsWith("../") || isAbsolute(rel)) return undefined;
  return { rel, abs };
}

/** BP_NODE_PROJECT_PATH resolved against the app dir; it must be a directory inside the app. */
export async function projectDir(appDir: string, env: Readonly<Record<string, string>>): Promise<ProjectDir> {
  const raw = env.BP_NODE_PROJECT_PATH ?? "";
  if (raw === "") return { rel: "", abs: appDir };
  const dir = inside(appDir, raw);
  if (dir === undefined) {
    throw new StartError("START_PROJECT", `BP_NODE_PROJECT_PATH=${raw} leaves the app directory`, { hint: "give a subdirectory of the app, e.g. ./packages/web" });
  }
  const st = await stat(dir.abs).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new StartError("START_PROJECT", `BP_NODE_PROJECT_PATH=${raw}: ${dir.rel} is not a directory of the app`, {
      hint: "BP_NODE_PROJECT_PATH is relative to the app root",
    });
  }
  return dir;
}

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/** A boolean setting as Paketo reads it (Go's strconv.ParseBool); unset or empty gives `fallback`. */
export function readBool(env: Readonly<Record<string, string>>, name: string, fallback = false): boolean {
  const v = env[name];
  if (v === undefined || v === "") return fallback;
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new StartError("START_CONFIG", `${name}=${v} is not a boolean`, { hint: "use true or false" });
}

/** The launch wrappers a start buildpack applies: tini (signal forwarding) and watchexec (live reload). */
export interface Wrappers {
  tini: boolean;
  reload: boolean;
}

export function readWrappers(env: Readonly<Record<string, string>>): Wrappers {
  return { tini: readBool(env, "BP_LAUNCH_WITH_TINI"), reload: readBool(env, "BP_LIVE_RELOAD_ENABLED") };
}

/** The plan requirements the wrappers add: their tools must be in a launch layer. */
export function wrapperRequires(w: Wrappers): Require[] {
  return [...(w.reload ? [{ name: "watchexec", metadata: { launch: true } }] : []), ...(w.tini ? [{ name: "tini", metadata: { launch: true } }] : [])];
}

/**
 * The processes for a web process: itself, or with live reload `web` = the process under
 * `watchexec --restart` (default) and `no-reload` = the process as it is.
 */
export function withLiveReload(web: Process, reload: boolean, watch: { paths: readonly string[]; ignore?: readonly string[] }): Process[] {
  if (!reload) return [web];
  const watchexec = [
    "watchexec",
    "--restart",
    ...watch.paths.flatMap((p) => ["--watch", p]),
    ...(watch.ignore ?? []).flatMap((p) => ["--ignore", p]),
    "--shell",
    "none",
    "--",
    ...web.command,
    ...(web.args ?? []),
  ];
  return [
    { ...web, type: "web", command: watchexec, args: [], default: true },
    { ...web, type: "no-reload", default: false },
  ];
}

/**
 * A command as a reader would type it: words with spaces or shell syntax are single-quoted; a
 * word in `labels` (a long generated script) is shown as its label.
 */
export function showCommand(words: readonly string[], labels: ReadonlyMap<string, string> = new Map()): string {
  return words.map((w) => labels.get(w) ?? (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`)).join(" ");
}

/** Paketo's process log: `Assigning launch processes:` then `web (default): node server.js`. */
export function logProcesses(logger: Logger, processes: readonly Process[], labels?: ReadonlyMap<string, string>): void {
  logger.process("Assigning launch processes:");
  for (const p of processes) {
    const where = p.workingDir === undefined ? "" : ` (working directory: ${p.workingDir})`;
    logger.subprocess(`${p.type}${p.default ? " (default)" : ""}: ${showCommand([...p.command, ...(p.args ?? [])], labels)}${where}`);
  }
}

// procfile: every Procfile entry becomes a process type. Commands run through `bash -c` (Paketo's
// shell processes) unless BP_DIRECT_PROCESS=true, which splits them into words and runs them
// without a shell. `web`, else `worker`, is the default. Placed after the language buildpacks, so
// its `web` replaces theirs.
import { defineBuildpack, fail, type Logger, pass, type Process, s } from "../../buildpack-api/index.js";
import { ProcfileError } from "./errors.js";
import { type Procfile, readProcfiles } from "./procfile.js";
import { splitWords } from "./shell-words.js";

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

function directProcesses(env: Readonly<Record<string, string>>): boolean {
  const v = env.BP_DIRECT_PROCESS ?? "";
  if (v === "" || FALSE.has(v)) return false;
  if (TRUE.has(v)) return true;
  throw new ProcfileError("PROCFILE_CONFIG", `BP_DIRECT_PROCESS=${v} is not a boolean`, { hint: "use true or false" });
}

/** The default process: `web`, else `worker` (compared without case, as Paketo does). */
export function defaultType(types: readonly string[]): string | undefined {
  for (const magic of ["web", "worker"]) {
    const found = types.find((t) => t.toLowerCase() === magic);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function toProcesses(procfile: Procfile, direct: boolean): Process[] {
  const types = Object.keys(procfile).sort();
  const def = defaultType(types);
  return types.map((type) => {
    const line = procfile[type] as string;
    let command: string[];
    if (direct) {
      const r = splitWords(line, { operators: "error" });
      if (!r.ok) throw new ProcfileError("PROCFILE_DIRECT", `process ${type}: ${JSON.stringify(line)} cannot run without a shell: ${r.problem}`, { hint: "BP_DIRECT_PROCESS=true runs each command directly" });
      if (r.words.length === 0) throw new ProcfileError("PROCFILE_DIRECT", `process ${type}: the command is empty once split into words`);
      command = r.words.map((w) => w.value);
    } else {
      // $0 is the process type; arguments given at launch are the script's "$@".
      command = ["bash", "-c", line, type];
    }
    return { type, command, default: type === def };
  });
}

function logProcesses(logger: Logger, processes: readonly Process[], procfile: Procfile): void {
  logger.process("Assigning launch processes:");
  for (const p of processes) logger.subprocess(`${p.type}${p.default ? " (default)" : ""}: ${procfile[p.type]}`);
}

export const procfile = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const { procfile: entries } = await readProcfiles(ctx.appDir, ctx.env, ctx.platform.bindings);
      if (Object.keys(entries).length === 0) return fail("no Procfile, no binding of type Procfile, and BP_PROCFILE_DEFAULT_PROCESS is not set");
      return pass({ provides: [{ name: "procfile" }], requires: [{ name: "procfile", metadata: entries }] });
    },
    build: (ctx) => {
      ctx.logger.title(`${ctx.buildpack.name} ${ctx.buildpack.version}`);
      const entries: Procfile = {};
      for (const e of ctx.plan.select("procfile", s.record(s.string()))) Object.assign(entries, e.metadata);
      const direct = directProcesses(ctx.env);
      ctx.logger.process(direct ? "Processes run directly (BP_DIRECT_PROCESS=true)" : "Processes run through bash -c");
      const processes = toProcesses(entries, direct);
      logProcesses(ctx.logger, processes, entries);
      return { processes };
    },
  });

// Procfile parsing and the sources Paketo merges: BP_PROCFILE_DEFAULT_PROCESS (becomes `web`),
// then the app's Procfile, then a binding of type `Procfile` (each overrides the one before, per type).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Binding } from "../../buildpack-api/index.js";
import { ProcfileError } from "./errors.js";

/** Process type → command, in the order first seen. */
export type Procfile = Record<string, string>;

const ENTRY = /^([A-Za-z0-9_.-]+):[ \t]*(.*)$/;

/**
 * `<type>: <command>` per line. Blank lines and `#` comments are skipped; anything else is an
 * error naming `where` and the line (Paketo skips such lines silently). A type given twice keeps
 * its last command.
 */
export function parseProcfile(text: string, where: string): Procfile {
  const out: Procfile = {};
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, "").trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = ENTRY.exec(line);
    const at = `${where}:${i + 1}`;
    if (m === null) {
      throw new ProcfileError("PROCFILE_SYNTAX", `${at}: expected "<type>: <command>", got ${JSON.stringify(line)}`, {
        hint: "a process type is letters, digits, '.', '_' or '-', then a colon and the command; comment lines start with #",
      });
    }
    const [, type, command] = m as unknown as [string, string, string];
    if (command.trim() === "") throw new ProcfileError("PROCFILE_SYNTAX", `${at}: process type "${type}" has no command`);
    out[type] = command.trim();
  }
  return out;
}

export interface ProcfileSources {
  procfile: Procfile;
  /** Where the entries came from, for the log. */
  sources: string[];
}

async function readOptional(path: string, what: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new ProcfileError("PROCFILE_READ", `reading ${what}: ${(e as Error).message}`, { cause: e });
  }
}

/** Every source merged: BP_PROCFILE_DEFAULT_PROCESS < Procfile < `Procfile` binding. */
export async function readProcfiles(appDir: string, env: Readonly<Record<string, string>>, bindings: readonly Binding[]): Promise<ProcfileSources> {
  const merged: Procfile = {};
  const sources: string[] = [];
  const fromEnv = env.BP_PROCFILE_DEFAULT_PROCESS ?? "";
  if (fromEnv.trim() !== "") {
    merged.web = fromEnv.trim();
    sources.push("BP_PROCFILE_DEFAULT_PROCESS");
  }
  const text = await readOptional(join(appDir, "Procfile"), "the Procfile");
  if (text !== undefined) {
    Object.assign(merged, parseProcfile(text, "Procfile"));
    sources.push("Procfile");
  }
  for (const b of bindings.filter((b) => b.type.toLowerCase() === "procfile")) {
    const entry = b.entries.Procfile;
    if (entry === undefined) {
      throw new ProcfileError("PROCFILE_READ", `binding ${b.name} (type Procfile) has no Procfile entry`, { hint: `put the Procfile in ${join(b.path, "Procfile")}` });
    }
    Object.assign(merged, parseProcfile(entry, `binding ${b.name}: Procfile`));
    sources.push(`binding ${b.name}`);
  }
  return { procfile: merged, sources };
}

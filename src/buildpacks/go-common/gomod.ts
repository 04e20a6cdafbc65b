// What the Go buildpacks read of go.mod: the module path, the `go` and `toolchain` lines and
// whether anything is required. The grammar is go.mod's (golang.org/x/mod/modfile): `//` comments,
// blocks `require ( ... )`, quoted strings; nothing else is interpreted.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { GoError } from "./errors.js";

export interface GoMod {
  /** `module` path, unquoted. */
  module: string | undefined;
  /** The `go` line's version (`1.15`, `1.22.3`). */
  go: string | undefined;
  /** The `toolchain` line's version without `go` (`1.23.4`); `default` is left out. */
  toolchain: string | undefined;
  /** How many modules `require` lists. */
  requires: number;
}

function unquote(s: string): string {
  const t = s.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("`") && t.endsWith("`"))) return t.slice(1, -1);
  return t;
}

export function parseGoMod(text: string, where = "go.mod"): GoMod {
  const out: GoMod = { module: undefined, go: undefined, toolchain: undefined, requires: 0 };
  let block: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (line === "") return;
    if (block !== undefined) {
      if (line === ")") block = undefined;
      else if (block === "require") out.requires++;
      return;
    }
    const m = /^([a-z]+)\s*(.*)$/.exec(line);
    if (!m) throw new GoError("GO_MOD", `${where}:${i + 1}: cannot read ${JSON.stringify(raw.trim())}`, { hint: "run 'go mod tidy' and commit go.mod" });
    const [, verb, rest] = m as unknown as [string, string, string];
    if (rest === "(") {
      block = verb;
      return;
    }
    if (verb === "module") out.module = unquote(rest);
    else if (verb === "go") {
      if (!/^\d+\.\d+(\.\d+|(rc|beta)\d+)?$/.test(rest)) throw new GoError("GO_MOD", `${where}:${i + 1}: "go ${rest}" is not a Go version`, { hint: "write e.g. go 1.22" });
      out.go = rest;
    } else if (verb === "toolchain") {
      const t = rest.replace(/^go/, "");
      if (rest !== "default") out.toolchain = t;
    } else if (verb === "require") out.requires++;
  });
  return out;
}

/** go.mod in `dir`, parsed; undefined when there is none. `rel` names it in messages. */
export async function readGoMod(dir: string, rel = "go.mod"): Promise<GoMod | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, "go.mod"), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw new GoError("GO_MOD", `${rel} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  return parseGoMod(text, rel);
}

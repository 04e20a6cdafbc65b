// Which Ruby the app asks for, as Paketo's mri reads it: BP_MRI_VERSION, else the Gemfile's
// `ruby` line, else .ruby-version; and the Debian package that has it (ruby<major>.<minor>).
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export interface RubyRequest {
  /** A version range over the upstream version (`3.3`, `>=3.3.0 <3.4.0`); undefined: the release's Ruby. */
  spec: string | undefined;
  source: string | undefined;
  /** What was written, for the log. */
  written: string | undefined;
}

/** A Gemfile-style requirement (`~> 3.3.0`, `>= 3.2`, `3.3.4`) as a semver range. */
export function gemRange(req: string): string {
  return req
    .split(",")
    .map((part) => {
      const m = /^\s*(~>|>=|<=|>|<|=)?\s*v?(\d+(?:\.\d+)*)\s*$/.exec(part);
      if (!m) return part.trim();
      const op = m[1];
      const v = m[2] as string;
      if (op === "~>") {
        const parts = v.split(".").map(Number);
        const upper = parts.length === 1 ? [(parts[0] as number) + 1] : [...parts.slice(0, -2), (parts[parts.length - 2] as number) + 1];
        return `>=${v} <${upper.join(".")}`;
      }
      return op && op !== "=" ? `${op}${v}` : v;
    })
    .join(" ");
}

export async function rubyRequest(appDir: string, env: Readonly<Record<string, string | undefined>>): Promise<RubyRequest> {
  const bp = env.BP_MRI_VERSION?.trim();
  if (bp) return { spec: gemRange(bp), source: "BP_MRI_VERSION", written: bp };
  const gemfile = await readFile(join(appDir, "Gemfile"), "utf8").catch(() => "");
  const line = /^\s*ruby\s*\(?\s*(['"])([^'"]+)\1/m.exec(gemfile);
  if (line) return { spec: gemRange(line[2] as string), source: "Gemfile", written: line[2] };
  const rv = (await readFile(join(appDir, ".ruby-version"), "utf8").catch(() => "")).trim().replace(/^ruby-/, "");
  if (rv) return { spec: gemRange(rv), source: ".ruby-version", written: rv };
  return { spec: undefined, source: undefined, written: undefined };
}

/** `ruby3.3` for a spec naming 3.3 (its first major.minor), else undefined (the release's `ruby`). */
export function rubyPackage(spec: string | undefined): string | undefined {
  const m = /(\d+)\.(\d+)/.exec(spec ?? "");
  return m ? `ruby${m[1]}.${m[2]}` : undefined;
}

// What of the project the image keeps: a framework's output only, or everything but the sources
// its build compiled; BP_KEEP_FILES globs keep more. Globs are matched segment by segment (`*`
// and `?` within a name, `**` for any depth), so `content/*.md` keeps those files of content/.
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

type Rule = readonly string[];

function segment(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]*").replaceAll("?", "[^/]");
  return new RegExp(`^${body}$`);
}

/** Colon-separated globs (BP_KEEP_FILES) as rules; `./` and trailing slashes are ignored. */
export function keepRules(value: string | undefined): Rule[] {
  return (value ?? "")
    .split(":")
    .map((g) => g.trim().replace(/^(\.\/)+/, "").replace(/\/+$/, ""))
    .filter((g) => g !== "" && g !== ".")
    .map((g) => g.split("/").filter((s) => s !== ""));
}

/** Whether `name` is kept whole (a rule ends there, or says `**`), kept in part (rules go on inside), or not at all. */
function verdict(name: string, rules: readonly Rule[]): { whole: boolean; inside: Rule[] } {
  let whole = false;
  const inside: Rule[] = [];
  for (const r of rules) {
    const [first, ...rest] = r;
    if (first === undefined) continue;
    if (first === "**") {
      if (rest.length === 0) whole = true;
      else {
        inside.push(r); // ** may match more folders
        if (verdict(name, [rest]).whole) whole = true;
        inside.push(...verdict(name, [rest]).inside);
      }
      continue;
    }
    if (!segment(first).test(name)) continue;
    if (rest.length === 0) whole = true;
    else inside.push(rest);
  }
  return { whole, inside };
}

/**
 * Removes from `dir` what the rules do not keep. `only`: every entry must be kept by a rule.
 * `sources`: only these entries are candidates for removal (a rule can still keep them or part of
 * them). Returns the removed paths, relative to `dir`, sorted.
 */
export async function pruneProject(dir: string, keep: { only: readonly string[] } | { sources: readonly string[] }, extra: readonly Rule[]): Promise<string[]> {
  const removed: string[] = [];
  const walk = async (at: string, rel: string, rules: readonly Rule[], candidates: ReadonlySet<string> | undefined): Promise<void> => {
    const entries = await readdir(at, { withFileTypes: true }).catch(() => []);
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (candidates !== undefined && !candidates.has(e.name)) continue;
      // The project's node_modules is the install buildpack's: the link to what the image gets,
      // or, during the build, the platform's mount of the build tree (which cannot be removed).
      if (rel === "" && e.name === "node_modules") continue;
      const v = verdict(e.name, rules);
      if (v.whole) continue;
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (v.inside.length > 0 && e.isDirectory()) await walk(join(at, e.name), path, v.inside, undefined);
      else {
        await rm(join(at, e.name), { recursive: true, force: true });
        removed.push(path);
      }
    }
  };
  if ("only" in keep) await walk(dir, "", [...keep.only.map((p) => p.split("/")), ...extra], undefined);
  else await walk(dir, "", extra, new Set(keep.sources));
  return removed.sort();
}

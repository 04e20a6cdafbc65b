// BP_MAVEN_BUILT_ARTIFACT: a glob (`target/*.[ejw]ar`; `*`, `?` and `[...]` within one path
// element) matched against the files under the build's module folder.
import { readdir } from "node:fs/promises";
import { join } from "node:path";

function elementRegex(glob: string): RegExp {
  let r = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") r += "[^/]*";
    else if (c === "?") r += "[^/]";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) r += "\\[";
      else {
        r += `[${glob.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else r += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${r}$`);
}

/** Paths (relative to `base`) matching `pattern`, sorted. */
export async function matchArtifacts(base: string, pattern: string): Promise<string[]> {
  const parts = pattern.split("/").filter((p) => p !== "" && p !== ".");
  let found = [""];
  for (const [i, part] of parts.entries()) {
    const re = elementRegex(part);
    const next: string[] = [];
    for (const dir of found) {
      const entries = await readdir(join(base, dir), { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const last = i === parts.length - 1;
        if (re.test(e.name) && (last ? e.isFile() : e.isDirectory())) next.push(dir ? `${dir}/${e.name}` : e.name);
      }
    }
    found = next;
  }
  return found.sort();
}

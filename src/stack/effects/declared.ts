// The effects a stack file declares: folders, files (copied from a package default or given) and
// symbolic links, each for the flavors it names.
import { StackError } from "../errors.js";
import type { Rootfs } from "../staging-rootfs.js";
import type { FlavorName, StackDefinition } from "../stack-file.js";

export function applyDeclared(root: Rootfs, def: StackDefinition, flavor: FlavorName): void {
  const mine = <T extends { flavors?: FlavorName[] }>(xs: T[]) => xs.filter((x) => !x.flavors || x.flavors.includes(flavor));
  for (const d of mine(def.dirs)) if (d.ifExists === undefined || root.exists(d.ifExists)) root.mkdir(d.path, d.mode);
  for (const f of mine(def.files)) {
    if (f.ifExists !== undefined && !root.exists(f.ifExists)) continue;
    if (f.copy !== undefined && root.exists(f.copy)) root.writeFile(f.path, root.readFile(f.copy), f.mode);
    else if (f.content !== undefined) root.writeFile(f.path, f.content, f.mode);
  }
  for (const l of mine(def.links)) {
    if (l.ifExists !== undefined && !root.exists(l.ifExists)) continue;
    const st = root.lstat(l.path);
    if (st?.isSymbolicLink() || st === undefined || st.isDirectory()) {
      root.symlink(l.path, l.target);
      continue;
    }
    throw new StackError("STACK_ASSEMBLY", `cannot link /${l.path} to ${l.target}: a package installed a file there`, {
      hint: "remove the [[links]] entry from the stack file, or the package that ships the file",
    });
  }
}

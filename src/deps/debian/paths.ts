// Which package contents go where: glob patterns over paths relative to the root (shared by stacks
// and by buildpacks that install packages into layers).

/**
 * A predicate over paths (`usr/share/doc/x/copyright`, no leading `/`): false for a path an
 * `exclude` pattern matches unless a `keep` pattern matches it too. In patterns `*` and `?`
 * stay within one folder, `**` crosses folders.
 */
export function pathFilter(exclude: readonly string[], keep: readonly string[]): (path: string) => boolean {
  const ex = exclude.map(globToRegExp);
  const kp = keep.map(globToRegExp);
  return (path) => !ex.some((r) => r.test(path)) || kp.some((r) => r.test(path));
}

export function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re.replace(/^\/+/, "")}$`);
}

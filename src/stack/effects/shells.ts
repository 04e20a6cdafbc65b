// /etc/shells as debianutils' update-shells writes it on a fresh system: the template, then every
// shell packages list in /usr/share/debianutils/shells.d, each also under its real path.
import type { Rootfs } from "../staging-rootfs.js";

const TEMPLATE = "usr/share/debianutils/shells";
const SHELLS_D = "usr/share/debianutils/shells.d";

export function writeShells(root: Rootfs): void {
  if (!root.exists(TEMPLATE)) return;
  const pkgShells: string[] = [];
  const add = (s: string) => {
    if (!pkgShells.includes(s)) pkgShells.push(s);
  };
  const sources = [TEMPLATE, ...root.list(SHELLS_D).map((n) => `${SHELLS_D}/${n}`)];
  for (const f of sources) {
    for (const raw of lines(root.readFile(f).toString("utf8"))) {
      const line = raw.split("#")[0] as string;
      if (!line) continue;
      add(line);
      const slash = line.lastIndexOf("/");
      const dir = line.slice(0, slash);
      add(`/${root.realpath(dir)}/${line.slice(slash + 1)}`.replace(/^\/\//, "/"));
    }
  }
  const etc: string[] = [];
  const seen = new Set<string>();
  for (const line of lines(root.readFile(TEMPLATE).toString("utf8"))) {
    const shell = line.split("#")[0] as string;
    if (shell && seen.has(shell)) continue;
    etc.push(line);
    seen.add(shell);
  }
  for (const s of pkgShells) if (!seen.has(s)) etc.push(s);
  root.writeFile("etc/shells", `${etc.join("\n")}\n`, 0o644);
  root.writeFile("var/lib/shells.state", `${pkgShells.join("\n")}\n`, 0o644);
}

function lines(text: string): string[] {
  const l = text.split("\n");
  if (l[l.length - 1] === "") l.pop();
  return l;
}

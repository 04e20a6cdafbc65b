// What `update-alternatives --install` leaves behind, in auto mode: for each name, the
// highest-priority alternative whose file is in the image becomes
// LINK -> /etc/alternatives/NAME -> PATH, with its slaves whose files are there too.
import type { Rootfs } from "../staging-rootfs.js";
import type { Alternative } from "../stack-file.js";

export interface AlternativesResult {
  /** name → chosen path. */
  chosen: Map<string, string>;
  /** Links left alone because a package installed a real file there. */
  skipped: string[];
}

export function applyAlternatives(root: Rootfs, alternatives: readonly Alternative[]): AlternativesResult {
  const byName = new Map<string, Alternative[]>();
  for (const a of alternatives) {
    if (!root.exists(a.path)) continue;
    byName.set(a.name, [...(byName.get(a.name) ?? []), a]);
  }
  const result: AlternativesResult = { chosen: new Map(), skipped: [] };
  const admin = root.exists("usr/bin/update-alternatives");
  for (const name of [...byName.keys()].sort()) {
    const candidates = byName.get(name) as Alternative[];
    // auto mode: the highest priority; on a tie, the one declared first
    const best = candidates.reduce((a, b) => (b.priority > a.priority ? b : a));
    if (!link(root, best.link, name, best.path, result)) continue;
    result.chosen.set(name, `/${best.path}`);
    for (const s of best.slaves) {
      if (root.exists(s.path)) link(root, s.link, s.name, s.path, result);
    }
    if (admin) root.writeFile(`var/lib/dpkg/alternatives/${name}`, adminFile(best, candidates), 0o644);
  }
  return result;
}

function link(root: Rootfs, at: string, name: string, path: string, result: AlternativesResult): boolean {
  const st = root.lstat(at);
  if (st && !st.isSymbolicLink()) {
    // update-alternatives never replaces a real file with a link
    result.skipped.push(`/${at}`);
    return false;
  }
  root.symlink(`etc/alternatives/${name}`, `/${path}`);
  root.symlink(at, `/etc/alternatives/${name}`);
  return true;
}

/** The administrative file update-alternatives keeps in /var/lib/dpkg/alternatives/NAME. */
export function adminFile(master: Alternative, candidates: readonly Alternative[]): string {
  const slaves = master.slaves;
  const lines = ["auto", `/${master.link}`];
  for (const s of slaves) lines.push(s.name, `/${s.link}`);
  lines.push("");
  for (const c of candidates) {
    lines.push(`/${c.path}`, String(c.priority));
    for (const s of slaves) {
      const mine = c.slaves.find((x) => x.name === s.name);
      lines.push(mine ? `/${mine.path}` : "");
    }
  }
  lines.push("");
  return `${lines.join("\n")}\n`;
}

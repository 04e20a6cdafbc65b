// The maintainer-script effects that matter, reproduced without running any script (dpkg would
// run them as root): declared files, folders and links, users, /etc/shells, alternatives, the CA
// bundle and its hash links, and the ld.so cache, in that order (triggers last, as dpkg does).
import type { Rootfs } from "../staging-rootfs.js";
import type { FlavorName, StackDefinition, UserIds } from "../stack-file.js";
import { applyAlternatives } from "./alternatives.js";
import { writeCaCertificates } from "./ca-certificates.js";
import { applyDeclared } from "./declared.js";
import { hasLdconfig, runLdconfig } from "./ldconfig.js";
import { writeShells } from "./shells.js";
import { writeUsers } from "./users.js";


export { adminFile } from "./alternatives.js";

export interface EffectOptions {
  def: StackDefinition;
  flavor: FlavorName;
  user: UserIds;
  /** Run the root's ldconfig (only possible for this machine's architecture). */
  ldconfig: boolean;
  bwrap?: string;
  signal?: AbortSignal;
  warn?: (message: string) => void;
}

export async function applyEffects(root: Rootfs, opts: EffectOptions): Promise<void> {
  applyDeclared(root, opts.def, opts.flavor);
  root.mkdir("tmp", 0o1777); // whatever the stack file says: CNB images need a sticky, world-writable /tmp
  writeUsers(root, opts.def, opts.user);
  writeShells(root);
  const alt = applyAlternatives(root, opts.def.alternatives);
  for (const s of alt.skipped) opts.warn?.(`${s} is a file a package installed; its alternative link was not made`);
  writeCaCertificates(root);
  if (opts.ldconfig && hasLdconfig(root)) await runLdconfig(root, { ...(opts.bwrap ? { bwrap: opts.bwrap } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
}

// One naming scheme for temp files and folders, everywhere: `.<host>.<pid>.<random>.tmp`. The
// name records its writer, so a later process can tell a crashed writer's leftovers (safe to
// remove) from a running writer's (never touched).
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";

/** A short tag of the host name: pids only mean something on the same host. */
export const HOST_TAG = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);

/** A fresh temp name: `.<host>.<pid>.<random>.tmp`. */
export function tempName(): string {
  return `.${HOST_TAG}.${process.pid}.${randomBytes(8).toString("hex")}.tmp`;
}

/** A fresh temp path in `dir` (beside the destination, so a rename into place is atomic). */
export function tempPath(dir: string): string {
  return join(dir, tempName());
}

/**
 * The writer a temp name records, if the name is one of ours. Also reads the names of earlier
 * versions (`<host>.<pid>.<random>`, without the dot and suffix), which may still be on disk.
 */
export function tempOwner(name: string): { host: string; pid: number } | undefined {
  const m = /^\.?([0-9a-f]{8})\.(\d+)\.[0-9a-f]+(\.tmp)?$/.exec(name);
  return m ? { host: m[1] as string, pid: Number(m[2]) } : undefined;
}

/** Is process `pid` (on this host) still running? A zombie counts as dead. */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    // Field 3 of /proc/PID/stat is the state; the command name before it is in parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true; // no procfs: kill(0) said it exists
  }
}

/**
 * Whether a temp name was left by a writer that is gone (a dead process on this host). Names from
 * another host are never called stale here: a shared disk's other writers cannot be asked.
 */
export function staleTemp(name: string): boolean {
  const o = tempOwner(name);
  return o !== undefined && o.host === HOST_TAG && o.pid !== process.pid && !pidAlive(o.pid);
}

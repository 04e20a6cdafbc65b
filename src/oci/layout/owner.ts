import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who holds a lock, an ingest marker or a temp file: enough to tell, later and from another
 * process, whether that holder can still be running.
 */
export interface Owner {
  pid: number;
  /** A short tag of the host name: pids only mean something on the same host. */
  host: string;
  /** ISO time the owner record was made. */
  created: string;
  /** Distinguishes two records of the same process. */
  nonce: string;
}

export const HOST_TAG = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);

export function currentOwner(): Owner {
  return { pid: process.pid, host: HOST_TAG, created: new Date().toISOString(), nonce: randomBytes(6).toString("hex") };
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
 * Could the owner still be at work? On this host we ask the kernel. For another host (a store on
 * a shared disk) we cannot, so the record is trusted until it is `foreignStaleMs` old.
 */
export function ownerAlive(o: Pick<Owner, "pid" | "host" | "created">, foreignStaleMs: number, now = Date.now()): boolean {
  if (o.host === HOST_TAG) return o.pid === process.pid || pidAlive(o.pid);
  const t = Date.parse(o.created);
  return Number.isFinite(t) && now - t < foreignStaleMs;
}

export function parseOwner(text: string): Owner | undefined {
  try {
    const v = JSON.parse(text) as Partial<Owner>;
    if (typeof v.pid === "number" && typeof v.host === "string" && typeof v.created === "string" && typeof v.nonce === "string") {
      return v as Owner;
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** A temp file name that records its writer: `<host>.<pid>.<random>`. */
export function tempName(): string {
  return `${HOST_TAG}.${process.pid}.${randomBytes(8).toString("hex")}`;
}

/** The writer a temp file name records, if the name is one of ours. */
export function tempOwner(name: string): { host: string; pid: number } | undefined {
  const m = /^([0-9a-f]{8})\.(\d+)\./.exec(name);
  return m ? { host: m[1] as string, pid: Number(m[2]) } : undefined;
}

import { randomBytes } from "node:crypto";
import { HOST_TAG, pidAlive } from "../../fs/index.js";

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

export function currentOwner(): Owner {
  return { pid: process.pid, host: HOST_TAG, created: new Date().toISOString(), nonce: randomBytes(6).toString("hex") };
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

import { link, mkdir, rm, stat } from "node:fs/promises";
import { OciError } from "../errors.js";
import { readRegularFile } from "../regular-file.js";
import { createTemp } from "./atomic.js";
import { currentOwner, type Owner, ownerAlive, parseOwner } from "./owner.js";
import { privatePaths } from "./paths.js";

export interface LockOptions {
  /** How long to wait for another process to release the lock. Default 60 s. */
  lockTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** A lock held by a process on another host is trusted for this long (it is held for moments). */
const FOREIGN_STALE_MS = 10 * 60_000;
/** Breaking a stale lock takes microseconds; a break marker older than this was left by a crash. */
const BREAK_STALE_MS = 10_000;

type Holder = Owner & { op?: string };

/**
 * Runs `fn` holding the layout's exclusive lock, `.paketo/lock`. The lock guards every
 * read-modify-write of index.json, registering ingest markers, and prune.
 *
 * The lock file is made complete in a temp file and then hard-linked into place, which fails
 * atomically when the lock exists (O_EXCL semantics, and the file is never seen half-written).
 * It records pid, host and time; a lock whose process is dead is stale and is broken, under a
 * second short-lived `lock.break` marker so that two waiters cannot both break it and then remove
 * each other's fresh lock. Waiting is bounded and fails naming the holder.
 */
export async function withLock<T>(root: string, op: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const me: Holder = { ...currentOwner(), op };
  await acquire(root, me, opts.lockTimeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    return await fn();
  } finally {
    await release(root, me);
  }
}

async function readHolder(path: string): Promise<Holder | undefined | "gone"> {
  try {
    const bytes = await readRegularFile(path, 4096, { what: `lock file ${path}`, code: "OCI_LAYOUT" });
    return bytes === undefined ? "gone" : parseOwner(bytes.toString("utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return "gone";
    throw e;
  }
}

/** Puts a file holding `content` at `dest` if nothing is there; false if something is. */
async function linkNew(root: string, dest: string, content: string): Promise<boolean> {
  const { path, fh } = await createTemp(root);
  try {
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await link(path, dest);
        return true;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EEXIST") return false;
        if (code !== "ENOENT" || attempt >= 5) throw e;
        await mkdir(privatePaths(root).dir, { recursive: true });
      }
    }
  } finally {
    await rm(path, { force: true });
  }
}

async function acquire(root: string, me: Holder, timeoutMs: number): Promise<void> {
  const p = privatePaths(root);
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    if (await linkNew(root, p.lock, JSON.stringify(me))) return;
    const holder = await readHolder(p.lock);
    if (holder === "gone") continue;
    if (holder && !ownerAlive(holder, FOREIGN_STALE_MS)) {
      await breakStale(root, holder);
      continue;
    }
    if (!holder) {
      // Unreadable content: only a foreign tool or a disk fault makes one. Judge by age.
      const st = await stat(p.lock).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > FOREIGN_STALE_MS) await rm(p.lock, { force: true });
    }
    if (Date.now() >= deadline) {
      const who = holder
        ? `pid ${holder.pid}${holder.op ? ` (${holder.op})` : ""} since ${holder.created}`
        : "an unknown process";
      throw new OciError("OCI_STORE_LOCKED", `${root} is locked by ${who}; waited ${Math.round(timeoutMs / 1000)}s`, {
        hint: `wait for that process to finish; if no paketo process is running, delete ${p.lock}`,
      });
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}

async function breakStale(root: string, stale: Holder): Promise<void> {
  const p = privatePaths(root);
  const me = currentOwner();
  if (!(await linkNew(root, p.lockBreak, JSON.stringify(me)))) {
    const st = await stat(p.lockBreak).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > BREAK_STALE_MS) await rm(p.lockBreak, { force: true });
    await new Promise((r) => setTimeout(r, 10));
    return;
  }
  try {
    // Only remove the lock if it is still the stale one we judged (not a fresh one since).
    const now = await readHolder(p.lock);
    if (now !== "gone" && now?.nonce === stale.nonce) await rm(p.lock, { force: true });
  } finally {
    await rm(p.lockBreak, { force: true });
  }
}

async function release(root: string, me: Holder): Promise<void> {
  const p = privatePaths(root);
  const now = await readHolder(p.lock);
  if (now !== "gone" && now?.nonce === me.nonce) await rm(p.lock, { force: true });
}

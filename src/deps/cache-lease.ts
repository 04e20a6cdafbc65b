// Leases: how a running process keeps `paketo cache prune` (and the trim after other builds) from
// removing what it uses. Each process that uses the cache writes one lease file, named after
// itself, listing the paths it uses: an entry (`rootfs/base-…`), a file in one, or a whole part
// (`npm/`, which buildpacks use from inside the sandbox). A path listed protects itself, what is
// under it and the entry it is in.
//
// Why nothing is removed from under a user: `use(path)` appends the path under the cache lock
// and returns before the caller looks at the path; prune holds the same lock from reading the
// leases to its last removal. So either the user's mark came first (prune sees it and keeps the
// entry), or prune's removal did (the user finds nothing there and makes it again, as on a first
// build). What a process makes after it took its lease is newer than the lease, and prune keeps
// everything changed since the oldest live lease began; so fresh outputs need no mark of their own.
// A lease whose process is gone protects nothing and is removed by the next prune.
import { randomBytes } from "node:crypto";
import { appendFile, lstat, mkdir, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { join, sep } from "node:path";
import { HOST_TAG, pidAlive } from "../fs/index.js";
import { layout as ociLayout } from "../oci/index.js";
import type { CacheLayout } from "./cache-layout.js";

export interface CacheLease {
  /** The lease file. */
  readonly file: string;
  /**
   * Marks `path` as used by this process until release (and touches it: the cache is trimmed
   * least recently used first). Call it before looking at the path; a missing path is fine
   * (the caller is about to make it).
   */
  use(path: string): Promise<void>;
  /** Ends the lease (idempotent). Its paths may be pruned from then on. */
  release(): Promise<void>;
}

/** A lease whose process may still run. */
export interface LiveLease {
  pid: number;
  host: string;
  /** When the lease was taken (ms since the epoch). */
  createdMs: number;
  /** What the process does: `build app:1`, `stack create`. */
  what: string;
  paths: string[];
}

/** Leases of processes on another host (a cache on a shared disk) are trusted for this long. */
const FOREIGN_STALE_MS = 24 * 3600_000;

interface Header {
  pid: number;
  host: string;
  created: number;
  what: string;
}

/** Runs `fn` holding the cache lock (oci/layout's lock, on the leases folder). Held for moments. */
export function withCacheLock<T>(cache: CacheLayout, op: string, fn: () => Promise<T>): Promise<T> {
  return ociLayout.withLock(cache.leases, op, fn);
}

/** Is `path` protected by a lease that lists `leased`: the same path, one above it or one below it. */
export function covers(leased: string, path: string): boolean {
  return path === leased || path.startsWith(leased + sep) || leased.startsWith(path + sep);
}

/** Takes a lease on the cache for this process; release it when done (also on failure). */
export async function openLease(cache: CacheLayout, what: string): Promise<CacheLease> {
  const header: Header = { pid: process.pid, host: HOST_TAG, created: Date.now(), what };
  const file = join(cache.leases, `${HOST_TAG}.${process.pid}.${randomBytes(6).toString("hex")}.lease`);
  await mkdir(cache.leases, { recursive: true });
  await withCacheLock(cache, "taking a lease", () => writeFile(file, `${JSON.stringify(header)}\n`, { flag: "wx" }));
  const held: string[] = [];
  let released = false;
  return {
    file,
    async use(path) {
      if (released) throw new Error(`lease ${file} was released before ${path} was used`);
      if (!held.some((h) => path === h || path.startsWith(h + sep))) {
        await withCacheLock(cache, "marking a cache entry in use", () => appendFile(file, `${JSON.stringify(path)}\n`));
        held.push(path);
      }
      // Touched for the least-recently-used order, except a file with other hard links: cached
      // layer blobs are linked into image stores, whose files must not change (not even their
      // times); their reads keep their access time recent enough (relatime: about a day).
      const st = await lstat(path).catch(() => undefined);
      if (st && !(st.isFile() && st.nlink > 1)) {
        const now = new Date();
        await utimes(path, now, now).catch(() => {});
      }
    },
    async release() {
      if (released) return;
      released = true;
      await rm(file, { force: true });
    },
  };
}

/** The leases in the cache: those whose process may still run, and the files of the others. Call it under the cache lock. */
export async function readLeases(cache: CacheLayout, now = Date.now()): Promise<{ live: LiveLease[]; dead: string[] }> {
  const live: LiveLease[] = [];
  const dead: string[] = [];
  const names = await readdir(cache.leases).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.endsWith(".lease")) continue;
    const file = join(cache.leases, name);
    const text = await readFile(file, "utf8").catch(() => undefined);
    if (text === undefined) continue; // released a moment ago
    const [first, ...rest] = text.split("\n");
    let h: Header | undefined;
    try {
      h = JSON.parse(first ?? "") as Header;
    } catch {
      h = undefined;
    }
    if (!h || typeof h.pid !== "number" || typeof h.host !== "string" || typeof h.created !== "number") {
      dead.push(file); // written whole under the lock, so unreadable means not ours
      continue;
    }
    const alive = h.host === HOST_TAG ? h.pid === process.pid || pidAlive(h.pid) : now - h.created < FOREIGN_STALE_MS;
    if (!alive) {
      dead.push(file);
      continue;
    }
    const paths: string[] = [];
    for (const line of rest) {
      if (!line) continue;
      try {
        const p = JSON.parse(line) as unknown;
        if (typeof p === "string") paths.push(p);
      } catch {
        // a torn line cannot happen under the lock; ignore rather than fail a prune
      }
    }
    live.push({ pid: h.pid, host: h.host, createdMs: h.created, what: String(h.what ?? ""), paths });
  }
  return { live, dead };
}

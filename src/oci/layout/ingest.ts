import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";
import { type LockOptions, withLock } from "./lock.js";
import { currentOwner, type Owner, ownerAlive, parseOwner } from "./owner.js";
import { privatePaths } from "./paths.js";

/** A write in progress, registered so that prune leaves its not-yet-tagged blobs alone. */
export interface Ingest {
  /** Ends the registration (idempotent). */
  end(): Promise<void>;
}

/** Marker records of processes on other hosts are trusted for this long. */
const FOREIGN_STALE_MS = 24 * 3600_000;

/**
 * Registers a write. The marker is created under the layout lock, and prune holds that lock for
 * its whole run, so a write either registered before prune looked (and prune keeps every
 * unreferenced blob) or starts after prune finished (and finds only blobs prune kept).
 */
export async function beginIngest(root: string, opts: LockOptions = {}): Promise<Ingest> {
  const me = currentOwner();
  const path = join(privatePaths(root).ingest, `${me.host}.${me.pid}.${me.nonce}.json`);
  await withLock(
    root,
    "registering a write",
    async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          // Inside the try: a writer tidying up can remove .paketo between mkdir -p's two steps.
          await mkdir(privatePaths(root).ingest, { recursive: true });
          await writeFileAtomic(root, path, Buffer.from(JSON.stringify(me)));
          return;
        } catch (e) {
          // Another writer tidying up may have just removed the (empty) directory.
          if ((e as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 5) throw e;
        }
      }
    },
    opts,
  );
  let ended = false;
  return {
    end: async () => {
      if (ended) return;
      ended = true;
      await rm(path, { force: true });
    },
  };
}

/** The registered writes: those whose process may still run, and the files of dead ones. */
export async function readIngests(root: string): Promise<{ live: Owner[]; deadFiles: string[] }> {
  const dir = privatePaths(root).ingest;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { live: [], deadFiles: [] };
    throw e;
  }
  const live: Owner[] = [];
  const deadFiles: string[] = [];
  for (const n of names) {
    const path = join(dir, n);
    const o = parseOwner(await readFile(path, "utf8").catch(() => ""));
    if (o && ownerAlive(o, FOREIGN_STALE_MS)) live.push(o);
    else deadFiles.push(path); // markers appear whole (atomic rename), so unreadable means garbage
  }
  return { live, deadFiles };
}

import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Descriptor } from "../descriptor.js";
import { isDigest } from "../digest.js";
import { MAX_MANIFEST_BYTES } from "../manifest.js";
import { readRegularFile } from "../regular-file.js";
import { readIndexEntries } from "./index-json.js";
import { readIngests } from "./ingest.js";
import { type LockOptions, withLock } from "./lock.js";
import { HOST_TAG, pidAlive, tempOwner } from "../../fs/index.js";
import { blobPath, privatePaths } from "./paths.js";

export interface PruneResult {
  /** Blobs deleted because no index.json entry reaches them. */
  removedBlobs: number;
  /** Bytes freed, blobs and leftover temp files together. */
  freedBytes: number;
  /** Temp files of interrupted writes deleted. */
  removedTempFiles: number;
  /**
   * Writes in progress in other processes. While there are any, no blob is deleted (their blobs
   * are not referenced yet); run prune again when they are done.
   */
  activeWrites: number;
}

/** Temp files whose writer cannot be identified are deleted once this old. */
const UNKNOWN_TEMP_MS = 3600_000;
const FOREIGN_TEMP_MS = 24 * 3600_000;
const MAX_DEPTH = 16;

/**
 * Deletes what no index.json entry can reach, and what interrupted writes left behind.
 *
 * Why this cannot delete a blob a concurrent writer needs: every write registers an ingest
 * marker (ingest.ts) before it checks or stores any blob, and registering takes the layout lock.
 * Prune holds the lock from its first look at the markers to its last delete. So a writer either
 * registered earlier, and prune sees its live marker and deletes no blob at all, or it registers
 * after prune is finished and finds exactly the blobs prune kept. Markers of dead processes
 * (killed writers) are ignored and removed, so a crash does not block pruning forever.
 * Readers take no part: an image untagged and pruned while being read fails with a clear
 * "missing blob" error, never with wrong bytes.
 */
export async function pruneLayout(dir: string, opts: LockOptions = {}): Promise<PruneResult> {
  return withLock(
    dir,
    "pruning",
    async () => {
      const result: PruneResult = { removedBlobs: 0, freedBytes: 0, removedTempFiles: 0, activeWrites: 0 };
      const { live, deadFiles } = await readIngests(dir);
      for (const f of deadFiles) await rm(f, { force: true });
      result.activeWrites = live.length;
      await removeLeftoverTemps(dir, result);
      if (live.length > 0) return result;
      const keep = await reachable(dir);
      await removeUnreachable(dir, keep, result);
      return result;
    },
    opts,
  );
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw e;
  }
}

async function removeLeftoverTemps(dir: string, result: PruneResult): Promise<void> {
  const tmp = privatePaths(dir).tmp;
  const now = Date.now();
  for (const name of await listDir(tmp)) {
    const path = join(tmp, name);
    const st = await stat(path).catch(() => undefined);
    if (!st) continue;
    const owner = tempOwner(name);
    const dead = owner
      ? owner.host === HOST_TAG
        ? owner.pid !== process.pid && !pidAlive(owner.pid)
        : now - st.mtimeMs > FOREIGN_TEMP_MS
      : now - st.mtimeMs > UNKNOWN_TEMP_MS;
    if (!dead) continue;
    await rm(path, { force: true, recursive: true });
    result.removedTempFiles++;
    result.freedBytes += st.size;
  }
}

/** Every digest reachable from index.json: manifests, their configs and layers, index children. */
async function reachable(dir: string): Promise<Set<string>> {
  const keep = new Set<string>();
  const visit = async (d: Descriptor, depth: number): Promise<void> => {
    if (keep.has(d.digest)) return;
    keep.add(d.digest);
    // Descend into whatever may be a manifest or index: known types, and untyped small JSON
    // (a descriptor without a media type must not make prune drop what it references).
    if (depth > MAX_DEPTH || d.mediaType.includes(".layer.") || d.mediaType.includes(".rootfs.")) return;
    let doc: { manifests?: unknown; config?: unknown; layers?: unknown };
    try {
      const bytes = await readRegularFile(blobPath(dir, d.digest), MAX_MANIFEST_BYTES, { what: `blob ${d.digest}`, code: "OCI_LAYOUT" });
      if (!bytes) return;
      doc = JSON.parse(bytes.toString("utf8")) as typeof doc;
    } catch {
      return; // not JSON, too big, not a file or unreadable: nothing more can be reached through it
    }
    if (typeof doc !== "object" || doc === null) return;
    const children: unknown[] = Array.isArray(doc.manifests)
      ? doc.manifests
      : [doc.config, ...(Array.isArray(doc.layers) ? doc.layers : [])];
    for (const c of children) {
      const child = c as Partial<Descriptor> | undefined;
      if (child && typeof child.digest === "string" && isDigest(child.digest)) {
        await visit({ mediaType: String(child.mediaType ?? ""), digest: child.digest, size: Number(child.size ?? 0) }, depth + 1);
      }
    }
  };
  for (const e of await readIndexEntries(dir)) await visit(e.descriptor, 0);
  return keep;
}

async function removeUnreachable(dir: string, keep: Set<string>, result: PruneResult): Promise<void> {
  const blobs = join(dir, "blobs");
  for (const alg of await listDir(blobs)) {
    for (const hex of await listDir(join(blobs, alg))) {
      const digest = `${alg}:${hex}`;
      if (!isDigest(digest) || keep.has(digest)) continue;
      const path = join(blobs, alg, hex);
      const st = await stat(path).catch(() => undefined);
      if (!st?.isFile()) continue;
      await rm(path, { force: true });
      result.removedBlobs++;
      result.freedBytes += st.size;
    }
  }
}

import { mkdir, readdir, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Descriptor } from "../descriptor.js";
import { OciError } from "../errors.js";
import type { Artifact } from "../image.js";
import type { OnProgress } from "../progress.js";
import { artifactBlobs, type BlobToWrite } from "./artifact-blobs.js";
import { fsyncDir, writeFileAtomic } from "./atomic.js";
import { beginIngest } from "./ingest.js";
import { indexEntry, refName, updateIndex } from "./index-json.js";
import type { LockOptions } from "./lock.js";
import { INDEX_FILE, OCI_LAYOUT_CONTENT, OCI_LAYOUT_FILE, privatePaths } from "./paths.js";
import { putBlob } from "./put-blob.js";
import { readLayoutMarker } from "./read.js";

export interface WriteLayoutOptions extends LockOptions {
  /** Tag the entry (`org.opencontainers.image.ref.name`); an entry with the same tag is replaced. */
  tag?: string;
  onProgress?: OnProgress;
  /** Blobs written at once. Default 3. */
  concurrency?: number;
}

/**
 * Writes an image or index (with all its children) into an OCI image layout, then records it in
 * index.json. Blobs already present are not written again. Manifests are stored byte for byte as
 * the artifact's rawManifest(), so digests survive the round trip.
 *
 * Crash safety: blobs appear only by atomic rename of verified, fsync'd temp files (put-blob.ts),
 * children before the manifests that name them, and index.json is replaced atomically at the end
 * under the layout lock. The write is registered as an ingest for its whole duration so that a
 * concurrent prune does not delete its blobs before they are referenced.
 */
export async function writeLayout(dir: string, artifact: Artifact, opts: WriteLayoutOptions = {}): Promise<Descriptor> {
  await ensureLayout(dir);
  const ingest = await beginIngest(dir, opts);
  try {
    const { root, blobs } = await artifactBlobs(artifact);
    await putBlobs(dir, blobs, opts);
    await updateIndex(
      dir,
      (entries) => ({
        entries: [
          // The entry with the same name is replaced; "no name" is a name too, as containers/image
          // treats it, so writing `oci:DIR` again replaces the untagged image instead of adding one.
          ...entries.filter((e) => refName(e.descriptor) !== opts.tag),
          indexEntry(root, opts.tag),
        ],
        result: undefined,
      }),
      opts,
    );
    return opts.tag === undefined ? root : indexEntry(root, opts.tag).descriptor;
  } finally {
    await ingest.end();
    await tidy(dir);
  }
}

/** Stores blobs: layers in parallel, then manifests in order (children first). */
export async function putBlobs(dir: string, blobs: BlobToWrite[], opts: { onProgress?: OnProgress; concurrency?: number }): Promise<void> {
  const big = blobs.filter((b) => b.kind === "layer");
  const rest = blobs.filter((b) => b.kind !== "layer");
  let next = 0;
  const worker = async () => {
    while (next < big.length) {
      const b = big[next++] as BlobToWrite;
      await putBlob(dir, b, opts.onProgress);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 3, big.length)) }, worker));
  for (const b of rest) await putBlob(dir, b, opts.onProgress);
  const algs = new Set(blobs.map((b) => b.descriptor.digest.slice(0, b.descriptor.digest.indexOf(":"))));
  for (const alg of algs) await fsyncDir(join(dir, "blobs", alg));
}

/**
 * Makes `dir` an OCI layout if it is not one yet. Refuses a non-empty directory that is not a
 * layout: a typo must not scatter blobs over someone's files.
 */
export async function ensureLayout(dir: string): Promise<void> {
  const marker = join(dir, OCI_LAYOUT_FILE);
  if ((await readLayoutMarker(dir)) !== undefined) return;
  const st = await stat(dir).catch(() => undefined);
  if (st && !st.isDirectory()) {
    throw new OciError("OCI_LAYOUT", `${dir} is a file, not an OCI layout directory`, { hint: "for a tar file use oci-archive:" });
  }
  if (st) {
    // What a concurrent writer creating the same layout may have made already does not count.
    const ours = new Set([".paketo", "blobs", INDEX_FILE, OCI_LAYOUT_FILE]);
    const names = (await readdir(dir)).filter((n) => !ours.has(n));
    if (names.length > 0) {
      throw new OciError("OCI_LAYOUT", `${dir} is not empty and is not an OCI layout (it has no ${OCI_LAYOUT_FILE} file)`, {
        hint: "choose a new or empty directory",
      });
    }
  }
  // A valid layout from the first moment: an empty index.json (unless a concurrent writer made
  // one already), then the oci-layout marker. A write that fails later leaves a layout that
  // lists nothing, never blobs without an index.json.
  await mkdir(join(dir, "blobs"), { recursive: true });
  await updateIndex(dir, (entries) => ({ entries, result: undefined }));
  await writeFileAtomic(dir, marker, Buffer.from(OCI_LAYOUT_CONTENT));
}

/** Removes paketo's bookkeeping directories when nothing is left in them. */
async function tidy(dir: string): Promise<void> {
  const p = privatePaths(dir);
  for (const d of [p.tmp, p.ingest, p.dir]) {
    await rmdir(d).catch(() => {});
  }
}

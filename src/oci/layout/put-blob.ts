import { link, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { Descriptor } from "../descriptor.js";
import { OciError } from "../errors.js";
import type { OnProgress } from "../progress.js";
import { createTemp } from "./atomic.js";
import type { BlobToWrite } from "./artifact-blobs.js";
import { blobPath } from "./paths.js";
import { verified, verifySmall } from "./source.js";

export type PutResult = "transferred" | "exists" | "mounted";

const PROGRESS_STEP = 1 << 20;

/**
 * Stores one blob under `blobs/<alg>/<hex>`, never exposing a partial or unverified file there:
 *
 * - present already (with the right size): nothing is written;
 * - the source offers a file (`filePath`) on the same filesystem: it is hard-linked in place.
 *   The link is atomic and copies nothing, so nothing is verified beyond the size: files are only
 *   offered by producers that computed the digest themselves (a layer builder, the store);
 * - otherwise the bytes stream through a VerifyingStream into a temp file, which is fsync'd and
 *   renamed into place only when digest and size matched. A mismatch deletes the temp file.
 *
 * Two processes storing the same blob at once both succeed: each renames an identical file.
 */
export async function putBlob(root: string, b: BlobToWrite, onProgress?: OnProgress): Promise<PutResult> {
  const d = b.descriptor;
  const dest = blobPath(root, d.digest);
  const what = `${b.kind} ${d.digest}`;
  const existing = await stat(dest).catch(() => undefined);
  if (existing?.isFile() && existing.size === d.size) {
    onProgress?.({ kind: "blob-done", op: "write", digest: d.digest, total: d.size, result: "exists" });
    return "exists";
  }
  await mkdir(dirname(dest), { recursive: true });
  onProgress?.({ kind: "blob-start", op: "write", digest: d.digest, total: d.size, what: b.kind });
  if (b.filePath && !existing && (await linkFile(b.filePath, dest, d))) {
    onProgress?.({ kind: "blob-done", op: "write", digest: d.digest, total: d.size, result: "mounted" });
    return "mounted";
  }
  const { path, fh } = await createTemp(root);
  try {
    if (b.bytes) {
      await fh.writeFile(verifySmall(b.bytes, d, what));
    } else {
      let done = 0;
      let reported = 0;
      for await (const chunk of verified(await b.open(), d, what)) {
        await fh.write(chunk as Buffer);
        done += (chunk as Buffer).length;
        if (onProgress && done - reported >= PROGRESS_STEP) {
          reported = done;
          onProgress({ kind: "blob-progress", op: "write", digest: d.digest, done, total: d.size });
        }
      }
    }
    await fh.sync();
    await fh.close();
    await rename(path, dest);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(path, { force: true });
    if (e instanceof OciError) throw e;
    throw new OciError("OCI_LAYOUT", `writing ${what} to ${root}`, { cause: e });
  }
  onProgress?.({ kind: "blob-done", op: "write", digest: d.digest, total: d.size, result: "transferred" });
  return "transferred";
}

/** Hard-links `src` to `dest`; false when that is not possible here (then the caller copies). */
async function linkFile(src: string, dest: string, d: Descriptor): Promise<boolean> {
  try {
    const st = await stat(src);
    if (!st.isFile() || st.size !== d.size) return false;
    // The producer may not have flushed it; the link must survive a power cut like a copy would.
    const fh = await open(src, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
    await link(src, dest);
    return true;
  } catch (e) {
    // EEXIST: a concurrent writer put the same blob there first, which is just as good.
    return (e as NodeJS.ErrnoException).code === "EEXIST";
  }
}

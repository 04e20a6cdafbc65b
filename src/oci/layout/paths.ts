import { join } from "node:path";
import { type Digest, digestAlgorithm, digestHex } from "../digest.js";

/** The annotation an index.json entry is tagged with (image-spec annotations.md). */
export const REF_NAME = "org.opencontainers.image.ref.name";

export const OCI_LAYOUT_FILE = "oci-layout";
export const OCI_LAYOUT_CONTENT = `${JSON.stringify({ imageLayoutVersion: "1.0.0" })}`;
export const INDEX_FILE = "index.json";

/** `blobs/sha256/<hex>`: where a blob lives inside a layout (and inside an oci-archive). */
export function blobRelPath(d: Digest): string {
  return `blobs/${digestAlgorithm(d)}/${digestHex(d)}`;
}

export function blobPath(root: string, d: Digest): string {
  return join(root, "blobs", digestAlgorithm(d), digestHex(d));
}

/**
 * paketo's own bookkeeping inside a layout, hidden from other tools:
 * `.paketo/tmp/` (files being written, renamed into place when complete and verified),
 * `.paketo/ingest/` (one marker per write in progress, see prune.ts) and `.paketo/lock`.
 */
export function privatePaths(root: string): { dir: string; tmp: string; ingest: string; lock: string; lockBreak: string } {
  const dir = join(root, ".paketo");
  return {
    dir,
    tmp: join(dir, "tmp"),
    ingest: join(dir, "ingest"),
    lock: join(dir, "lock"),
    lockBreak: join(dir, "lock.break"),
  };
}

// OCI image layout (image-spec image-layout.md): a directory of content-addressed blobs plus an
// index.json naming the manifests in it. Readers verify every blob; writers are crash-safe and
// safe to run concurrently with each other and with prune (see write.ts, lock.ts, prune.ts).
export { readLayout, layoutArtifact, layoutSource, type ReadLayoutOptions } from "./read.js";
export { writeLayout, ensureLayout, putBlobs, type WriteLayoutOptions } from "./write.js";
export { pruneLayout, type PruneResult } from "./prune.js";
export {
  readIndexEntries,
  parseIndexFile,
  serializeIndexEntries,
  selectEntry,
  updateIndex,
  indexEntry,
  refName,
  describeEntries,
  type IndexEntry,
} from "./index-json.js";
export { withLock, type LockOptions } from "./lock.js";
export { artifactBlobs, type BlobToWrite } from "./artifact-blobs.js";
export { artifactFromSource, imageFromSource, indexFromSource, checkSmall, verified, verifySmall, MAX_SMALL_BLOB, type BlobSource } from "./source.js";
export { blobRelPath, OCI_LAYOUT_CONTENT, OCI_LAYOUT_FILE, INDEX_FILE, REF_NAME } from "./paths.js";

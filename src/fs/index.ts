// Small file-system pieces every module needs, each written once: atomic writes and one temp-name
// scheme (atomic.ts, temp.ts), existence and entry kinds, bounded reads of regular files
// (files.ts), and symlink-safe resolution inside a root folder (inside-root.ts). Imports nothing
// of paketo but node's own modules.
export { type AtomicWriteOptions, createTemp, fsyncDir, publish, writeFileAtomic, writeFileAtomicWith } from "./atomic.js";
export { type EntryKind, entryKind, exists, openRegularFile, type ReadRefusal, ReadRefusedError, readRegularFile } from "./files.js";
export { MAX_LINK_HOPS, type ResolvePolicy, ResolveRefusal, resolveInRoot, resolveInRootSync } from "./inside-root.js";
export { HOST_TAG, pidAlive, staleTemp, tempName, tempOwner, tempPath } from "./temp.js";

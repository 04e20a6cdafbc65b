// Small file-system pieces every module needs, each written once: atomic writes and one temp-name
// scheme (atomic.ts, temp.ts), existence and entry kinds, bounded reads of regular files
// (files.ts), symlink-safe resolution inside a root folder (inside-root.ts) and the stat-keyed
// index of a folder tree (tree-index.ts). Imports nothing
// of paketo but node's own modules.
export { type AtomicWriteOptions, createTemp, fsyncDir, publish, writeFileAtomic, writeFileAtomicWith, writeLinesAtomic } from "./atomic.js";
export { type EntryKind, entryKind, exists, openRegularFile, type ReadRefusal, ReadRefusedError, readRegularFile } from "./files.js";
export { MAX_LINK_HOPS, type ResolvePolicy, ResolveRefusal, resolveInRoot, resolveInRootSync } from "./inside-root.js";
export { HOST_TAG, pidAlive, staleTemp, tempName, tempOwner, tempPath } from "./temp.js";
export { inodeState, type ScanOptions, scanTree, type TreeEntry, type TreeScan } from "./tree-index.js";

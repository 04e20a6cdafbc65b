// Reproducible layers from files: sorted entries, fixed times and owners, deterministic gzip,
// digests measured while the bytes stream to a file. Several layers compress in parallel.
export { layerFromDirectory, layerFromFiles } from "./build.js";
export { buildLayers, type LayerSpec } from "./parallel.js";
export { directoryEntries } from "./walk.js";
export type { BuiltLayer, LayerStats } from "./file-layer.js";
export { DEFAULT_LEVEL } from "./options.js";
export type { ContentEntry, DirEntry, LayerEntry, LayerOptions, SourceEntry, SymlinkEntry } from "./options.js";
export { type ChunkEntry, type ChunkedLayerOptions, type ChunkedLayerRecord, type ChunkedLayerResult, crc32, crc32Combine, readChunkRecord, tarHeader, writeChunkedLayer, writeChunkRecord } from "./chunked.js";

// Verifiable dependency sources (ARCHITECTURE.md D4). Each source is a namespace.
export * as debian from "./debian/index.js";
export * as npm from "./npm/index.js";
export { paketoCacheRoot } from "./cache-root.js";
export { DepsError } from "./errors.js";
export type { DepsErrorCode } from "./errors.js";

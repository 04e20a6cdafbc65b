// The local image store, the default transport (`NAME[:TAG]`): an OCI image layout under the
// user's data directory, safe for several paketo processes at once and crash-safe.
export { openStore, defaultStoreRoot, type Store, type StoredImage } from "./store.js";
export { normalizeImageName, tagName } from "./name.js";
export type { PruneResult } from "../layout/index.js";

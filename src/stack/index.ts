// Stacks (docs/architecture.md D3): a build image and run images assembled from Debian packages,
// declaratively, without root, reproducibly. See docs/stacks.md.
export { createStack, debianArch } from "./create.js";
export type { CreateStackOptions, CreatedStack } from "./create.js";
export { loadStackFile, parseStackFile, FLAVORS } from "./stack-file.js";
export type { FlavorName, StackDefinition, FlavorDefinition, Alternative, FileEffect, LinkEffect, DirEffect, UserIds } from "./stack-file.js";
export { readLockFile, writeLockFile, parseLock, formatLock, flavorInputs, LOCK_VERSION } from "./lockfile.js";
export type { StackLock, LockedFlavor } from "./lockfile.js";
export { resolveFlavors } from "./resolve.js";
export { flavorDestination, defaultDestination } from "./names.js";
export { FLAVOR_TAGS, labelsOf, runtimeOf, PATH } from "./image.js";
export { SBOM_FILES, packageComponents } from "./sbom-layer.js";
export { LayerCache, layerKey, LAYER_FORMAT } from "./layer-cache.js";
export { defaultStackFile, defaultLockPath } from "./defaults.js";
export { StackError } from "./errors.js";
export type { StackErrorCode } from "./errors.js";

// Debian packages installed into a buildpack layer (ARCHITECTURE.md D10): a second entry point of
// the buildpack API, on deps/debian, so buildpacks that do not use it never bundle it. README.md.
export { installDebianPackages, type DebianPackagesOptions, type DebianLayer, type DebianLayerMetadata, type DebianDeps } from "./install.js";
export { type PackageRequest, matchesSpec, upstreamVersion } from "./request.js";
export { RUN_IMAGE_STATUS_ENV, buildImagePackages, runImagePackages, type InstalledSet } from "./installed.js";
export { DEFAULT_EXCLUDE_PATHS, DEFAULT_KEEP_PATHS, mergedUsr } from "./unpack.js";

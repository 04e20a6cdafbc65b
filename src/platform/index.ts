// The platform: pack's and the lifecycle's role without a daemon. A folder per concern; this file
// is the module's public surface.
export * from "./distribution/index.js";
export { buildImage, PLATFORM_API, type BuildOptions, type BuildOutcome } from "./creator/build.js";
export { parseBindingArg } from "./creator/bindings.js";
export { buildPlatforms, type PlatformsOutcome } from "./creator/platforms.js";
export { sweepWorkDirs } from "./creator/work-dir.js";
export * from "./inspect/index.js";
export * from "./sbom/index.js";
export * from "./attest/index.js";

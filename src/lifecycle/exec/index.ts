// Running buildpack executables: the host ↔ sandbox path map, the sandbox spec of one run, safe
// reading of what buildpacks wrote, and the builder's buildpacks.
export { type BuildDirs, type BuildPaths, type RunDir, SANDBOX_DIRS, buildPaths, makeRunDir } from "./paths.js";
export {
  type ExecSettings,
  type ProcessAccess,
  type ProcessOutcome,
  homeBind,
  processSpec,
  runProcess,
  lineSplitter,
  describeExit,
} from "./run.js";
export { type Entry, MAX_RESULT_FILE, entryType, resolveInside, readFileInside, readEnvDir, existingSubdirs } from "./safe-fs.js";
export { type Buildpack, type BuildpackStore, buildpackKey, dirStore } from "./store.js";
export { type PhaseEnvironment, preparePhaseEnvironment } from "./environment.js";
export { BUILD_MOUNTS_ENV, type MountRequest, type PreparedMounts, parseBuildMounts, prepareBuildMounts } from "./build-mounts.js";
export { type HostFactory, type HostSession, hostFactory, lazyHost, onBuildpackApi } from "./host.js";

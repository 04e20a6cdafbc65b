// Runs buildpack executables in isolation (docs/architecture.md D2): bubblewrap inside the build
// image's root filesystem, or directly when paketo itself runs inside a container.
export { bwrapArgs, HOST_NETWORK_FILES, type NetworkFds } from "./bwrap.js";
export { SLIRP_DNS } from "./network.js";
export { bwrapRunner, directRunner, type Runner, type SandboxMode, type Session, type SessionIo } from "./run.js";
export { BUILD_MOUNT_FILES, BUILD_MOUNT_POINTS, prepareRootfs, prepareBuilderRootfs, type RootfsOptions, type SplitRootfs } from "./rootfs.js";
export { checkBwrap } from "./probe.js";
export { checkEmulation, type EmulationOptions } from "./emulation.js";
export { SandboxError, type SandboxErrorCode } from "./errors.js";
export type { Bind, Exit, ProcessIo, SandboxNetwork, SandboxSpec } from "./spec.js";

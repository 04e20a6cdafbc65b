// The CNB launcher (docs/architecture.md D6): the launch plan the exporter writes into the image
// (<layers>/config/launcher.cfg) and the static C binary that reads it. See README.md.
export { type ApiVersion, parseApiVersion, SUPPORTED_BUILDPACK_APIS, SUPPORTED_PLATFORM_APIS } from "./api.js";
export {
  type BuildLauncherOptions,
  type BuiltLauncher,
  buildLauncher,
  LAUNCHER_CFLAGS,
  type LauncherSource,
  launcherSource,
} from "./build.js";
export { decodeLaunchPlan, encodeLauncherConfig, encodeLaunchPlan, LAUNCHER_CONFIG_PATH } from "./codec.js";
export { LauncherError, type LauncherErrorCode } from "./errors.js";
export {
  DEFAULT_APP_DIR,
  escapeBuildpackId,
  LAUNCHER_PATH,
  type LaunchFeatures,
  launcherEntrypoint,
  launchFeatures,
  type LauncherBuildpack,
  type LauncherConfig,
  type LauncherProcess,
  type LaunchPlan,
  type PlannedBuildpack,
  type PlannedProcess,
  PROCESS_DIR,
  planLaunch,
} from "./plan.js";

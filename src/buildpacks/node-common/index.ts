// Helpers shared by the Node.js package-manager buildpacks (npm-install, yarn-install,
// pnpm-install, node-run-script). Not a buildpack itself. See ../README.md.
export { NodeError, type NodeErrorCode } from "./errors.js";
// The one `exists`, from src/fs, for the Node.js buildpacks that already import it from here.
export { exists } from "../../fs/index.js";
export { runTool, lastLines, stripAnsi, exitText, nodeInfo, type NodeInfo, type ToolRun } from "./exec.js";
export {
  loadProject,
  buildProject,
  installerPlan,
  projectDir,
  readPackageJson,
  hasDevDependencies,
  readIfExists,
  shown,
  sha256,
  type Env,
  type PackageJson,
  type Project,
} from "./project.js";
export { registrySource, type PackageSource } from "./registry.js";
export { BUNDLED_NPM_ENV, NODE_GYP_NODEDIR_ENV, NPM_MAJOR_OF_NODE, bundledNpmSpec, npmFromChangelog, npmMajorOfNode } from "./bundled-npm.js";
export { installPackageManager, installNodeGyp, parsePackageManager, devEnginesPackageManager, pickVersion, type InstalledPm, type PmName, type PmRequest } from "./package-manager.js";
export { checkLockfile, isBerryLockfile, lockfileIntegrity, pnpmLockfileVersion, type IntegrityMap, type LockfileKind } from "./lockfile.js";
export {
  installModules,
  installInputs,
  cacheLayer,
  keyedLayer,
  neededAtBuild,
  neededAtLaunch,
  copyPackages,
  linkModules,
  removeSourceModules,
  runPackageManager,
  failedInstallScript,
  writeModulesSbom,
  LAUNCH_MODULES_ENV,
  BUILD_MOUNTS_ENV,
  TOOL_CACHE_DIRS,
  type InstallStrategy,
  type InstallDiagnosis,
} from "./modules.js";
export { listPackages, modulesSbom, packageComponent, hashFromIntegrity, sbomTime, type InstalledPackage } from "./sbom.js";
export { useLaunchModules, PNP_FILES } from "./finalize.js";
export { useBuildTree } from "./build-tree.js";
export {
  BUILD_ENV,
  PROJECT_CACHES,
  FRAMEWORK_IDS,
  detectFramework,
  describeFramework,
  launchDevDependencies,
  frameworkStart,
  leftToFramework,
  type Framework,
  type FrameworkId,
  type Serving,
} from "./frameworks.js";

// The environment of buildpack processes (CNB-9, CNB-15..17, CNB-60, CNB-71): pure functions.
export {
  type Env,
  type EnvFileContent,
  BUILD_ENV_INCLUDE,
  POSIX_BUILD_DIRS,
  POSIX_PATH_VARS,
  SERVICE_BINDING_ROOT,
  isEnvName,
  baseEnv,
  applyPlatformEnv,
  applyEnvDir,
  prependBuildLayer,
  applyBuildLayer,
  type BuildLayerEnv,
  composeEnv,
} from "./env.js";
export { targetVars, detectVars, buildVars } from "./cnb-vars.js";

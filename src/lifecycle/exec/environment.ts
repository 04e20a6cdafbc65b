// What detect and build read once per phase to compose each buildpack's env (CNB-9, CNB-71).
import { join, posix } from "node:path";
import { type ApiVersion, platformFeatures } from "../../cnb/index.js";
import type { Bind } from "../../sandbox/index.js";
import { baseEnv, type Env, type EnvFileContent, SERVICE_BINDING_ROOT } from "../env/index.js";
import type { BuildPaths } from "./paths.js";
import { homeBind, type ExecSettings } from "./run.js";
import { entryType, readEnvDir } from "./safe-fs.js";

export interface PhaseEnvironment {
  /**
   * The filtered lifecycle env (CNB-9), plus SERVICE_BINDING_ROOT=`<platform>/bindings` when the
   * platform has bindings (CNB-71: the lifecycle's own copy of the variable is filtered out, so the
   * platform announces where it mounted them).
   */
  base: Env;
  /** `<platform>/env/*` (user env, CNB-60). */
  platformEnv: EnvFileContent[];
  /** `<build-config>/env/*` (operator env, Platform API ≥0.11). */
  buildConfigEnv: EnvFileContent[];
  /** The CNB user's writable HOME, when bound. */
  home: Bind | undefined;
}

export async function preparePhaseEnvironment(paths: BuildPaths, settings: ExecSettings, platformApi: ApiVersion): Promise<PhaseEnvironment> {
  const base: Record<string, string> = { ...baseEnv(settings.lifecycleEnv) };
  if ((await entryType(join(paths.host.platform, "bindings"))) === "dir") {
    base[SERVICE_BINDING_ROOT] = posix.join(paths.sandbox.platform, "bindings");
  }
  const platformEnv = await readEnvDir(paths.host.platform, join(paths.host.platform, "env"), posix.join(paths.sandbox.platform, "env"));
  const buildConfigEnv = platformFeatures(platformApi).buildConfigEnv
    ? await readEnvDir(paths.host.buildConfig, join(paths.host.buildConfig, "env"), posix.join(paths.sandbox.buildConfig, "env"))
    : [];
  return { base, platformEnv, buildConfigEnv, home: await homeBind(paths, settings) };
}

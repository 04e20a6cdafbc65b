// The CNB_* variables of bin/detect and bin/build, per Buildpack API (CNB-6, CNB-10), from the
// cnb feature table (versioned behaviour is data).
import { type ApiVersion, buildpackFeatures, type RunImageTarget } from "../../cnb/index.js";
import type { Env } from "./env.js";

/** `CNB_TARGET_*` for a run image (CNB-6): OS and arch always, the rest when known. */
export function targetVars(target: RunImageTarget): Env {
  const out: Record<string, string> = { CNB_TARGET_OS: target.os, CNB_TARGET_ARCH: target.arch };
  if (target.variant) out.CNB_TARGET_ARCH_VARIANT = target.variant;
  if (target.distro?.name) out.CNB_TARGET_DISTRO_NAME = target.distro.name;
  if (target.distro?.version) out.CNB_TARGET_DISTRO_VERSION = target.distro.version;
  return out;
}

interface CommonVars {
  /** The buildpack's Buildpack API. */
  api: ApiVersion;
  /** Paths as the buildpack sees them. */
  buildpackDir: string;
  platformDir: string;
  target: RunImageTarget;
  /** CNB_EXEC_ENV (CNB-26); "production" by default. Empty: not set. */
  execEnv: string;
}

function common(v: CommonVars, inputs: Record<string, string>): Env {
  const f = buildpackFeatures(v.api);
  const out: Record<string, string> = { CNB_BUILDPACK_DIR: v.buildpackDir };
  if (!f.positionalArgsOnly) Object.assign(out, { CNB_PLATFORM_DIR: v.platformDir }, inputs);
  if (f.targetsEnv) Object.assign(out, targetVars(v.target));
  if (f.execEnv && v.execEnv !== "") out.CNB_EXEC_ENV = v.execEnv;
  return out;
}

/** bin/detect: CNB_BUILDPACK_DIR; from 0.8 CNB_PLATFORM_DIR, CNB_BUILD_PLAN_PATH; from 0.10 CNB_TARGET_*; from 0.12 CNB_EXEC_ENV. */
export function detectVars(v: CommonVars & { planPath: string }): Env {
  return common(v, { CNB_BUILD_PLAN_PATH: v.planPath });
}

/**
 * bin/build: CNB_BUILDPACK_DIR; from 0.8 CNB_PLATFORM_DIR, CNB_BP_PLAN_PATH and CNB_LAYERS_DIR
 * (the buildpack's own `<layers>/<escaped-id>`); from 0.10 CNB_TARGET_*; from 0.12 CNB_EXEC_ENV.
 */
export function buildVars(v: CommonVars & { planPath: string; layersDir: string }): Env {
  return common(v, { CNB_BP_PLAN_PATH: v.planPath, CNB_LAYERS_DIR: v.layersDir });
}

// Versioned behaviour, one table per API (versioned behaviour is data, not version checks scattered in code). Callers ask `buildpackFeatures(api).x`
// instead of comparing versions. Every row names the API bound and the checklist item it comes from.
import { apiAtLeast, apiLessThan, type ApiVersion } from "./api-version.js";

/** A row: on from `since` (inclusive) and/or off from `before`. */
export interface FeatureGate {
  readonly since?: string;
  readonly before?: string;
  readonly cite: string;
  readonly doc: string;
}

/** Behaviour that depends on a buildpack's declared `api` (buildpack.toml, group.toml). */
export const BUILDPACK_FEATURE_TABLE = {
  unsuffixedEnvFileOverrides: { since: "0.5", cite: "CNB-16", doc: "an env file without a suffix overrides (before: it prepended with the path separator)" },
  layerTypesTable: { since: "0.6", cite: "CNB-13", doc: "<layer>.toml flags live in [types]; top-level launch/build/cache is malformed" },
  ignoredLayersRenamed: { since: "0.6", cite: "CNB-14", doc: "a layer with all three flags false is renamed to <layer>.ignore" },
  explicitDefaultProcess: { since: "0.6", cite: "CNB-19", doc: "only default=true selects the default process (before: `web` was implied)" },
  sbomFiles: { since: "0.7", cite: "CNB-22, CNB-23", doc: "<layer>.sbom.<ext> files are read; [[bom]] in launch/build.toml is deprecated" },
  positionalArgsOnly: { before: "0.8", cite: "CNB-6, CNB-10", doc: "inputs only as positional args: no CNB_PLATFORM_DIR, CNB_BUILD_PLAN_PATH, CNB_LAYERS_DIR, CNB_BP_PLAN_PATH" },
  workingDirHonoured: { since: "0.8", cite: "CNB-18", doc: "a process's working-dir is used (before: ignored with a warning)" },
  processCommandIsArray: { since: "0.9", cite: "CNB-18", doc: "launch.toml processes.command is an array (before: a string)" },
  directKeyAllowed: { before: "0.9", cite: "CNB-18", doc: "processes.direct may be set, default false (from 0.9 the key is an error)" },
  processesAlwaysDirect: { since: "0.9", cite: "CNB-58", doc: "processes are exec'd directly (before: direct=false runs them through bash)" },
  userArgsReplace: { since: "0.9", cite: "CNB-56", doc: "user args replace the process args (before: appended)" },
  targetsEnv: { since: "0.10", cite: "CNB-6, CNB-10", doc: "CNB_TARGET_OS/ARCH/ARCH_VARIANT/DISTRO_NAME/DISTRO_VERSION are set" },
  stacksDeprecated: { since: "0.10", cite: "CNB-4", doc: "[[targets]] replaces [[stacks]]" },
  bionicStackAlwaysTranslated: { since: "0.10", cite: "CNB-4", doc: "stack io.buildpacks.stacks.bionic becomes a linux/amd64 ubuntu 18.04 target even among other stacks (before: only when it is the only stack; reference behaviour)" },
  imageExtensions: { since: "0.10", cite: "CNB-72", doc: "image extensions exist (extension.toml)" },
  topLevelRequireVersionRemoved: { since: "0.11", cite: "CNB-8", doc: "requires.version was removed from the spec (the reference lifecycle, and parseDetectPlan, refuse it at every version)" },
  execEnv: { since: "0.12", cite: "CNB-26", doc: "CNB_EXEC_ENV is set; buildpack, process and layer exec-env are honoured" },
} as const satisfies Record<string, FeatureGate>;

/** Behaviour that depends on the Platform API the platform and lifecycle speak. */
export const PLATFORM_FEATURE_TABLE = {
  sbomLayers: { since: "0.8", cite: "CNB-22", doc: "buildpack SBOM files are copied, exported as a layer and restored" },
  legacyBom: { before: "0.9", cite: "CNB-50, CNB-47", doc: "report.toml [build] and io.buildpacks.build.metadata carry the legacy [[bom]]" },
  sourceDateEpoch: { since: "0.9", cite: "CNB-45", doc: "SOURCE_DATE_EPOCH sets the image created time" },
  processCommandIsArray: { since: "0.10", cite: "CNB-41, CNB-47", doc: "metadata.toml and the build label write command as an array (before: a string, extra entries moved to args)" },
  overridableArgs: { since: "0.10", cite: "CNB-56", doc: "command[1:] is always passed; user args replace args (before: always appended)" },
  extensionsInDetect: { since: "0.10", cite: "CNB-72", doc: "the detector runs extensions' generate" },
  buildConfigEnv: { since: "0.11", cite: "CNB-9", doc: "operator env from <build-config>/env is applied" },
  launcherSbom: { since: "0.11", cite: "CNB-22", doc: "launcher and lifecycle SBOMs go under buildpacksio_lifecycle/" },
  runToml: { since: "0.12", cite: "CNB-33", doc: "run.toml lists run images (before: stack.toml [run-image])" },
  targetData: { since: "0.12", cite: "CNB-31, CNB-32, CNB-37, CNB-54", doc: "run-image target data: analyzed.toml target, detect-time target check, rebase target check" },
  runImageExtension: { since: "0.12", cite: "CNB-72", doc: "extensions may switch or extend the run image" },
  layoutExport: { since: "0.12", cite: "CNB-53", doc: "experimental OCI layout output" },
  configHistory: { since: "0.12", cite: "CNB-43", doc: "image config history gets a created_by per layer" },
  lifecycleLabelRunImage: { since: "0.12", cite: "CNB-47", doc: "io.buildpacks.lifecycle.metadata runImage carries image and mirrors (`stack` is kept for older readers)" },
  insecureRegistries: { since: "0.13", cite: "CNB-63", doc: "CNB_INSECURE_REGISTRIES / -insecure-registry" },
  restorerResolvesRunImage: { since: "0.14", cite: "CNB-39", doc: "the restorer reads run.toml and re-checks access to the chosen run image (reference)" },
  execEnv: { since: "0.15", cite: "CNB-26, CNB-55", doc: "CNB_EXEC_ENV, label io.buildpacks.exec-env, launch-time process eligibility" },
  systemToml: { since: "0.15", cite: "CNB-34", doc: "system.toml pre/post buildpacks are merged into every group" },
} as const satisfies Record<string, FeatureGate>;

export type BuildpackFeatures = { readonly [K in keyof typeof BUILDPACK_FEATURE_TABLE]: boolean };
export type PlatformFeatures = { readonly [K in keyof typeof PLATFORM_FEATURE_TABLE]: boolean };

/** Whether a row is on at `api`. */
export function gateOpen(gate: FeatureGate, api: ApiVersion): boolean {
  return (gate.since === undefined || apiAtLeast(api, gate.since)) && (gate.before === undefined || apiLessThan(api, gate.before));
}

function evaluate<T extends Record<string, FeatureGate>>(table: T, api: ApiVersion): { readonly [K in keyof T]: boolean } {
  const out: Record<string, boolean> = {};
  for (const [k, gate] of Object.entries(table)) out[k] = gateOpen(gate, api);
  return Object.freeze(out) as { readonly [K in keyof T]: boolean };
}

/** The behaviour a buildpack declaring `api` gets. */
export function buildpackFeatures(api: ApiVersion): BuildpackFeatures {
  return evaluate(BUILDPACK_FEATURE_TABLE, api);
}

/** The behaviour of Platform API `api`. */
export function platformFeatures(api: ApiVersion): PlatformFeatures {
  return evaluate(PLATFORM_FEATURE_TABLE, api);
}

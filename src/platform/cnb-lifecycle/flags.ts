// The platform spec's inputs of a lifecycle phase: `-flag value` arguments, each with its CNB_*
// environment variable and default (CNB-N of docs/platform.md), and the positional image names.
import { PaketoError } from "../../errors/index.js";

/** A flag: its env var and default. Booleans take no value. */
interface FlagSpec {
  env?: string;
  default?: string;
  bool?: boolean;
  /** May be given more than once (`-tag`). */
  many?: boolean;
}

const LAYERS = "/layers";
const FLAGS: Record<string, FlagSpec> = {
  app: { env: "CNB_APP_DIR", default: "/workspace" },
  layers: { env: "CNB_LAYERS_DIR", default: LAYERS },
  platform: { env: "CNB_PLATFORM_DIR", default: "/platform" },
  buildpacks: { env: "CNB_BUILDPACKS_DIR", default: "/cnb/buildpacks" },
  extensions: { env: "CNB_EXTENSIONS_DIR", default: "/cnb/extensions" },
  order: { env: "CNB_ORDER_PATH" },
  group: { env: "CNB_GROUP_PATH" },
  plan: { env: "CNB_PLAN_PATH" },
  analyzed: { env: "CNB_ANALYZED_PATH" },
  report: { env: "CNB_REPORT_PATH" },
  "project-metadata": { env: "CNB_PROJECT_METADATA_PATH" },
  run: { env: "CNB_RUN_PATH", default: "/cnb/run.toml" },
  stack: { env: "CNB_STACK_PATH", default: "/cnb/stack.toml" },
  "run-image": { env: "CNB_RUN_IMAGE" },
  "previous-image": { env: "CNB_PREVIOUS_IMAGE" },
  "cache-dir": { env: "CNB_CACHE_DIR" },
  "cache-image": { env: "CNB_CACHE_IMAGE" },
  "launch-cache": { env: "CNB_LAUNCH_CACHE_DIR" },
  "process-type": { env: "CNB_PROCESS_TYPE" },
  "log-level": { env: "CNB_LOG_LEVEL", default: "info" },
  uid: { env: "CNB_USER_ID" },
  gid: { env: "CNB_GROUP_ID" },
  "exec-env": { env: "CNB_EXEC_ENV", default: "production" },
  "layout-dir": { env: "CNB_LAYOUT_DIR" },
  "insecure-registry": { env: "CNB_INSECURE_REGISTRIES", many: true },
  tag: { many: true },
  "skip-restore": { env: "CNB_SKIP_RESTORE", bool: true },
  "skip-layers": { env: "CNB_SKIP_LAYERS", bool: true },
  layout: { env: "CNB_USE_LAYOUT", bool: true },
  daemon: { env: "CNB_USE_DAEMON", bool: true },
  "no-color": { env: "CNB_NO_COLOR", bool: true },
  "clear-cache": { bool: true },
  "force-rebase": { env: "CNB_FORCE_REBASE", bool: true },
  "launcher-sbom": { env: "CNB_LAUNCHER_SBOM_DIR" },
  "build-config": { env: "CNB_BUILD_CONFIG_DIR", default: "/cnb/build-config" },
  generated: { env: "CNB_GENERATED_DIR" },
  "parallel": { env: "CNB_PARALLEL_EXPORT", bool: true },
  "kaniko-dir": {},
  "build-image": { env: "CNB_BUILD_IMAGE" },
  "image": { env: "CNB_OUTPUT_IMAGE" },
  "extended": { env: "CNB_EXTENDED_DIR" },
};

export interface PhaseArgs {
  /** The value of a flag: the command line, else its env var, else its default. */
  get(name: string): string | undefined;
  has(name: string): boolean;
  all(name: string): string[];
  /** Positional arguments: the image names. */
  images: string[];
}

export class PlatformUsageError extends PaketoError {
  readonly exitCode = 3;
  constructor(message: string, hint?: string) {
    super("PLATFORM_LIFECYCLE_ARGS", message, hint ? { hint } : {});
  }
}

/** Parses `-name value`, `--name=value`, `-bool` and `-bool=false` as Go's flag package does. */
export function parsePhaseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): PhaseArgs {
  const given = new Map<string, string[]>();
  const images: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--") {
      images.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      images.push(a);
      continue;
    }
    const body = a.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = FLAGS[name];
    if (!spec) throw new PlatformUsageError(`unknown flag -${name}`, "see the platform spec for the phase's flags");
    let value: string;
    if (eq >= 0) value = body.slice(eq + 1);
    else if (spec.bool) value = "true";
    else {
      if (i + 1 >= argv.length) throw new PlatformUsageError(`flag -${name} needs a value`);
      value = argv[++i] as string;
    }
    given.set(name, [...(given.get(name) ?? []), value]);
  }
  const fromEnv = (name: string): string | undefined => {
    const e = FLAGS[name]?.env;
    const v = e ? env[e] : undefined;
    return v === undefined || v === "" ? undefined : v;
  };
  const get = (name: string): string | undefined => given.get(name)?.at(-1) ?? fromEnv(name) ?? FLAGS[name]?.default;
  return {
    get,
    has: (name) => {
      const v = get(name);
      return v !== undefined && v !== "false" && v !== "0";
    },
    all: (name) => given.get(name) ?? (fromEnv(name)?.split(",").map((s) => s.trim()).filter(Boolean) ?? []),
    images,
  };
}

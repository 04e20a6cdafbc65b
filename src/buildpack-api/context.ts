// What detect and build receive: everything the spec hands a buildpack, parsed and typed, so a
// buildpack never reads argv, CNB_* variables or spec files itself.
import type { ApiVersion, BuildpackDescriptor, BuildpackId, BuildpackVersion, Requirement, Table } from "../cnb/index.js";
import { BuildpackError } from "./errors.js";
import type { Layers } from "./layers.js";
import type { Logger } from "./logger.js";
import type { Progress } from "./progress.js";
import { check, type Schema } from "./schema.js";

/** This buildpack, from its buildpack.toml; `metadata` is `[metadata]` checked against the buildpack's schema. */
export interface BuildpackDetails<M> {
  id: BuildpackId;
  version: BuildpackVersion;
  name: string | undefined;
  /** The Buildpack API it declares; the runtime writes every file in that version's form. */
  api: ApiVersion;
  /** `CNB_BUILDPACK_DIR`: where buildpack.toml and bin/ are (read-only). */
  dir: string;
  /** Media types of `[buildpack] sbom-formats`: the only SBOM formats it may write (CNB-22). */
  sbomFormats: readonly string[];
  metadata: M;
  /** The whole parsed descriptor, for what the fields above leave out (targets, licenses...). */
  descriptor: BuildpackDescriptor;
}

/** A service binding (Kubernetes service binding spec): `<root>/<name>/{type,provider,<entries>}`. */
export interface Binding {
  name: string;
  type: string;
  provider: string | undefined;
  /** The binding's directory, for binary entries. */
  path: string;
  /** Every other file: name → contents (UTF-8, verbatim). */
  entries: Readonly<Record<string, string>>;
}

/** The platform directory (`CNB_PLATFORM_DIR`). */
export interface Platform {
  dir: string;
  /** `<platform>/env/*`: user-provided variables, file name → contents (verbatim). */
  env: Readonly<Record<string, string>>;
  /** From `SERVICE_BINDING_ROOT`, else `<platform>/bindings`. */
  bindings: readonly Binding[];
}

/**
 * What the build runs for (`CNB_TARGET_*`, Buildpack API ≥ 0.10). For older APIs os is "linux"
 * and arch the running machine's, in OCI terms (amd64, arm64).
 */
export interface TargetInfo {
  os: string;
  arch: string;
  variant: string | undefined;
  distro: { name: string; version: string } | undefined;
}

interface CommonContext<M> {
  /** The working directory: the application source (read-only by intent during detect). */
  appDir: string;
  /**
   * The buildpack's process environment as the lifecycle set it: the filtered host env, user env
   * from `<platform>/env` (unless clear-env), earlier buildpacks' build layers, and CNB_* values.
   * `BP_*` settings are read here.
   */
  env: Readonly<Record<string, string>>;
  platform: Platform;
  buildpack: BuildpackDetails<M>;
  target: TargetInfo;
  /** `CNB_EXEC_ENV` (Buildpack API 0.12): production (the default), test or development. */
  execEnv: string;
  logger: Logger;
}

export type DetectContext<M = Table> = CommonContext<M>;

export interface BuildContext<M = Table, S = Table> extends CommonContext<M> {
  /** `<layers>/<escaped-id>`: this buildpack's layers directory. */
  layersDir: string;
  /** The buildpack plan: requirements of the entries this buildpack provides (CNB-11). */
  plan: PlanEntries;
  /** Create layers: `cached` with an explicit keep-or-rebuild decision, or `uncached`. */
  layers: Layers;
  /** store.toml `[metadata]` from the previous build, if it matches the store schema. */
  store: S | undefined;
  /**
   * Live progress of a long step (a download) for the platform to show on a terminal; a no-op
   * unless the platform asked for it (paketo's PAKETO_PROGRESS). The step's log line is still
   * the buildpack's to write.
   */
  progress: Progress;
}

/** A buildpack plan entry with typed metadata. */
export interface PlanEntry<T> {
  name: string;
  metadata: T;
}

/** The buildpack plan. A name may repeat: every requirement of an entry is listed (CNB-11). */
export class PlanEntries {
  constructor(readonly entries: readonly Requirement[]) {}

  has(name: string): boolean {
    return this.entries.some((e) => e.name === name);
  }

  /** The entries named `name`; with a schema, their metadata is checked and typed. */
  select(name: string): PlanEntry<Table>[];
  select<T>(name: string, schema: Schema<T>): PlanEntry<T>[];
  select<T>(name: string, schema?: Schema<T>): PlanEntry<T | Table>[] {
    return this.entries
      .filter((e) => e.name === name)
      .map((e, i) => {
        if (schema === undefined) return { name, metadata: e.metadata };
        const r = check(schema, e.metadata);
        if (!r.ok) {
          throw new BuildpackError("BUILDPACK_METADATA", `buildpack plan: entry ${JSON.stringify(name)} #${i + 1}: metadata: ${r.problem}`, {
            hint: "the buildpack that requires it wrote metadata this buildpack does not understand",
          });
        }
        return { name, metadata: r.value };
      });
  }
}

// The lifecycle's one error scheme (CNB-28; the reference's platform/exit.go): every failure is a
// LifecycleError whose kind gives the process exit code. Each phase has its own error class (its
// codes, its exit code), made by phaseError(). Code shared by several phases (the layers dir, the
// layer cache, image names and writes) throws an UnphasedError; the phase it ran in turns it into
// its own error at its boundary (`XError.within`), so the exit code says which phase failed.
import { CnbError } from "../cnb/index.js";
import { PaketoError } from "../errors/index.js";

/**
 * Every lifecycle failure kind and its process exit code. Detect 20–29, analyze 30–39, restore
 * 40–49, build 50–59, export 60–69, rebase 70–79 (the launcher's own 80–89 live in src/launcher).
 * Where the reference picks one code in a range for "generic", the same code is used here.
 */
export const EXIT_CODES = {
  /** Generic failure. */
  FAILED: 1,
  INVALID_ARGS: 3,
  PLATFORM_API_UNSUPPORTED: 11,
  BUILDPACK_API_UNSUPPORTED: 12,
  /** No group passed detection and no buildpack errored. */
  DETECT_NO_GROUP: 20,
  /** No group passed detection and at least one buildpack errored (exit code other than 0/100, bad plan, target mismatch). */
  DETECT_ERRORED: 21,
  /** The detector itself failed (order.toml, missing buildpack, composite cycle...). */
  DETECT_ERROR: 22,
  ANALYZE_ERROR: 32,
  RESTORE_ERROR: 42,
  /** A buildpack's bin/build exited non-zero (CNB-10). */
  BUILDPACK_FAILED: 51,
  /** Any other build failure, including a buildpack's malformed output files (as the reference). */
  BUILD_ERROR: 52,
  EXPORT_ERROR: 62,
  REBASE_ERROR: 72,
} as const;

export type ExitKind = keyof typeof EXIT_CODES;

/**
 * A lifecycle failure: a PaketoError whose `code` is `LIFECYCLE_<kind>` and which carries the
 * process exit code the CLI should use.
 */
export class LifecycleError extends PaketoError {
  readonly kind: ExitKind;
  readonly exitCode: number;
  /** `opts.code`: a phase's own code (default `LIFECYCLE_<kind>`). */
  constructor(kind: ExitKind, message: string, opts: { hint?: string; cause?: unknown; code?: string } = {}) {
    super(opts.code ?? `LIFECYCLE_${kind}`, message, opts);
    this.name = "LifecycleError";
    this.kind = kind;
    this.exitCode = EXIT_CODES[kind];
  }
}

export function isLifecycleError(e: unknown): e is LifecycleError {
  return e instanceof LifecycleError;
}

/**
 * `e` as a LifecycleError: kept when it already is one, API version errors become exit 11/12, and
 * anything else becomes `fallback` (the phase's generic kind) with `e` as the cause. A PaketoError's
 * message and hint are kept; other errors are prefixed with `context`.
 */
export function toLifecycleError(e: unknown, fallback: ExitKind, context: string): LifecycleError {
  if (e instanceof LifecycleError) return e;
  if (e instanceof CnbError && e.code === "CNB_UNSUPPORTED_BUILDPACK_API") {
    return new LifecycleError("BUILDPACK_API_UNSUPPORTED", e.message, { hint: e.hint, cause: e });
  }
  if (e instanceof CnbError && e.code === "CNB_UNSUPPORTED_PLATFORM_API") {
    return new LifecycleError("PLATFORM_API_UNSUPPORTED", e.message, { hint: e.hint, cause: e });
  }
  if (e instanceof PaketoError) return new LifecycleError(fallback, e.message, { hint: e.hint, cause: e });
  const msg = e instanceof Error ? e.message : String(e);
  return new LifecycleError(fallback, `${context}: ${msg}`, { cause: e });
}

/** What shared lifecycle code can fail with; a phase reports it as `<PHASE>_<code>`. */
export type UnphasedCode =
  /** A file of the layers dir cannot be read, or is not what the spec says (a symlink, a malformed toml). */
  | "LAYERS_DIR"
  /** A layer dir (or sbom/, config/) is a symlink or otherwise not a directory. */
  | "LAYER_SYMLINK"
  /** No run image can be chosen or read. */
  | "RUN_IMAGE"
  /** An image cannot be written to its destination(s). */
  | "WRITE";

/** A failure in code that several phases share; the phase boundary gives it the phase's code. */
export class UnphasedError extends PaketoError {
  declare readonly code: UnphasedCode;
  constructor(code: UnphasedCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "UnphasedError";
  }
}

/** A phase's error class, as phaseError() makes it. */
export interface PhaseErrorClass<C extends string> {
  new (code: C, message: string, opts?: { hint?: string; cause?: unknown }): LifecycleError & { readonly code: C };
  /** Runs a phase's body: an UnphasedError from shared code becomes this phase's `<PREFIX>_<code>`. */
  within<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * The error class of one phase: codes `C` (all starting with `prefix_`), exit code of `kind`.
 * `instanceof` works as for any class.
 */
export function phaseError<C extends string>(name: string, kind: ExitKind, prefix: string): PhaseErrorClass<C> {
  class PhaseError extends LifecycleError {
    declare readonly code: C;
    constructor(code: C, message: string, opts: { hint?: string; cause?: unknown } = {}) {
      super(kind, message, { ...opts, code });
      this.name = name;
    }

    static async within<T>(fn: () => Promise<T>): Promise<T> {
      try {
        return await fn();
      } catch (e) {
        if (e instanceof UnphasedError) throw new PhaseError(`${prefix}_${e.code}` as C, e.message, { cause: e, ...(e.hint ? { hint: e.hint } : {}) });
        throw e;
      }
    }
  }
  Object.defineProperty(PhaseError, "name", { value: name });
  return PhaseError;
}

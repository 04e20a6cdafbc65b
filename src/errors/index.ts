/**
 * The one error type every paketo module throws for an expected failure.
 *
 * `code` is stable and machine-readable, `message` names what failed and the input that made it
 * fail, `hint` says what to do about it. Only the CLI prints errors and maps them to exit codes;
 * anything that is not a PaketoError is an internal bug.
 */
export class PaketoError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "PaketoError";
    this.code = code;
    this.hint = opts.hint;
  }
}

export function isPaketoError(e: unknown): e is PaketoError {
  return e instanceof PaketoError;
}

/** The message of the innermost cause, for "X: because Y" lines. */
export function rootCause(e: unknown): string {
  let cur: unknown = e;
  const seen = new Set<unknown>();
  while (cur instanceof Error && cur.cause !== undefined && !seen.has(cur)) {
    seen.add(cur);
    cur = cur.cause;
  }
  if (cur instanceof Error) {
    const code = (cur as NodeJS.ErrnoException).code;
    return code && !cur.message.includes(code) ? `${cur.message} (${code})` : cur.message;
  }
  return String(cur);
}

export { Redactor } from "./redact.js";

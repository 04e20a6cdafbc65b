// GET with retries on transient failures. The fetch function is injected so tests (and a proxy or
// offline mode) decide what the network is.
import { rootCause } from "../../errors/index.js";
import { DepsError } from "../errors.js";
import { fetchWithTimeout, hasTransientCause, isTransientStatus, redact, retrying, type FetchFn } from "../http.js";

export { redact, type FetchFn };

export interface HttpOptions {
  fetch: FetchFn;
  /** Attempts after the first for transient failures (reset, timeout, 5xx). Default 3. */
  retries?: number;
  /** First backoff delay; doubles each retry. Default 250 ms. */
  retryDelayMs?: number;
  /** Time allowed until response headers arrive. Default 30 s. */
  headersTimeoutMs?: number;
}

/** The mirror answered, with a status other than 200. */
export class HttpStatusError extends DepsError {
  constructor(
    readonly status: number,
    message: string,
    hint: string,
  ) {
    super("DEBIAN_HTTP", message, { hint });
  }
}

/** Is `e` worth another attempt? Refused connections and unknown hosts are not: they fail fast. */
export function isTransient(e: unknown): boolean {
  if (e instanceof HttpStatusError) return isTransientStatus(e.status);
  if (e instanceof DepsError && e.code !== "DEBIAN_UNREACHABLE") return false;
  return hasTransientCause(e);
}

/** Runs `attempt` until it succeeds or fails with a non-transient error or runs out of retries. */
export function withRetries<T>(opts: HttpOptions, attempt: () => Promise<T>): Promise<T> {
  return retrying(opts, isTransient, attempt);
}

/** One GET; a 200 response (or another status `accept` lists) or a DepsError naming the URL. No retries (see withRetries). */
export async function get(url: string, opts: HttpOptions, extra: { headers?: Record<string, string>; accept?: readonly number[] } = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetchWithTimeout(opts.fetch, url, { headersTimeoutMs: opts.headersTimeoutMs, ...(extra.headers ? { headers: extra.headers } : {}) });
  } catch (e) {
    throw new DepsError("DEBIAN_UNREACHABLE", `cannot reach ${redact(url)}: ${rootCause(e)}`, {
      hint: "check the network, and the mirror in the apt sources (or the mirror option)",
      cause: e,
    });
  }
  if (res.status !== 200 && !extra.accept?.includes(res.status)) {
    await res.body?.cancel().catch(() => {});
    throw new HttpStatusError(
      res.status,
      `GET ${redact(url)}: ${res.status} ${res.statusText}`.trim(),
      res.status === 404
        ? "the mirror does not have this file: is the suite, component or architecture right, and is the mirror complete?"
        : "the mirror answered with an error; try again later or use another mirror",
    );
  }
  return res;
}

/**
 * A conditional GET of a small file: `undefined` when the server says it has not changed since
 * the validators given (304), else the body and the new validators. With retries.
 */
export async function getIfChanged(
  url: string,
  opts: HttpOptions,
  since: { etag?: string; lastModified?: string },
): Promise<{ body: Buffer; etag?: string; lastModified?: string } | undefined> {
  const headers: Record<string, string> = {};
  if (since.etag) headers["if-none-match"] = since.etag;
  if (since.lastModified) headers["if-modified-since"] = since.lastModified;
  return withRetries(opts, async () => {
    const res = await get(url, opts, { headers, accept: [304] });
    if (res.status === 304) {
      await res.body?.cancel().catch(() => {});
      return undefined;
    }
    let body: Buffer;
    try {
      body = Buffer.from(await res.arrayBuffer());
    } catch (e) {
      throw new DepsError("DEBIAN_UNREACHABLE", `reading ${redact(url)} failed: ${rootCause(e)}`, { cause: e });
    }
    const etag = res.headers.get("etag") ?? undefined;
    const lastModified = res.headers.get("last-modified") ?? undefined;
    return { body, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
  });
}

/** GET the whole body (small files: InRelease, Release.gpg), with retries. */
export async function getBytes(url: string, opts: HttpOptions): Promise<Buffer> {
  return withRetries(opts, async () => {
    const res = await get(url, opts);
    try {
      return Buffer.from(await res.arrayBuffer());
    } catch (e) {
      throw new DepsError("DEBIAN_UNREACHABLE", `reading ${redact(url)} failed: ${rootCause(e)}`, { cause: e });
    }
  });
}


// GET with retries on transient failures. The fetch function is injected so tests (and a proxy or
// offline mode) decide what the network is.
import { rootCause } from "../../errors/index.js";
import { DepsError } from "../errors.js";

export type FetchFn = (url: string, init?: { signal?: AbortSignal; headers?: Record<string, string> }) => Promise<Response>;

export interface HttpOptions {
  fetch: FetchFn;
  /** Attempts after the first for transient failures (reset, timeout, 5xx). Default 3. */
  retries?: number;
  /** First backoff delay; doubles each retry. Default 250 ms. */
  retryDelayMs?: number;
  /** Time allowed until response headers arrive. Default 30 s. */
  headersTimeoutMs?: number;
}

const TRANSIENT = new Set([
  "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH",
  "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT",
  "ABORT_ERR", "ERR_STREAM_PREMATURE_CLOSE",
]);

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
  if (e instanceof HttpStatusError) return e.status >= 500 || e.status === 429 || e.status === 408;
  if (e instanceof DepsError && e.code !== "DEBIAN_UNREACHABLE") return false;
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    const code = (c as NodeJS.ErrnoException).code;
    if (code && TRANSIENT.has(code)) return true;
    if (c.name === "TimeoutError" || c.name === "AbortError") return true;
  }
  return false;
}

/** Runs `attempt` until it succeeds or fails with a non-transient error or runs out of retries. */
export async function withRetries<T>(opts: HttpOptions, attempt: () => Promise<T>): Promise<T> {
  const retries = opts.retries ?? 3;
  let delay = opts.retryDelayMs ?? 250;
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (i >= retries || !isTransient(e)) throw e;
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

/** One GET; a 200 response or a DepsError naming the URL. No retries (see withRetries). */
export async function get(url: string, opts: HttpOptions): Promise<Response> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DOMException("no response headers in time", "TimeoutError")), opts.headersTimeoutMs ?? 30_000);
  let res: Response;
  try {
    res = await opts.fetch(url, { signal: ctl.signal });
  } catch (e) {
    throw new DepsError("DEBIAN_UNREACHABLE", `cannot reach ${redact(url)}: ${rootCause(e)}`, {
      hint: "check the network, and the mirror in the apt sources (or the mirror option)",
      cause: e,
    });
  } finally {
    clearTimeout(timer);
  }
  if (res.status !== 200) {
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

/** A URL without credentials, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = "***";
      u.password = "";
    }
    return u.toString();
  } catch {
    return url;
  }
}

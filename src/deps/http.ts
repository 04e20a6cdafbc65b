// What every dependency source's HTTP needs: an injected fetch with a headers timeout, retries with
// backoff on transient failures, and URLs redacted for messages. Each source (debian/, npm/) wraps
// these with its own errors and hints.

export type FetchFn = (url: string, init?: { signal?: AbortSignal; headers?: Record<string, string> }) => Promise<Response>;

const TRANSIENT = new Set([
  "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH",
  "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT",
  "ABORT_ERR", "ERR_STREAM_PREMATURE_CLOSE",
]);

/** Does `e` (or any of its causes) say the network failed in a way another attempt may fix? */
export function hasTransientCause(e: unknown): boolean {
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    const code = (c as NodeJS.ErrnoException).code;
    if (code && TRANSIENT.has(code)) return true;
    if (c.name === "TimeoutError" || c.name === "AbortError") return true;
  }
  return false;
}

/** Is an HTTP status worth another attempt? */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

/** Runs `attempt` until it succeeds, fails with an error `transient` rejects, or runs out of retries. */
export async function retrying<T>(
  opts: { retries?: number; retryDelayMs?: number },
  transient: (e: unknown) => boolean,
  attempt: () => Promise<T>,
): Promise<T> {
  const retries = opts.retries ?? 3;
  let delay = opts.retryDelayMs ?? 250;
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (i >= retries || !transient(e)) throw e;
      await new Promise((r) => setTimeout(r, delay));
      delay *= 2;
    }
  }
}

/** One fetch that gives up when no response headers arrive within `headersTimeoutMs` (default 30 s). */
export async function fetchWithTimeout(fetchFn: FetchFn, url: string, opts: { headers?: Record<string, string>; headersTimeoutMs?: number } = {}): Promise<Response> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DOMException("no response headers in time", "TimeoutError")), opts.headersTimeoutMs ?? 30_000);
  try {
    return await fetchFn(url, { signal: ctl.signal, ...(opts.headers ? { headers: opts.headers } : {}) });
  } finally {
    clearTimeout(timer);
  }
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

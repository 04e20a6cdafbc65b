// GET with retries on transient failures; the fetch function is injected so tests decide what the
// network is (and count what it is asked).
import { rootCause } from "../../errors/index.js";
import { NpmError } from "./errors.js";

export type FetchFn = (url: string, init?: { signal?: AbortSignal; headers?: Record<string, string> }) => Promise<Response>;

export interface HttpOptions {
  /** Default: the global fetch. */
  fetch?: FetchFn;
  /** Attempts after the first for transient failures (reset, timeout, 5xx). Default 3. */
  retries?: number;
  /** First backoff delay; doubles each retry. Default 250 ms. */
  retryDelayMs?: number;
  /** Time allowed until response headers arrive. Default 30 s. */
  headersTimeoutMs?: number;
}

/** The registry answered with a status we cannot use. */
export class NpmHttpError extends NpmError {
  constructor(
    readonly status: number,
    message: string,
    hint: string,
  ) {
    super(status === 404 ? "NPM_NOT_FOUND" : "NPM_HTTP", message, { hint });
  }
}

const TRANSIENT = new Set([
  "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH",
  "UND_ERR_SOCKET", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT",
  "ABORT_ERR", "ERR_STREAM_PREMATURE_CLOSE",
]);

export function isTransient(e: unknown): boolean {
  if (e instanceof NpmHttpError) return e.status >= 500 || e.status === 429 || e.status === 408;
  if (e instanceof NpmError && e.code !== "NPM_UNREACHABLE") return false;
  for (let c: unknown = e; c instanceof Error; c = c.cause) {
    const code = (c as NodeJS.ErrnoException).code;
    if (code && TRANSIENT.has(code)) return true;
    if (c.name === "TimeoutError" || c.name === "AbortError") return true;
  }
  return false;
}

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

/** One GET: a response whose status is in `ok` (default 200), or an NpmError naming the URL. */
export async function get(url: string, opts: HttpOptions, headers: Record<string, string> = {}, ok: readonly number[] = [200]): Promise<Response> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new DOMException("no response headers in time", "TimeoutError")), opts.headersTimeoutMs ?? 30_000);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { signal: ctl.signal, headers });
  } catch (e) {
    throw new NpmError("NPM_UNREACHABLE", `cannot reach ${redact(url)}: ${rootCause(e)}`, {
      hint: "check the network and the registry in the npm configuration (npm config get registry)",
      cause: e,
    });
  } finally {
    clearTimeout(timer);
  }
  if (!ok.includes(res.status)) {
    await res.body?.cancel().catch(() => {});
    throw new NpmHttpError(
      res.status,
      `GET ${redact(url)}: ${res.status} ${res.statusText}`.trim(),
      res.status === 404
        ? "the registry does not have this package or file: is the name right?"
        : res.status === 401 || res.status === 403
          ? "the registry refused access: does it need credentials?"
          : "the registry answered with an error; try again later",
    );
  }
  return res;
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

// GET with retries on transient failures; the fetch function is injected so tests decide what the
// network is (and count what it is asked).
import { rootCause } from "../../errors/index.js";
import { NpmError } from "./errors.js";
import { fetchWithTimeout, hasTransientCause, isTransientStatus, redact, retrying, type FetchFn } from "../http.js";

export { redact, type FetchFn };

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

export function isTransient(e: unknown): boolean {
  if (e instanceof NpmHttpError) return isTransientStatus(e.status);
  if (e instanceof NpmError && e.code !== "NPM_UNREACHABLE") return false;
  return hasTransientCause(e);
}

export function withRetries<T>(opts: HttpOptions, attempt: () => Promise<T>): Promise<T> {
  return retrying(opts, isTransient, attempt);
}

/** One GET: a response whose status is in `ok` (default 200), or an NpmError naming the URL. */
export async function get(url: string, opts: HttpOptions, headers: Record<string, string> = {}, ok: readonly number[] = [200]): Promise<Response> {
  let res: Response;
  try {
    res = await fetchWithTimeout(opts.fetch ?? fetch, url, { headers, headersTimeoutMs: opts.headersTimeoutMs });
  } catch (e) {
    throw new NpmError("NPM_UNREACHABLE", `cannot reach ${redact(url)}: ${rootCause(e)}`, {
      hint: "check the network and the registry in the npm configuration (npm config get registry)",
      cause: e,
    });
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


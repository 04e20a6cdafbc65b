// The GOPROXY protocol: `<proxy>/<module>/@v/list`, `@v/<version>.info`, `.mod`, `.zip`, and the
// checksum database's `/sumdb/<name>/...` through the proxy. Proxies are tried in GOPROXY order
// with the go command's fallback rules: after `,` only when the proxy does not have it (404/410),
// after `|` on any error. Each proxy gets retries with backoff on transient failures.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { rootCause } from "../../errors/index.js";
import { fetchWithTimeout, hasTransientCause, isTransientStatus, redact, retrying, type FetchFn } from "../http.js";
import type { ProxyEntry } from "./config.js";
import { GoProxyError } from "./errors.js";

export type { FetchFn };

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

/** A proxy answered with a status other than 200. */
export class GoProxyHttpError extends GoProxyError {
  constructor(
    readonly status: number,
    message: string,
    hint: string,
  ) {
    super(status === 404 || status === 410 ? "GOPROXY_NOT_FOUND" : "GOPROXY_HTTP", message, { hint });
  }
}

/** 404 and 410 mean "this proxy does not have it": the next proxy is asked (GOPROXY's `,`). */
export function isNotFound(e: unknown): boolean {
  return e instanceof GoProxyHttpError && (e.status === 404 || e.status === 410);
}

function isTransient(e: unknown): boolean {
  if (e instanceof GoProxyHttpError) return isTransientStatus(e.status);
  if (e instanceof GoProxyError && e.code !== "GOPROXY_UNREACHABLE") return false;
  return hasTransientCause(e);
}

/** A module path or version as the proxy protocol writes it: each capital letter as `!` + its lower case. */
export function escapePath(s: string, what = "module path"): string {
  if (s.includes("!")) throw new GoProxyError("GOPROXY_VERSION", `${what} ${JSON.stringify(s)} contains "!"`);
  return s.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/** A URL without its credentials, and the Basic authorization they stand for. */
function splitCredentials(url: string): { url: string; headers: Record<string, string> } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url, headers: {} };
  const auth = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64");
  u.username = "";
  u.password = "";
  return { url: u.toString(), headers: { authorization: `Basic ${auth}` } };
}

async function getFile(url: string): Promise<Response> {
  const path = fileURLToPath(url);
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) throw new GoProxyHttpError(404, `${url}: not found`, "the file proxy does not have this file");
  return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>, { headers: { "content-length": String(st.size) } });
}

/** One GET: a 200 response, or a GoProxyError naming the URL. No retries. */
async function getOnce(url: string, opts: HttpOptions): Promise<Response> {
  if (url.startsWith("file:")) return getFile(url);
  const { url: bare, headers } = splitCredentials(url);
  let res: Response;
  try {
    res = await fetchWithTimeout(opts.fetch ?? fetch, bare, { headers, headersTimeoutMs: opts.headersTimeoutMs });
  } catch (e) {
    throw new GoProxyError("GOPROXY_UNREACHABLE", `cannot reach ${redact(url)}: ${rootCause(e)}`, {
      hint: "check the network and GOPROXY (go env GOPROXY)",
      cause: e,
    });
  }
  if (res.status !== 200) {
    const text = await res.text().catch(() => "");
    const why = text.trim().split("\n")[0]?.slice(0, 200);
    throw new GoProxyHttpError(
      res.status,
      `GET ${redact(url)}: ${res.status} ${res.statusText}${why ? ` (${why})` : ""}`.trim(),
      res.status === 404 || res.status === 410
        ? "the proxy does not have this module version: is the version right?"
        : res.status === 401 || res.status === 403
          ? "the proxy refused access: does it need credentials (in GOPROXY's URL)?"
          : "the proxy answered with an error; try again later",
    );
  }
  return res;
}

export class ProxyClient {
  private readonly urls: { url: string; fallbackOnError: boolean }[] = [];
  /** Why the list ends without a usable proxy: `direct` or `off` (the go command's keywords). */
  private readonly end: "direct" | "off" | undefined;

  constructor(
    entries: readonly ProxyEntry[],
    readonly http: HttpOptions = {},
  ) {
    let end: "direct" | "off" | undefined;
    for (const e of entries) {
      if (e.kind !== "url") {
        end = e.kind;
        break;
      }
      this.urls.push(e);
    }
    this.end = end;
    if (this.urls.length === 0) {
      throw new GoProxyError("GOPROXY_OFF", end === "off" ? "GOPROXY=off: module downloads are disabled" : "GOPROXY names no proxy (only direct)", {
        hint: "set GOPROXY to a module proxy (go env -w GOPROXY=...); paketo fetches the Go toolchain from a proxy, never from version control",
      });
    }
  }

  /** The proxies, in order (credentials removed). */
  get proxies(): string[] {
    return this.urls.map((u) => redact(u.url));
  }

  /**
   * GET `<proxy>/<path>` from the first proxy that has it. `path` is already escaped. Throws the
   * error that ended the search: a proxy's own error when it must not fall back, else the last
   * "not found".
   */
  async get(path: string): Promise<{ res: Response; proxy: string; url: string }> {
    let last: unknown;
    for (const p of this.urls) {
      const url = `${p.url}/${path}`;
      try {
        const res = await retrying(this.http, isTransient, () => getOnce(url, this.http));
        return { res, proxy: p.url, url };
      } catch (e) {
        last = e;
        if (isNotFound(e) || p.fallbackOnError) continue;
        throw e;
      }
    }
    if (this.end === "direct" && isNotFound(last)) {
      const e = last as GoProxyError;
      throw new GoProxyError("GOPROXY_NOT_FOUND", e.message, {
        hint: "GOPROXY falls back to direct (version control), which paketo's Go source does not do: use a proxy that has it",
        cause: e,
      });
    }
    throw last;
  }

  /** GET the whole body as text. */
  async text(path: string): Promise<{ text: string; url: string }> {
    const { res, url } = await this.get(path);
    try {
      return { text: await res.text(), url };
    } catch (e) {
      throw new GoProxyError("GOPROXY_UNREACHABLE", `reading ${redact(url)} failed: ${rootCause(e)}`, { cause: e });
    }
  }

  /** GET the whole body as bytes. */
  async bytes(path: string): Promise<{ bytes: Buffer; url: string }> {
    const { res, url } = await this.get(path);
    try {
      return { bytes: Buffer.from(await res.arrayBuffer()), url };
    } catch (e) {
      throw new GoProxyError("GOPROXY_UNREACHABLE", `reading ${redact(url)} failed: ${rootCause(e)}`, { cause: e });
    }
  }
}

/** `<escaped module>/@v/<escaped version>.<ext>` */
export function versionPath(module: string, version: string, ext: "info" | "mod" | "zip"): string {
  return `${escapePath(module)}/@v/${escapePath(version, "version")}.${ext}`;
}

/** `<escaped module>/@v/list` */
export function listPath(module: string): string {
  return `${escapePath(module)}/@v/list`;
}

import { STATUS_CODES } from "node:http";
import type { Readable } from "node:stream";
import type { Redactor } from "../../errors/index.js";
import { OciError, type OciErrorCode } from "../errors.js";

/** One entry of a registry's JSON error body (`{"errors":[{"code","message","detail"}]}`). */
export interface Diagnostic {
  code: string;
  message: string;
}

/**
 * A registry answered with a status we did not expect. Carries the protocol data (status and
 * the registry's error codes) so callers can decide, and prints as one line:
 * `pushing blob sha256:ab12… to 127.0.0.1:5000/app: 401 UNAUTHORIZED: authentication required`.
 */
export class RegistryError extends OciError {
  readonly status: number | undefined;
  readonly diagnostics: Diagnostic[];
  readonly registry: string;
  constructor(
    code: OciErrorCode,
    message: string,
    data: { status?: number; diagnostics?: Diagnostic[]; registry: string },
    opts: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, opts);
    this.name = "RegistryError";
    this.status = data.status;
    this.diagnostics = data.diagnostics ?? [];
    this.registry = data.registry;
  }

  /** Worth trying again: rate limited, a server-side hiccup, or a connection lost on the way. */
  get temporary(): boolean {
    return this.retryable || (this.status !== undefined && isRetryableStatus(this.status));
  }

  /**
   * Set when a retry may cure what a status alone does not say: a reset or timed-out connection
   * (not a refused one), or a token that was refreshed after a streamed body was already spent.
   */
  retryable = false;
}

export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

/** `sha256:0123456789ab…`: enough to recognise a digest in a message. */
export function shortDigest(d: string): string {
  const i = d.indexOf(":");
  return d.length > i + 13 ? `${d.slice(0, i + 13)}…` : d;
}

/** A URL fit for a message: no userinfo, no query (tokens and signatures live there), no fragment. */
export function redactUrl(u: string | URL): string {
  try {
    const url = new URL(String(u));
    const q = url.search ? "?…" : "";
    return `${url.protocol}//${url.host}${url.pathname}${q}`;
  } catch {
    return "<url>";
  }
}

/** Destroys a response body without an unhandled 'error' (undici emits one when a body is cut short). */
export function destroyBody(body: Readable): void {
  body.on("error", () => {});
  body.destroy();
}

/** Reads at most `limit` bytes of an error body, then discards the rest. */
async function readSome(body: Readable, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of body) {
      const b = c as Buffer;
      if (n < limit) chunks.push(b.subarray(0, limit - n));
      n += b.length;
      if (n >= limit) break;
    }
  } catch {
    // a broken error body is not worth a second error
  }
  destroyBody(body);
  return Buffer.concat(chunks).toString("utf8");
}

export function parseDiagnostics(text: string): Diagnostic[] {
  try {
    const v = JSON.parse(text) as { errors?: unknown; details?: unknown };
    if (Array.isArray(v.errors)) {
      return v.errors
        .filter((e): e is Record<string, unknown> => typeof e === "object" && e !== null)
        .map((e) => ({ code: String(e.code ?? "UNKNOWN"), message: oneLine(String(e.message ?? "")) }));
    }
  } catch {
    // not JSON
  }
  return [];
}

function oneLine(s: string, max = 300): string {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length > max ? `${t.slice(0, max)}…` : t;
}

export type NotFoundKind = "manifest" | "blob" | "other";

export interface ResponseLike {
  status: number;
  body: Readable;
}

/** Turns an unexpected response into a RegistryError: what we were doing, the status, the registry's words. */
export async function errorFromResponse(
  res: ResponseLike,
  what: string,
  ctx: { registry: string; notFound?: NotFoundKind; sentCredentials: boolean; method: string; redactor?: Redactor },
): Promise<RegistryError> {
  // A registry may echo what it was sent (a password, a token): its words never carry them on.
  const raw = ctx.method === "HEAD" ? "" : await readSome(res.body);
  const text = ctx.redactor ? ctx.redactor.redact(raw) : raw;
  if (ctx.method === "HEAD") destroyBody(res.body);
  const diagnostics = parseDiagnostics(text);
  const status = res.status;
  const first = diagnostics[0];
  let detail: string;
  if (first) {
    detail = `${status} ${first.code}${first.message ? `: ${first.message}` : ""}`;
    if (diagnostics.length > 1) detail += ` (and ${diagnostics.length - 1} more)`;
  } else {
    detail = `${status} ${STATUS_CODES[status] ?? "unexpected status"}`;
  }
  const message = `${what}: ${detail}`;
  const data = { status, diagnostics, registry: ctx.registry };
  if (status === 401 || status === 403) {
    const hint = ctx.sentCredentials
      ? `the credentials for ${ctx.registry} were refused or lack permission: check --creds, or log in again (podman login ${ctx.registry})`
      : `${ctx.registry} wants credentials and none were found: pass --creds USER:PASSWORD or run podman login ${ctx.registry}`;
    return new RegistryError("OCI_REGISTRY_AUTH", message, data, { hint });
  }
  if (status === 404 && ctx.notFound === "manifest") {
    return new RegistryError("OCI_IMAGE_NOT_FOUND", message, data, {
      hint: "check the repository name and tag; the image may not have been pushed yet",
    });
  }
  if (status === 404 && ctx.notFound === "blob") return new RegistryError("OCI_BLOB_NOT_FOUND", message, data);
  if (status === 429) {
    return new RegistryError("OCI_REGISTRY", message, data, { hint: `${ctx.registry} is rate limiting; wait and try again` });
  }
  return new RegistryError("OCI_REGISTRY", message, data);
}

/** The errno-ish code of a network failure, looking through causes and aggregate errors. */
export function networkCode(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [e];
  while (stack.length) {
    const cur = stack.pop();
    if (!cur || typeof cur !== "object" || seen.has(cur)) continue;
    seen.add(cur);
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_ABORTED") return code;
    if (cur instanceof AggregateError) stack.push(...cur.errors);
    stack.push((cur as { cause?: unknown }).cause);
  }
  return undefined;
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection closed",
  ETIMEDOUT: "connection timed out",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EPROTO: "TLS protocol error",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_HEADERS_TIMEOUT: "no response in time",
  UND_ERR_BODY_TIMEOUT: "the response stalled",
  UND_ERR_SOCKET: "connection closed by the other side",
  UND_ERR_CLOSED: "connection closed",
  ERR_TLS_CERT_ALTNAME_INVALID: "TLS certificate does not match the host",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed TLS certificate",
  SELF_SIGNED_CERT_IN_CHAIN: "self-signed TLS certificate in chain",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "TLS certificate not trusted",
  CERT_HAS_EXPIRED: "TLS certificate expired",
};

const RETRYABLE_NETWORK = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
]);

/** Connection resets, timeouts, "socket hang up": worth a retry. Refused connections and DNS misses are not. */
export function isRetryableNetworkError(e: unknown): boolean {
  const code = networkCode(e);
  if (code && RETRYABLE_NETWORK.has(code)) return true;
  return e instanceof Error && /socket hang up|other side closed/i.test(e.message);
}

export function isTlsError(e: unknown): boolean {
  const code = networkCode(e) ?? "";
  return /CERT|SSL|TLS|EPROTO|SELF_SIGNED|VERIFY/.test(code);
}

/** `registry 127.0.0.1:5999 is unreachable (connection refused) while reading manifest of app:latest`. */
export function unreachable(registry: string, what: string, e: unknown): RegistryError {
  const code = networkCode(e);
  const reason = (code && REASONS[code]) ?? (code ? code.toLowerCase() : oneLine(e instanceof Error ? e.message : String(e), 120));
  const tls = isTlsError(e);
  const err = new RegistryError(
    "OCI_REGISTRY_UNREACHABLE",
    `registry ${registry} is unreachable (${reason}) while ${what}`,
    { registry },
    {
      hint: tls
        ? `if ${registry} uses a self-signed certificate or plain http, name it with --insecure-registry ${registry}`
        : `check that ${registry} is running and reachable from here`,
      cause: e,
    },
  );
  err.retryable = isRetryableNetworkError(e);
  return err;
}

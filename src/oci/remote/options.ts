import type { Agent, Dispatcher } from "undici";
import { Redactor } from "../../errors/index.js";
import type { Platform } from "../platform.js";
import { noProgress, type OnProgress } from "../progress.js";
import { type Credentials, type Keychain, configKeychain } from "./auth/keychain.js";

/** Options every remote operation takes. All optional; the defaults suit a CLI. */
export interface RemoteOptions {
  /**
   * Credentials for the registry of the reference (`--creds user:pass`). They override the
   * keychain for that registry only.
   */
  auth?: Credentials;
  /** Where credentials come from otherwise. Default: the docker and podman config files (configKeychain()). */
  keychain?: Keychain;
  /**
   * Registries (host[:port]) spoken to over plain http, like loopback hosts are; if such a host
   * turns out to speak TLS, its certificate is not verified.
   */
  insecureRegistries?: readonly string[];
  /** Tries per request, the first included (default 5). Also bounds upload restarts. */
  maxAttempts?: number;
  /** Backoff between tries: `initialMs * 2^n`, capped at `maxMs`, with jitter; Retry-After is honoured up to `maxRetryAfterMs`. */
  backoff?: { initialMs?: number; maxMs?: number; maxRetryAfterMs?: number };
  /**
   * Connect, response-headers and body-idle timeouts (30 s, 120 s, 30 s). A body with no data for
   * `bodyMs` counts as broken: a blob download resumes from where it stopped.
   */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Concurrent blob transfers when writing (default 4). */
  jobs?: number;
  /** Blobs bigger than this are uploaded in chunks (PATCH) instead of one PUT (default 64 MiB). */
  chunkThreshold?: number;
  /** Size of one chunk (default 16 MiB; raised to the registry's OCI-Chunk-Min-Length). */
  chunkSize?: number;
  /** For image(): the platform to pick from an index (default linux and this machine's architecture). */
  platform?: Platform;
  onProgress?: OnProgress;
  signal?: AbortSignal;
  /** The HTTP client; replace it for proxies or tests. Default: a shared undici Agent with the timeouts above. */
  dispatcher?: Dispatcher;
  userAgent?: string;
  /**
   * Told every credential sent (passwords, Basic and Bearer tokens), and used to take them out
   * of anything a registry says back. Pass the CLI's one so its output is redacted too.
   */
  redactor?: Redactor;
}

export interface Resolved {
  auth: Credentials | undefined;
  keychain: Keychain;
  insecure: Set<string>;
  maxAttempts: number;
  backoff: { initialMs: number; maxMs: number; maxRetryAfterMs: number };
  timeouts: { connectMs: number; headersMs: number; bodyMs: number };
  jobs: number;
  chunkThreshold: number;
  chunkSize: number;
  platform: Platform | undefined;
  onProgress: OnProgress;
  signal: AbortSignal | undefined;
  /** undefined: the shared undici Agent (sharedAgent), made on the first request. */
  dispatcher: Dispatcher | undefined;
  /** Same, but not verifying TLS certificates: only for insecure registries. */
  insecureDispatcher: Dispatcher | undefined;
  userAgent: string;
  redactor: Redactor;
}

export const DEFAULT_CHUNK_THRESHOLD = 64 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 16 * 1024 * 1024;

const agents = new Map<string, Promise<Agent>>();

/**
 * The undici Agent shared by every request with these settings. undici is imported here, on the
 * first request, not with this module: loading it is most of the start-up of a command that
 * never reaches a registry (a build answered from the local store).
 */
export function sharedAgent(connectMs: number, verify: boolean): Promise<Agent> {
  const key = `${connectMs}/${verify}`;
  let a = agents.get(key);
  if (!a) {
    a = import("undici").then(({ Agent }) => new Agent({ connect: { timeout: connectMs, rejectUnauthorized: verify }, keepAliveTimeout: 4_000 }));
    agents.set(key, a);
  }
  return a;
}

export function resolveOptions(o: RemoteOptions = {}): Resolved {
  const connectMs = o.timeouts?.connectMs ?? 30_000;
  return {
    auth: o.auth,
    keychain: o.keychain ?? configKeychain(),
    insecure: new Set((o.insecureRegistries ?? []).map((h) => h.toLowerCase())),
    maxAttempts: Math.max(1, o.maxAttempts ?? 5),
    backoff: {
      initialMs: o.backoff?.initialMs ?? 250,
      maxMs: o.backoff?.maxMs ?? 8_000,
      maxRetryAfterMs: o.backoff?.maxRetryAfterMs ?? 60_000,
    },
    timeouts: { connectMs, headersMs: o.timeouts?.headersMs ?? 120_000, bodyMs: o.timeouts?.bodyMs ?? 30_000 },
    jobs: Math.max(1, o.jobs ?? 4),
    chunkThreshold: o.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD,
    chunkSize: Math.max(1, o.chunkSize ?? DEFAULT_CHUNK_SIZE),
    platform: o.platform,
    onProgress: o.onProgress ?? noProgress,
    signal: o.signal,
    dispatcher: o.dispatcher,
    insecureDispatcher: o.dispatcher,
    userAgent: o.userAgent ?? "paketo",
    redactor: o.redactor ?? new Redactor(),
  };
}

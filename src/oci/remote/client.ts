import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { Redactor } from "../../errors/index.js";
import { OciError } from "../errors.js";
import { DOCKER_HUB } from "../ref/index.js";
import { type Challenge, parseChallenges, pickChallenge } from "./auth/challenge.js";
import type { Credentials } from "./auth/keychain.js";
import { basicAuth, fetchToken, type Token } from "./auth/token.js";
import {
  destroyBody,
  errorFromResponse,
  isRetryableNetworkError,
  isRetryableStatus,
  type NotFoundKind,
  networkCode,
  RegistryError,
  unreachable,
} from "./errors.js";
import { type Resolved, sharedAgent } from "./options.js";
import { backoffDelay, parseRetryAfter, sleep } from "./retry.js";

/** A response whose body the caller must consume or destroy. */
export interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  body: Readable;
  /** The URL that answered (after redirects): relative Location headers resolve against it. */
  url: URL;
}

export function header(res: { headers: IncomingHttpHeaders }, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Reads and discards a body so the connection can be reused. */
export async function discard(body: Readable): Promise<void> {
  const b = body as Readable & { dump?: () => Promise<void> };
  try {
    if (b.dump) await b.dump();
    else destroyBody(body);
  } catch {
    destroyBody(body);
  }
}

export interface Spec {
  method: "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** `/v2/…` on this registry, or an absolute URL (an upload Location). */
  path: string | URL;
  headers?: Record<string, string>;
  /** A stream body is sent once: such a request is never retried here (the caller restarts what it belongs to). */
  body?: Uint8Array | Readable;
  /** What we are doing, for messages: `pushing blob sha256:ab12… to host/app`. */
  what: string;
  /** Statuses that are success for this request. */
  expect: number[];
  notFound?: NotFoundKind;
}

/** Who may do what where: `repository:app:pull,push` plus `repository:base:pull` for mounts. */
export interface Access {
  registry: string;
  repository: string;
  /** Actions on `repository` (default pull). */
  actions?: ReadonlyArray<"pull" | "push" | "delete">;
  /** Other repositories on the same registry that blobs will be mounted from. */
  mountFrom?: readonly string[];
}

class Scopes {
  private readonly m = new Map<string, Set<string>>();
  add(scope: string): void {
    const i = scope.lastIndexOf(":");
    if (i <= 0) return;
    const resource = scope.slice(0, i);
    const set = this.m.get(resource) ?? new Set<string>();
    for (const a of scope.slice(i + 1).split(",")) if (a) set.add(a);
    this.m.set(resource, set);
  }
  list(): string[] {
    return [...this.m].map(([r, a]) => `${r}:${[...a].sort().join(",")}`).sort();
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** The host the API is served from: Docker Hub's API is not at docker.io itself. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? "registry-1.docker.io" : registry;
}

/**
 * Talks to one registry on behalf of one repository (and the repositories it mounts from):
 * picks the scheme, answers auth challenges, retries what is safe to retry, follows redirects,
 * and turns failures into one-line RegistryErrors that never carry a credential.
 *
 * Scheme: https, except for loopback hosts and `insecureRegistries`, which are tried over plain
 * http first and over https (unverified for insecure ones) only if the http ping is answered
 * like a TLS port would (400 or a dropped connection).
 */
export class RegistryClient {
  readonly registry: string;
  readonly repository: string;
  private readonly scopes = new Scopes();
  private base: URL | undefined;
  private insecureTls = false;
  private challenge: Challenge | undefined;
  private credentials: Credentials | undefined;
  private resolvingCredentials: Promise<Credentials | undefined> | undefined;
  private token: Token | undefined;
  private pendingToken: Promise<Token> | undefined;
  private pinging: Promise<void> | undefined;

  constructor(
    access: Access,
    readonly o: Resolved,
  ) {
    this.registry = access.registry;
    this.repository = access.repository;
    this.scopes.add(`repository:${access.repository}:${(access.actions ?? ["pull"]).join(",")}`);
    for (const r of access.mountFrom ?? []) if (r !== access.repository) this.scopes.add(`repository:${r}:pull`);
  }

  /** The scopes asked for in token requests (widened when a challenge asks for more). */
  scopeList(): string[] {
    return this.scopes.list();
  }

  private plainHttpFirst(): boolean {
    const r = this.registry.toLowerCase();
    return isLoopback(r) || this.o.insecure.has(r) || this.o.insecure.has(r.replace(/:\d+$/, ""));
  }

  private isInsecure(): boolean {
    const r = this.registry.toLowerCase();
    return this.o.insecure.has(r) || this.o.insecure.has(r.replace(/:\d+$/, ""));
  }

  /** One HTTP exchange, no retries. */
  private async send(method: string, url: URL, headers: Record<string, string>, body: Uint8Array | Readable | undefined): Promise<Res> {
    this.o.redactor.addAuthorization(headers.authorization);
    const insecure = this.insecureTls && this.base !== undefined && url.origin === this.base.origin;
    const dispatcher = (insecure ? this.o.insecureDispatcher : this.o.dispatcher) ?? (await sharedAgent(this.o.timeouts.connectMs, !insecure));
    const { request } = await import("undici");
    const r = await request(url, {
      method: method as "GET",
      headers: { "user-agent": this.o.userAgent, ...headers },
      body: body ?? null,
      dispatcher,
      headersTimeout: this.o.timeouts.headersMs,
      bodyTimeout: this.o.timeouts.bodyMs,
      signal: this.o.signal ?? null,
    });
    return { status: r.statusCode, headers: r.headers, body: r.body, url };
  }

  /** Sends a replayable request, retrying resets, timeouts, 429 and 5xx with backoff. */
  private async sendRetrying(method: string, url: URL, headers: Record<string, string>, what: string, body?: Uint8Array): Promise<Res> {
    for (let failures = 0; ; ) {
      let res: Res;
      try {
        res = await this.send(method, url, headers, body);
      } catch (e) {
        if (this.o.signal?.aborted) throw e;
        if (isRetryableNetworkError(e) && ++failures < this.o.maxAttempts) {
          await sleep(backoffDelay(failures, this.o.backoff), this.o.signal);
          continue;
        }
        throw unreachable(this.registry, what, e);
      }
      if (isRetryableStatus(res.status) && ++failures < this.o.maxAttempts) {
        await discard(res.body);
        await sleep(backoffDelay(failures, this.o.backoff, parseRetryAfter(res.headers["retry-after"])), this.o.signal);
        continue;
      }
      return res;
    }
  }

  /**
   * Learns the scheme and the auth challenge from `GET /v2/`, and checks basic credentials, once.
   * Called by the first request; call it first yourself to word connection and login failures
   * as the whole operation (`what`).
   */
  connect(what: string): Promise<void> {
    return this.ready(what);
  }

  private ready(what: string): Promise<void> {
    if (!this.pinging) {
      this.pinging = this.ping(what);
      this.pinging.catch(() => {
        this.pinging = undefined;
      });
    }
    return this.pinging;
  }

  private async ping(what: string): Promise<void> {
    const schemes = this.plainHttpFirst() ? ["http:", "https:"] : ["https:"];
    let res: Res | undefined;
    for (const [i, scheme] of schemes.entries()) {
      const last = i === schemes.length - 1;
      const base = new URL(`${scheme}//${apiHost(this.registry)}/`);
      this.base = base;
      this.insecureTls = scheme === "https:" && this.isInsecure();
      try {
        if (last) res = await this.sendRetrying("GET", new URL("/v2/", base), {}, what);
        else {
          // A dropped connection may be a TLS port, or only a pooled keep-alive connection the
          // server had closed: ask once more (on a fresh connection) before deciding.
          try {
            res = await this.send("GET", new URL("/v2/", base), {}, undefined);
          } catch (e) {
            if (networkCode(e) === "ECONNREFUSED" || this.o.signal?.aborted) throw e;
            res = await this.send("GET", new URL("/v2/", base), {}, undefined);
          }
        }
      } catch (e) {
        if (e instanceof RegistryError || last || networkCode(e) === "ECONNREFUSED" || this.o.signal?.aborted) {
          throw e instanceof RegistryError ? e : unreachable(this.registry, what, e);
        }
        continue; // maybe a TLS port: try https
      }
      if (res.status === 400 && !last) {
        await discard(res.body);
        continue;
      }
      break;
    }
    if (!res) throw new RegistryError("OCI_REGISTRY_UNREACHABLE", `registry ${this.registry} did not answer while ${what}`, { registry: this.registry });
    if (res.status === 200) {
      await discard(res.body);
      this.challenge = undefined;
      return;
    }
    if (res.status !== 401) {
      throw await errorFromResponse(res, `${what}: ${this.registry} does not look like a registry (GET /v2/)`, { ...this.errorContext("GET"), sentCredentials: false });
    }
    this.challenge = pickChallenge(parseChallenges(res.headers["www-authenticate"]));
    if (this.challenge) {
      try {
        await this.resolveCredentials();
      } catch (e) {
        await discard(res.body);
        throw e;
      }
    }
    if (this.challenge?.scheme === "basic" && !this.credentials) {
      // A registry that wants basic auth for /v2/ wants it for everything: say so now, in the operation's words.
      throw await errorFromResponse(res, what, this.errorContext("GET"));
    }
    await discard(res.body);
    if (!this.challenge) return;
    if (this.challenge.scheme === "basic" && this.credentials) {
      const check = await this.sendRetrying("GET", new URL("/v2/", this.base), { authorization: basicAuth(this.credentials) }, what);
      if (check.status !== 200) {
        throw await errorFromResponse(check, what, this.errorContext("GET"));
      }
      await discard(check.body);
    }
  }

  /**
   * The credentials for this registry (`--creds`, else the keychain), looked up once: when /v2/
   * asks for auth, or when a repository does although /v2/ did not. Every secret in them is
   * given to the redactor before anything is sent.
   */
  private resolveCredentials(): Promise<Credentials | undefined> {
    this.resolvingCredentials ??= (async () => {
      const c = this.o.auth ?? (await this.o.keychain.resolve(this.registry, this.repository));
      for (const secret of [c?.password, c?.identityToken, c?.registryToken]) this.o.redactor.add(secret);
      this.credentials = c;
      return c;
    })();
    this.resolvingCredentials.catch(() => {
      this.resolvingCredentials = undefined;
    });
    return this.resolvingCredentials;
  }

  private errorContext(method: string): { registry: string; sentCredentials: boolean; method: string; redactor: Redactor } {
    return { registry: this.registry, sentCredentials: !!this.credentials, method, redactor: this.o.redactor };
  }

  private async authorization(): Promise<string | undefined> {
    const c = this.challenge;
    if (!c) return undefined;
    const creds = this.credentials;
    if (c.scheme === "basic") return creds ? basicAuth(creds) : undefined;
    if (c.scheme !== "bearer") return undefined;
    if (creds?.registryToken) return `Bearer ${creds.registryToken}`;
    if (this.token && this.token.expiresAt > Date.now() + 5_000) return `Bearer ${this.token.value}`;
    if (!this.pendingToken) {
      this.pendingToken = fetchToken({
        challenge: c,
        scopes: this.scopes.list(),
        credentials: creds,
        registry: this.registry,
        send: (r) => this.sendRetrying(r.method, r.url, r.headers, `authenticating to ${this.registry}`, r.body),
        redactor: this.o.redactor,
      });
      this.pendingToken.then(
        (t) => {
          this.token = t;
          this.pendingToken = undefined;
        },
        () => {
          this.pendingToken = undefined;
        },
      );
    }
    return `Bearer ${(await this.pendingToken).value}`;
  }

  /**
   * After a 401: is another try with fresh auth worth it? Widens scopes to what the challenge
   * asks, and looks the credentials up if /v2/ did not ask for any (an anonymous /v2/ with
   * repositories behind a token realm).
   */
  private async onUnauthorized(h: string | string[] | undefined): Promise<boolean> {
    const c = pickChallenge(parseChallenges(h));
    if (!c) return false;
    if (c.scheme === "basic") {
      // Only worth a retry when /v2/ did not already make us send what we have.
      if (this.challenge?.scheme === "basic") return false;
      this.challenge = c;
      return (await this.resolveCredentials()) !== undefined;
    }
    if (c.scheme !== "bearer") return false;
    for (const s of (c.params.scope ?? "").split(" ")) if (s) this.scopes.add(s);
    this.challenge = c;
    this.token = undefined;
    await this.resolveCredentials();
    return true;
  }

  private resolve(p: string | URL): URL {
    if (p instanceof URL) return p;
    return /^https?:\/\//i.test(p) ? new URL(p) : new URL(p, this.base);
  }

  /** Sends a request to the registry: auth, retries, redirects (GET/HEAD), errors. */
  async request(spec: Spec): Promise<Res> {
    await this.ready(spec.what);
    const base = this.base as URL;
    let url = this.resolve(spec.path);
    const replayable = !(spec.body instanceof Readable);
    let failures = 0;
    let redirects = 0;
    let authRetried = false;
    for (;;) {
      const headers: Record<string, string> = { ...spec.headers };
      const sameOrigin = url.origin === base.origin;
      const auth = sameOrigin ? await this.authorization() : undefined;
      if (auth) headers.authorization = auth;
      let res: Res;
      try {
        res = await this.send(spec.method, url, headers, spec.body);
      } catch (e) {
        if (this.o.signal?.aborted || e instanceof OciError) throw e;
        if (replayable && isRetryableNetworkError(e) && ++failures < this.o.maxAttempts) {
          await sleep(backoffDelay(failures, this.o.backoff), this.o.signal);
          continue;
        }
        throw unreachable(url.origin === base.origin ? this.registry : `${this.registry} (redirected to ${url.host})`, spec.what, e);
      }
      if (REDIRECTS.has(res.status) && (spec.method === "GET" || spec.method === "HEAD")) {
        const loc = header(res, "location");
        await discard(res.body);
        if (!loc || ++redirects > 10) {
          throw new RegistryError("OCI_REGISTRY", `${spec.what}: ${loc ? "too many redirects" : `${res.status} redirect without a Location`}`, {
            status: res.status,
            registry: this.registry,
          });
        }
        url = new URL(loc, url); // Authorization is only sent while on the registry's own origin
        continue;
      }
      if (res.status === 401 && sameOrigin && !authRetried && (await this.onUnauthorized(res.headers["www-authenticate"]))) {
        authRetried = true;
        if (replayable) {
          await discard(res.body);
          continue;
        }
        const err = await errorFromResponse(res, spec.what, this.errorContext(spec.method));
        err.retryable = true; // the spent stream can be reopened by the caller, with a fresh token
        throw err;
      }
      if (replayable && isRetryableStatus(res.status) && ++failures < this.o.maxAttempts) {
        await discard(res.body);
        await sleep(backoffDelay(failures, this.o.backoff, parseRetryAfter(res.headers["retry-after"])), this.o.signal);
        continue;
      }
      if (spec.expect.includes(res.status)) return res;
      const ctx = this.errorContext(spec.method);
      throw await errorFromResponse(res, spec.what, spec.notFound ? { ...ctx, notFound: spec.notFound } : ctx);
    }
  }
}

// Package metadata ("packuments") from the registry: abbreviated (corgi) when the registry offers
// it, full JSON otherwise. Cached on disk with the ETag, revalidated with If-None-Match; offline
// mode reads the cached copy alone.
import { createHash } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { writeFileAtomic } from "../../fs/index.js";
import { rootCause } from "../../errors/index.js";
import { noProgress, type OnProgress } from "../../oci/index.js";
import { defaultCacheDir, registryFromConfig, type Env } from "./config.js";
import { NpmError } from "./errors.js";
import { get, NpmHttpError, redact, withRetries, type HttpOptions } from "./http.js";

/** One version's manifest: the fields we use, and whatever else the registry sent. */
export interface PackumentVersion {
  name: string;
  version: string;
  /** A deprecation message (any non-empty value means deprecated). */
  deprecated?: string | boolean;
  dist: { tarball: string; integrity?: string; shasum?: string; [k: string]: unknown };
  engines?: Record<string, string>;
  [k: string]: unknown;
}

export interface Packument {
  name: string;
  "dist-tags": Record<string, string>;
  versions: Record<string, PackumentVersion>;
  modified?: string;
  /** Publish times by version (plus `created`, `modified`): in full packuments only. */
  time?: Record<string, string>;
  [k: string]: unknown;
}

export interface RegistryOptions extends HttpOptions {
  /** Registry base URL; overrides the npm configuration. */
  registry?: string;
  /**
   * A mirror of the registry for paketo's own downloads: packuments come from it and tarball URLs
   * are rewritten onto it (see tarballUrl). Default: `PAKETO_NPM_MIRROR` from `env`. It applies
   * over an explicit `registry` too, so callers that resolve the registry themselves keep it.
   */
  mirror?: string;
  /** Ask for the full packument (`time`, every manifest field) instead of the abbreviated one. */
  full?: boolean;
  /** Environment to read npm configuration and the cache location from. Default process.env. */
  env?: Env;
  /** Home directory for ~/.npmrc and ~/.cache. Default os.homedir(). */
  home?: string;
  /** Default: defaultCacheDir(env, home). */
  cacheDir?: string;
  /** Never touch the network: cached copies only, and a clear error naming what is missing. */
  offline?: boolean;
  /**
   * A cached packument checked against the registry less than this long ago is used without asking
   * again (default 5 minutes, the registry's own max-age for metadata; 0 always revalidates).
   */
  maxAgeMs?: number;
  onProgress?: OnProgress;
}

export const DEFAULT_METADATA_MAX_AGE_MS = 5 * 60_000;

export const ACCEPT_ABBREVIATED = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
const ACCEPT_FULL = "application/json";

const NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/i;

/** Throws unless `name` is a package name the registry could hold. */
export function checkName(name: string): void {
  if (name.length > 214 || !NAME.test(name)) {
    throw new NpmError("NPM_NAME", `${JSON.stringify(name)} is not a valid npm package name`, {
      hint: "a name is lowercase letters, digits, '-', '.', '_', '~', optionally with an @scope/ prefix",
    });
  }
}

/** The registry base URL with one trailing slash. */
export function normaliseRegistry(url: string): string {
  return url.replace(/\/*$/, "/");
}

/** The packument URL: `<registry>/<name>`, a scoped name as `@scope%2fname`. */
export function packumentUrl(registry: string, name: string): string {
  checkName(name);
  const path = name.startsWith("@") ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name);
  return normaliseRegistry(registry) + path;
}

/** The mirror in effect: the `mirror` option, else `PAKETO_NPM_MIRROR` of `env`. */
export function mirrorOf(opts: RegistryOptions): string | undefined {
  const m = opts.mirror ?? (opts.env ?? process.env)["PAKETO_NPM_MIRROR"];
  if (!m) return undefined;
  let u: URL;
  try {
    u = new URL(m);
  } catch (e) {
    throw new NpmError("NPM_CONFIG", `npm mirror ${JSON.stringify(m)} (PAKETO_NPM_MIRROR) is not a URL`, { cause: e });
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw new NpmError("NPM_CONFIG", `npm mirror ${JSON.stringify(m)} (PAKETO_NPM_MIRROR) is not an http(s) URL`);
  return normaliseRegistry(u.toString());
}

/** The registry as configured, mirror aside: the explicit option, else the machine's npm configuration. */
export async function upstreamOf(opts: RegistryOptions): Promise<string> {
  if (opts.registry) return normaliseRegistry(opts.registry);
  return (await registryFromConfig(opts.env ?? process.env, opts.home ?? homedir())).url;
}

/** The registry to ask: the mirror when one is in effect, else the configured registry. */
export async function registryOf(opts: RegistryOptions): Promise<string> {
  return mirrorOf(opts) ?? (await upstreamOf(opts));
}

export function cacheDirOf(opts: RegistryOptions): string {
  return opts.cacheDir ?? defaultCacheDir(opts.env ?? process.env, opts.home ?? homedir());
}

/**
 * A cached packument's header, `<cacheDir>/packuments/<sha256(key)>.json`: small, so the no-change
 * path (fresh within the max age, or a 304) never reads the body. The body is the packument's
 * JSON text beside it, `<sha256(key)>.<digest>.json`, named by `digest`, the SHA-256 of that
 * text (what METADATA_CHANNEL publishes): a reader holding the header knows the answer's identity
 * without parsing 2.8 MB. The first format kept the packument inline (`packument`); it is read
 * and rewritten in this one.
 */
interface CachedHeader {
  url: string;
  etag?: string;
  /** When the registry last confirmed it (ms since the epoch). */
  checkedAt?: number;
  digest: string;
  /** Whether the packument has publish times (`time`). */
  hasTime: boolean;
}

/** A packument the cache or the registry answered with: its identity now, its content on demand. */
export interface PackumentRef {
  name: string;
  /** SHA-256 of the packument's JSON (JSON.stringify of what `load` gives). */
  digest: string;
  /** Whether `load` will give publish times (`time`). */
  hasTime: boolean;
  load(): Promise<Packument>;
}

/** Where the packument of `url` is cached: `<cacheDir>/packuments/<sha256(url)>.json` (its header). */
export function packumentCachePath(cacheDir: string, url: string): string {
  return join(cacheDir, "packuments", `${createHash("sha256").update(url).digest("hex")}.json`);
}

function bodyPath(headerPath: string, digest: string): string {
  return `${headerPath.slice(0, -".json".length)}.${digest}.json`;
}

function digestOf(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function hasTime(p: Packument): boolean {
  return typeof p.time === "object" && p.time !== null;
}

async function readCached(path: string, url: string): Promise<CachedHeader | undefined> {
  let c: Partial<CachedHeader> & { packument?: Packument };
  try {
    c = JSON.parse(await readFile(path, "utf8")) as typeof c;
  } catch {
    return undefined; // absent or unreadable: as if not cached
  }
  if (c.url !== url) return undefined;
  if (c.packument !== undefined) {
    // the first format: the packument inline; kept in this one from now on
    if (!c.packument || typeof c.packument.versions !== "object") return undefined;
    return writeCached(path, { url, ...(c.etag ? { etag: c.etag } : {}), ...(c.checkedAt !== undefined ? { checkedAt: c.checkedAt } : {}) }, c.packument).catch(() => undefined);
  }
  return typeof c.digest === "string" && /^[0-9a-f]{64}$/.test(c.digest) && typeof c.hasTime === "boolean" ? (c as CachedHeader) : undefined;
}

/** The body of a cached header; undefined when it is gone or not the text the header names. */
async function readBody(path: string, header: CachedHeader): Promise<Packument | undefined> {
  let text: string;
  try {
    text = await readFile(bodyPath(path, header.digest), "utf8");
  } catch {
    return undefined;
  }
  if (digestOf(text) !== header.digest) return undefined;
  try {
    return JSON.parse(text) as Packument;
  } catch {
    return undefined;
  }
}

/**
 * Bodies of earlier answers for the same URL, once no build can still be reading them (another
 * build may hold the header it read a moment ago; a body is read within a build's first seconds).
 */
async function removeStaleBodies(path: string, keep: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path, ".json")}.`;
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names) {
    if (!n.startsWith(prefix) || n === `${prefix}${keep}.json`) continue;
    const s = await stat(join(dir, n)).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > STALE_BODY_MS) await rm(join(dir, n), { force: true });
  }
}

const STALE_BODY_MS = 10 * 60_000;

/** Writes the body (when given) and then the header; a replaced body is removed after. */
async function writeCached(path: string, h: Omit<CachedHeader, "digest" | "hasTime">, p: Packument): Promise<CachedHeader>;
async function writeCached(path: string, h: CachedHeader): Promise<CachedHeader>;
async function writeCached(path: string, h: Omit<CachedHeader, "digest" | "hasTime"> & Partial<CachedHeader>, p?: Packument): Promise<CachedHeader> {
  await mkdir(join(path, ".."), { recursive: true });
  let header = h as CachedHeader;
  if (p !== undefined) {
    const text = JSON.stringify(p);
    header = { ...h, digest: digestOf(text), hasTime: hasTime(p) };
    await writeFileAtomic(bodyPath(path, header.digest), text);
  }
  await writeFileAtomic(path, JSON.stringify({ url: header.url, ...(header.etag ? { etag: header.etag } : {}), ...(header.checkedAt !== undefined ? { checkedAt: header.checkedAt } : {}), digest: header.digest, hasTime: header.hasTime }));
  if (p !== undefined) await removeStaleBodies(path, header.digest);
  return header;
}

function parsePackument(text: string, name: string, url: string): Packument {
  let p: unknown;
  try {
    p = JSON.parse(text);
  } catch (e) {
    throw new NpmError("NPM_METADATA", `metadata of ${name} from ${redact(url)} is not JSON: ${rootCause(e)}`, { cause: e });
  }
  const o = p as Partial<Packument> | null;
  if (!o || typeof o !== "object" || typeof o.versions !== "object" || o.versions === null) {
    throw new NpmError("NPM_METADATA", `metadata of ${name} from ${redact(url)} has no versions`);
  }
  return { ...o, name: o.name ?? name, "dist-tags": o["dist-tags"] ?? {}, versions: o.versions } as Packument;
}

/**
 * The packument of `name`: GET `<registry>/<name>` asking for abbreviated metadata (full JSON
 * when the registry does not offer it), revalidating a cached copy by ETag. With `offline`, the
 * cached copy or an NPM_OFFLINE error.
 */
export async function packument(name: string, opts: RegistryOptions = {}): Promise<Packument> {
  return (await packumentRef(name, opts)).load();
}

/**
 * As `packument`, revalidated exactly the same way (and published on METADATA_CHANNEL the same
 * way), but the content is read only when `load` is called: callers that keep an answer derived
 * from a packument (memoOnPackument) need only its digest while it is unchanged.
 */
export async function packumentRef(name: string, opts: RegistryOptions = {}): Promise<PackumentRef> {
  const registry = await registryOf(opts);
  const ref = await packumentFrom(registry, name, opts);
  if (metadataChannel.hasSubscribers) metadataChannel.publish(metadataUse(name, registry, opts, ref.digest));
  return ref;
}
/**
 * What `packument` publishes on METADATA_CHANNEL ("paketo:dependency-metadata", the name
 * buildpack-api's observe.ts subscribes to): enough to ask again with the same options
 * (`recheckPackument`), and the digest of the answer.
 */
export interface PackumentUse {
  source: "npm";
  name: string;
  registry: string;
  full: boolean;
  offline: boolean;
  /** The max age the build asked for, when not the default. */
  maxAgeMs?: number;
  digest: string;
}

export const METADATA_CHANNEL = "paketo:dependency-metadata";
const metadataChannel = diagnostics.channel(METADATA_CHANNEL);

function metadataUse(name: string, registry: string, opts: RegistryOptions, digest: string): PackumentUse {
  return {
    source: "npm",
    name,
    registry,
    full: opts.full === true,
    offline: opts.offline === true,
    ...(opts.maxAgeMs !== undefined ? { maxAgeMs: opts.maxAgeMs } : {}),
    digest,
  };
}

/**
 * Asks for a packument again as a build did (same registry, form and offline mode; the cache and
 * its max age as always) and says whether the answer is the one that build got.
 */
export async function recheckPackument(use: PackumentUse, opts: Pick<RegistryOptions, "cacheDir" | "env" | "home" | "offline">): Promise<boolean> {
  const o: RegistryOptions = {
    ...opts,
    registry: use.registry,
    mirror: "",
    full: use.full,
    offline: use.offline || opts.offline === true,
    ...(use.maxAgeMs !== undefined ? { maxAgeMs: use.maxAgeMs } : {}),
  };
  return (await packumentFrom(normaliseRegistry(use.registry), use.name, o)).digest === use.digest;
}

async function packumentFrom(registry: string, name: string, opts: RegistryOptions): Promise<PackumentRef> {
  const url = packumentUrl(registry, name);
  const key = cacheKey(url, opts);
  const path = packumentCachePath(cacheDirOf(opts), key);
  const got = await fromCacheOrRegistry(path, key, url, name, await readCached(path, key), opts);
  if (got.packument !== undefined) {
    const p = got.packument;
    return ref(name, got.header, async () => p);
  }
  return ref(name, got.header, async () => {
    const p = await readBody(path, got.header);
    if (p !== undefined) return p;
    throw new NpmError("NPM_METADATA", `the cached metadata of ${name} (${bodyPath(path, got.header.digest)}) is missing or damaged`, {
      hint: `remove ${path}; the next build fetches it again`,
    });
  });
}

function ref(name: string, header: CachedHeader, load: () => Promise<Packument>): PackumentRef {
  return { name, digest: header.digest, hasTime: header.hasTime, load };
}

/** The header answering for `url`: the cached one while fresh or confirmed (304), else a new download (with its packument). */
async function fromCacheOrRegistry(path: string, key: string, url: string, name: string, cached: CachedHeader | undefined, opts: RegistryOptions): Promise<{ header: CachedHeader; packument?: Packument }> {
  if (opts.offline) {
    if (cached) return { header: cached };
    throw new NpmError("NPM_OFFLINE", `offline: the metadata of ${name} (${redact(url)}) is not cached`, {
      hint: `run once with the network to fill the cache (${cacheDirOf(opts)})`,
    });
  }
  const maxAge = opts.maxAgeMs ?? DEFAULT_METADATA_MAX_AGE_MS;
  if (cached?.checkedAt !== undefined && Date.now() - cached.checkedAt >= 0 && Date.now() - cached.checkedAt < maxAge) return { header: cached };
  (opts.onProgress ?? noProgress)({ kind: "message", text: `metadata ${name}` });
  return withRetries(opts, async () => {
    const headers: Record<string, string> = { accept: opts.full ? ACCEPT_FULL : ACCEPT_ABBREVIATED };
    if (cached?.etag) headers["if-none-match"] = cached.etag;
    let res: Response;
    try {
      res = await get(url, opts, headers, [200, 304]);
    } catch (e) {
      // a registry that refuses the abbreviated media type: ask for the full document
      if (!(e instanceof NpmHttpError && (e.status === 406 || e.status === 415))) throw e;
      res = await get(url, opts, { accept: ACCEPT_FULL }, [200]);
    }
    if (res.status === 304 && cached) {
      await res.body?.cancel().catch(() => {});
      return { header: await writeCached(path, { ...cached, checkedAt: Date.now() }) };
    }
    if (res.status === 304) {
      throw new NpmError("NPM_HTTP", `GET ${redact(url)}: 304 without a cached copy`);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new NpmError("NPM_UNREACHABLE", `reading ${redact(url)} failed: ${rootCause(e)}`, { cause: e });
    }
    const p = parsePackument(text, name, url);
    const etag = res.headers.get("etag") ?? undefined;
    return { header: await writeCached(path, { url: key, ...(etag ? { etag } : {}), checkedAt: Date.now() }, p), packument: p };
  });
}

/** The cached packument of `name`, without any network; undefined when there is none. */
export async function cachedPackument(name: string, opts: RegistryOptions = {}): Promise<Packument | undefined> {
  const key = cacheKey(packumentUrl(await registryOf(opts), name), opts);
  const path = packumentCachePath(cacheDirOf(opts), key);
  const header = await readCached(path, key);
  return header && (await readBody(path, header));
}

/** Abbreviated and full documents are cached apart: the full one under `<url> full`. */
function cacheKey(url: string, opts: RegistryOptions): string {
  return opts.full ? `${url} full` : url;
}

/**
 * The packument of `name` with its publish times (`time`): the abbreviated document when the
 * registry puts `time` in it, else the full one (fetched and cached separately).
 */
export async function packumentWithTime(name: string, opts: RegistryOptions = {}): Promise<Packument & { time: Record<string, string> }> {
  return (await (await packumentWithTimeRef(name, opts)).load()) as Packument & { time: Record<string, string> };
}

/** packumentWithTime as a PackumentRef (`hasTime` always true). */
export async function packumentWithTimeRef(name: string, opts: RegistryOptions = {}): Promise<PackumentRef> {
  const p = await packumentRef(name, opts);
  if (p.hasTime) return p;
  const full = await packumentRef(name, { ...opts, full: true });
  if (full.hasTime) return full;
  throw new NpmError("NPM_METADATA", `metadata of ${name} has no publish times (time)`, {
    hint: "the registry serves neither abbreviated nor full packuments with a time field",
  });
}

/**
 * An answer derived from a packument (a resolved version, say), kept beside the packument cache
 * under `<cacheDir>/packuments/answers/` and keyed on the packument's digest and `query` (which
 * must name everything else `compute` depends on): while the registry's answer is unchanged, the
 * kept answer is returned and the packument is never read or parsed. `valid` may refuse a kept
 * answer (one that depends on the clock, say); a refused or unreadable one is computed again.
 * Errors are never kept. Offline or online, the packument is revalidated before (packumentRef).
 */
export async function memoOnPackument<T>(ref: PackumentRef, query: string, opts: RegistryOptions, compute: (p: Packument) => T | Promise<T>, valid: (kept: T) => boolean = () => true): Promise<T> {
  const path = join(cacheDirOf(opts), "packuments", "answers", `${digestOf(`${ANSWER_FORMAT}\0${ref.name}\0${ref.digest}\0${query}`)}.json`);
  const kept = await readFile(path, "utf8").then(
    (t) => JSON.parse(t) as { query?: string; digest?: string; answer?: T },
    () => undefined,
  );
  if (kept && kept.query === query && kept.digest === ref.digest && "answer" in kept && valid(kept.answer as T)) return kept.answer as T;
  const answer = await compute(await ref.load());
  await mkdir(join(path, ".."), { recursive: true });
  await writeFileAtomic(path, JSON.stringify({ query, digest: ref.digest, answer }));
  return answer;
}

const ANSWER_FORMAT = "paketo-packument-answer/1";

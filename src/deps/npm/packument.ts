// Package metadata ("packuments") from the registry: abbreviated (corgi) when the registry offers
// it, full JSON otherwise. Cached on disk with the ETag, revalidated with If-None-Match; offline
// mode reads the cached copy alone.
import { createHash } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import { mkdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
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

interface CachedPackument {
  url: string;
  etag?: string;
  /** When the registry last confirmed it (ms since the epoch). */
  checkedAt?: number;
  packument: Packument;
}

/** Where the packument of `url` is cached: `<cacheDir>/packuments/<sha256(url)>.json`. */
export function packumentCachePath(cacheDir: string, url: string): string {
  return join(cacheDir, "packuments", `${createHash("sha256").update(url).digest("hex")}.json`);
}

async function readCached(path: string, url: string): Promise<CachedPackument | undefined> {
  try {
    const c = JSON.parse(await readFile(path, "utf8")) as CachedPackument;
    return c.url === url && c.packument && typeof c.packument.versions === "object" ? c : undefined;
  } catch {
    return undefined; // absent or unreadable: as if not cached
  }
}

async function writeCached(path: string, c: CachedPackument): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(c));
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
  const registry = await registryOf(opts);
  const p = await packumentFrom(registry, name, opts);
  if (metadataChannel.hasSubscribers) metadataChannel.publish(metadataUse(name, registry, opts, p));
  return p;
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

function metadataUse(name: string, registry: string, opts: RegistryOptions, p: Packument): PackumentUse {
  return {
    source: "npm",
    name,
    registry,
    full: opts.full === true,
    offline: opts.offline === true,
    ...(opts.maxAgeMs !== undefined ? { maxAgeMs: opts.maxAgeMs } : {}),
    digest: createHash("sha256").update(JSON.stringify(p)).digest("hex"),
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
  const p = await packumentFrom(normaliseRegistry(use.registry), use.name, o);
  return metadataUse(use.name, use.registry, o, p).digest === use.digest;
}

async function packumentFrom(registry: string, name: string, opts: RegistryOptions): Promise<Packument> {
  const url = packumentUrl(registry, name);
  const key = cacheKey(url, opts);
  const path = packumentCachePath(cacheDirOf(opts), key);
  const cached = await readCached(path, key);
  if (opts.offline) {
    if (cached) return cached.packument;
    throw new NpmError("NPM_OFFLINE", `offline: the metadata of ${name} (${redact(url)}) is not cached`, {
      hint: `run once with the network to fill the cache (${cacheDirOf(opts)})`,
    });
  }
  const maxAge = opts.maxAgeMs ?? DEFAULT_METADATA_MAX_AGE_MS;
  if (cached?.checkedAt !== undefined && Date.now() - cached.checkedAt >= 0 && Date.now() - cached.checkedAt < maxAge) return cached.packument;
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
      await writeCached(path, { ...cached, checkedAt: Date.now() });
      return cached.packument;
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
    await writeCached(path, { url: key, ...(etag ? { etag } : {}), checkedAt: Date.now(), packument: p });
    return p;
  });
}

/** The cached packument of `name`, without any network; undefined when there is none. */
export async function cachedPackument(name: string, opts: RegistryOptions = {}): Promise<Packument | undefined> {
  const key = cacheKey(packumentUrl(await registryOf(opts), name), opts);
  return (await readCached(packumentCachePath(cacheDirOf(opts), key), key))?.packument;
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
  const p = await packument(name, opts);
  if (p.time && typeof p.time === "object") return p as Packument & { time: Record<string, string> };
  const full = await packument(name, { ...opts, full: true });
  if (full.time && typeof full.time === "object") return full as Packument & { time: Record<string, string> };
  throw new NpmError("NPM_METADATA", `metadata of ${name} has no publish times (time)`, {
    hint: "the registry serves neither abbreviated nor full packuments with a time field",
  });
}

// The Go module proxy as a verified dependency source (ARCHITECTURE.md D4): modules by exact
// version, each zip checked against the h1 hash the checksum database proves, kept in the shared
// content-addressed download cache. Configuration is the go command's (config.ts).
//
// Cache (`<cacheDir>` = `$PAKETO_CACHE/go`):
//   sha256/<hex>                       module zips, by the SHA-256 of their bytes (../content-cache.ts)
//   zips/<module>@<version>.json       { sha256, size, h1 }: which cached zip is that module version
//   sumdb/<name>/{lookup,tile}/...     checksum database answers and tiles, verified on every read
//   meta/<key>.json                    version lists and .info answers, with the time they were fetched
import { createHash } from "node:crypto";
import { mkdir, readFile, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { rootCause } from "../../errors/index.js";
import { writeFileAtomic } from "../../fs/index.js";
import { cacheLayout, paketoCacheRoot } from "../cache-layout.js";
import { ContentCache } from "../content-cache.js";
import { hasTransientCause, redact, retrying } from "../http.js";
import {
  completeGoSumdb,
  insecureFlag,
  matchPrefixPatterns,
  noProxyPatterns,
  noSumdbPatterns,
  parseGoProxy,
  parseGoSumdb,
  readGoConfig,
  type Env,
  type GoConfig,
  type SumdbConfig,
} from "./config.js";
import { GoProxyError } from "./errors.js";
import { escapePath, GoProxyHttpError, isNotFound, listPath, ProxyClient, versionPath, type HttpOptions } from "./proxy.js";
import { SumdbClient } from "./sumdb.js";
import { extractModuleZip, type ExtractZipOptions } from "./zip.js";

/** `$PAKETO_CACHE/go`, else `${XDG_CACHE_HOME:-~/.cache}/paketo/go`. */
export function defaultCacheDir(env: Env, home: string = homedir()): string {
  return cacheLayout(paketoCacheRoot(env, home)).go;
}

export interface GoSourceOptions {
  /** Where GOPROXY, GOSUMDB, GONOSUMDB, GOPRIVATE, GOFLAGS and PAKETO_CACHE are read. */
  env: Env;
  home?: string;
  /** Default: defaultCacheDir(env). */
  cacheDir?: string;
  /** Cache only; what is missing is GOPROXY_OFFLINE. */
  offline?: boolean;
  http?: HttpOptions;
  /** How long a version list or a "not found" stays fresh. Default 5 minutes; 0 always asks. */
  maxAgeMs?: number;
  /** Warnings (a module the checksum database is not asked about). */
  warn?: (message: string) => void;
  /** Already read (readGoConfig); default: read from `env`. */
  config?: GoConfig;
}

/** How a module version's hashes were established. */
export type Verification = { by: "sumdb"; name: string } | { by: "none"; reason: string };

export interface InstalledModule {
  h1: string;
  verification: Verification;
  /** False when the zip came from the download cache. */
  downloaded: boolean;
  /** Bytes of the zip, and their SHA-256 (hex). */
  size: number;
  sha256: string;
  files: number;
  bytes: number;
}

export interface VersionInfo {
  Version: string;
  Time?: string;
}

interface ZipIndex {
  sha256: string;
  size: number;
  h1: string;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch {
    return undefined;
  }
}

export class GoModuleSource {
  readonly cacheDir: string;
  readonly proxy: ProxyClient;
  private readonly sumdb: SumdbClient | undefined;
  private readonly sumdbOff: string | undefined;
  private readonly noSumdb: string | undefined;
  private readonly noProxy: string | undefined;
  private readonly cache: ContentCache;
  private readonly maxAgeMs: number;

  private constructor(
    readonly config: GoConfig,
    private readonly o: GoSourceOptions,
  ) {
    this.cacheDir = o.cacheDir ?? defaultCacheDir(o.env, o.home);
    this.cache = new ContentCache(this.cacheDir);
    this.maxAgeMs = o.maxAgeMs ?? 5 * 60_000;
    const goproxy = config.values.GOPROXY;
    if (!goproxy) {
      throw new GoProxyError("GOPROXY_CONFIG", "no Go module proxy configured: GOPROXY is not set and no Go installation's configuration names one", {
        hint: "set GOPROXY (go env -w GOPROXY=... on the machine that runs paketo, or --env GOPROXY=...)",
      });
    }
    this.proxy = new ProxyClient(parseGoProxy(goproxy, `GOPROXY (${config.sources.GOPROXY})`), o.http ?? {});
    this.noSumdb = noSumdbPatterns(config.values);
    this.noProxy = noProxyPatterns(config.values);
    const db: SumdbConfig | "off" | undefined = parseGoSumdb(config.values.GOSUMDB);
    if (insecureFlag(config.values.GOFLAGS)) this.sumdbOff = "GOFLAGS has -insecure";
    else if (db === "off") this.sumdbOff = "GOSUMDB=off";
    else if (db === undefined) this.sumdbOff = "GOSUMDB is not set";
    if (db !== undefined && db !== "off" && !this.sumdbOff) {
      this.sumdb = new SumdbClient({ db, proxy: this.proxy, cacheDir: this.cacheDir, offline: o.offline ?? false });
    }
  }

  /** A source configured as the go command would be, from `o.env` (and the files it names). */
  static async open(o: GoSourceOptions): Promise<GoModuleSource> {
    const config = o.config ?? (await readGoConfig(o.env, o.home ? { home: o.home } : {}));
    const sumdb = await completeGoSumdb(config.values.GOSUMDB, config.goroot);
    const values = sumdb === undefined ? config.values : { ...config.values, GOSUMDB: sumdb };
    return new GoModuleSource({ ...config, values }, o);
  }

  get offline(): boolean {
    return this.o.offline ?? false;
  }

  private metaPath(kind: string, path: string): string {
    const key = createHash("sha256").update(`${this.proxy.proxies.join(",")}\n${path}`).digest("hex").slice(0, 32);
    return join(this.cacheDir, "meta", `${kind}-${key}.json`);
  }

  private checkProxied(module: string): void {
    if (matchPrefixPatterns(this.noProxy, module)) {
      throw new GoProxyError("GOPROXY_CONFIG", `${module} matches GONOPROXY/GOPRIVATE (${this.noProxy}): the go command would fetch it from version control, which paketo's Go source does not do`, {
        hint: "leave it out of GOPRIVATE/GONOPROXY, or serve it from a proxy",
      });
    }
  }

  /**
   * The versions the proxies list for `module` (`@v/list`; unordered, possibly with gaps: ask
   * `info` for an exact version). Kept for maxAgeMs; offline, any cached list.
   */
  async list(module: string): Promise<string[]> {
    this.checkProxied(module);
    const path = listPath(module);
    const file = this.metaPath("list", path);
    const cached = await readJson<{ fetched: number; versions: string[] }>(file);
    if (cached && (this.offline || Date.now() - cached.fetched < this.maxAgeMs)) return cached.versions;
    if (this.offline) throw new GoProxyError("GOPROXY_OFFLINE", `offline: the version list of ${module} is not cached`, { hint: "run once with the network" });
    let versions: string[];
    try {
      versions = (await this.proxy.text(path)).text.split("\n").map((l) => l.trim().split(/\s+/)[0] ?? "").filter(Boolean);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      versions = [];
    }
    await writeFileAtomic(file, JSON.stringify({ fetched: Date.now(), versions }));
    return versions;
  }

  /**
   * `module@version`'s `.info`, or undefined when no proxy has it. A found version is kept for
   * good (published versions never change); "not found" for maxAgeMs.
   */
  async info(module: string, version: string): Promise<VersionInfo | undefined> {
    this.checkProxied(module);
    const path = versionPath(module, version, "info");
    const file = this.metaPath("info", path);
    const cached = await readJson<{ fetched: number; info: VersionInfo | null }>(file);
    if (cached && (cached.info || this.offline || Date.now() - cached.fetched < this.maxAgeMs)) return cached.info ?? undefined;
    if (this.offline) throw new GoProxyError("GOPROXY_OFFLINE", `offline: whether ${module}@${version} exists is not cached`, { hint: "run once with the network" });
    let info: VersionInfo | null;
    try {
      const parsed = JSON.parse((await this.proxy.text(path)).text) as VersionInfo;
      if (typeof parsed.Version !== "string") throw new Error("no Version");
      info = parsed;
    } catch (e) {
      // 403: some proxies refuse versions they do not serve ("not available") instead of a 404
      if (isNotFound(e) || (e instanceof GoProxyHttpError && e.status === 403)) info = null;
      else if (e instanceof GoProxyError) throw e;
      else throw new GoProxyError("GOPROXY_HTTP", `${module}@${version}: the proxy's .info is not valid JSON: ${rootCause(e)}`, { cause: e });
    }
    await writeFileAtomic(file, JSON.stringify({ fetched: Date.now(), info }));
    return info ?? undefined;
  }

  /** How `module@version` would be verified: by the checksum database, or not (and why). */
  verificationOf(module: string): Verification {
    if (this.sumdbOff) return { by: "none", reason: this.sumdbOff };
    if (matchPrefixPatterns(this.noSumdb, module)) return { by: "none", reason: `${module} matches GONOSUMDB/GOPRIVATE (${this.noSumdb})` };
    return { by: "sumdb", name: this.sumdb!.name };
  }

  /** The h1 the zip must have: from the checksum database, or undefined when it is not asked. */
  async expectedHash(module: string, version: string): Promise<{ h1: string | undefined; verification: Verification }> {
    const verification = this.verificationOf(module);
    if (verification.by === "none") return { h1: undefined, verification };
    return { h1: (await this.sumdb!.lookup(module, version)).zip, verification };
  }

  private indexPath(module: string, version: string): string {
    return join(this.cacheDir, "zips", `${escapePath(module)}@${escapePath(version, "version")}.json`);
  }

  /**
   * Unpacks `module@version` into `dest` (emptied first; removed on failure), verified against the
   * checksum database's h1 while it unpacks. From the download cache when it is there (a cached zip
   * that no longer verifies is removed and downloaded once more), else from the first proxy that
   * has it. Without a checksum database for the module (GOSUMDB=off, GONOSUMDB, GOFLAGS=-insecure),
   * a cached zip must match the h1 recorded when it was first downloaded.
   */
  async install(module: string, version: string, dest: string, x: Pick<ExtractZipOptions, "filter" | "exec"> = {}): Promise<InstalledModule> {
    this.checkProxied(module);
    const { h1: expected, verification } = await this.expectedHash(module, version);
    if (verification.by === "none") this.o.warn?.(`${module}@${version} is not checked against a checksum database: ${verification.reason}`);
    const what = `${module}@${version}`;
    const indexFile = this.indexPath(module, version);
    const reset = async () => {
      await rm(dest, { recursive: true, force: true });
      await mkdir(dest, { recursive: true });
    };
    const index = await readJson<ZipIndex>(indexFile);
    if (index && (await this.cache.has(index)) && (expected === undefined || expected === index.h1)) {
      await reset();
      try {
        const r = await extractModuleZip(this.cache.path(index.sha256), dest, { module, version, h1: expected ?? index.h1, what: `the cached ${what}`, ...x });
        return { h1: r.h1, verification, downloaded: false, size: index.size, sha256: index.sha256, files: r.files, bytes: r.bytes };
      } catch (e) {
        if (!(e instanceof GoProxyError) || (e.code !== "GOPROXY_CHECKSUM" && e.code !== "GOPROXY_ZIP")) {
          await rm(dest, { recursive: true, force: true });
          throw e;
        }
        await rm(this.cache.path(index.sha256), { force: true });
        await rm(indexFile, { force: true });
        if (this.offline) {
          await rm(dest, { recursive: true, force: true });
          throw new GoProxyError("GOPROXY_OFFLINE", `offline: the cached zip of ${what} was damaged (removed) and cannot be downloaded again`, { hint: "run once with the network", cause: e });
        }
      }
    }
    if (this.offline) {
      throw new GoProxyError("GOPROXY_OFFLINE", `offline: ${what} is not in the download cache (${this.cacheDir})`, { hint: "run once with the network to fill the cache" });
    }
    const path = versionPath(module, version, "zip");
    try {
      return await retrying(this.proxy.http, (e) => !(e instanceof GoProxyError) && hasTransientCause(e), async () => {
        const { res, url } = await this.proxy.get(path);
        if (!res.body) throw new GoProxyError("GOPROXY_HTTP", `GET ${redact(url)}: empty body`);
        const staged = await this.cache.stage(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>));
        try {
          await reset();
          const r = await extractModuleZip(staged.path, dest, { module, version, ...(expected ? { h1: expected } : {}), what: `${what} from ${redact(url)}`, ...x });
          await staged.commit();
          await writeFileAtomic(indexFile, JSON.stringify({ sha256: staged.sha256, size: staged.size, h1: r.h1 } satisfies ZipIndex));
          return { h1: r.h1, verification, downloaded: true, size: staged.size, sha256: staged.sha256, files: r.files, bytes: r.bytes };
        } finally {
          await staged.discard();
        }
      });
    } catch (e) {
      await rm(dest, { recursive: true, force: true });
      throw e;
    }
  }

  /** Is a zip of `module@version` in the download cache? (No request.) */
  async cached(module: string, version: string): Promise<boolean> {
    const index = await readJson<ZipIndex>(this.indexPath(module, version));
    return index !== undefined && (await stat(this.cache.path(index.sha256)).then((s) => s.size === index.size, () => false));
  }
}

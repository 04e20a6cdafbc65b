// A Python package index as a verified dependency source: project pages (cached with their ETag,
// revalidated after maxAgeMs), files chosen by version and platform, downloaded into the shared
// content-addressed cache only when their SHA-256 matches the index's; offline, the cache alone.
import { createHash } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import { createReadStream } from "node:fs";
import { mkdir, readFile, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { rootCause } from "../../errors/index.js";
import { writeFileAtomic } from "../../fs/index.js";
import { ContentCache } from "../content-cache.js";
import { fetchWithTimeout, hasTransientCause, isTransientStatus, redact, retrying, type FetchFn } from "../http.js";
import { defaultCacheDir, readPipConfig, type Env, type IndexConfig } from "./config.js";
import { PypiError } from "./errors.js";
import { ACCEPT, compareReleases, matchesVersion, normaliseName, parseProjectPage, parseWheelName, releaseOf, type ProjectFile, type ProjectPage } from "./simple.js";

export interface PypiSourceOptions {
  /** Where PIP_INDEX_URL, pip's config files and PAKETO_CACHE are read. */
  env: Env;
  home?: string;
  /** Overrides pip's configuration. */
  index?: IndexConfig;
  /** Default: defaultCacheDir(env). */
  cacheDir?: string;
  offline?: boolean;
  fetch?: FetchFn;
  /** A project page checked this recently is used without asking the index (default 5 minutes). */
  maxAgeMs?: number;
  retries?: number;
  retryDelayMs?: number;
}

/** What a file must suit: the wheel tags a Python accepts, by preference (see `wheelRank`). */
export interface FileQuery {
  /** A version spec (see matchesVersion); default: the newest release. */
  spec?: string;
  /** Where the spec came from, for messages (`BP_PIP_VERSION`). */
  where?: string;
  /** Wheel platform tags accepted, best first (`manylinux_2_17_x86_64`, `any`). Default `any`. */
  platforms?: readonly string[];
  /** Accept sdists (never chosen over a wheel). Default false. */
  sdist?: boolean;
}

export interface DownloadedFile {
  file: ProjectFile;
  /** The verified file in the content cache. */
  path: string;
  downloaded: boolean;
}

interface CachedPage {
  url: string;
  etag?: string;
  checkedAt: number;
  page: ProjectPage;
}

const DEFAULT_MAX_AGE_MS = 5 * 60_000;
const metadataChannel = diagnostics.channel("paketo:dependency-metadata");

class IndexHttpError extends PypiError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(status === 404 ? "PYPI_NOT_FOUND" : "PYPI_HTTP", message, {
      hint: status === 404 ? "is the project name right, and does the configured index have it?" : status === 401 || status === 403 ? "the index refused access: does it need credentials?" : "the index failed; try again later",
    });
  }
}

function transient(e: unknown): boolean {
  if (e instanceof IndexHttpError) return isTransientStatus(e.status);
  if (e instanceof PypiError && e.code !== "PYPI_UNREACHABLE") return false;
  return hasTransientCause(e);
}

export class PypiSource {
  readonly cache: ContentCache;
  private constructor(
    readonly index: IndexConfig,
    readonly cacheDir: string,
    private readonly o: PypiSourceOptions,
  ) {
    this.cache = new ContentCache(cacheDir);
  }

  /** The index from pip's configuration (PIP_INDEX_URL, pip.conf); PYPI_CONFIG when none. */
  static async open(o: PypiSourceOptions): Promise<PypiSource> {
    const index = o.index ?? (await readPipConfig(o.env, o.home !== undefined ? { home: o.home } : {}));
    return new PypiSource(index, o.cacheDir ?? defaultCacheDir(o.env, o.home ?? homedir()), o);
  }

  private get(url: string, headers: Record<string, string>, ok: number[]): Promise<Response> {
    return retrying(this.o, transient, async () => {
      if (url.startsWith("file:")) return fileResponse(url);
      let res: Response;
      try {
        res = await fetchWithTimeout(this.o.fetch ?? fetch, url, { headers });
      } catch (e) {
        throw new PypiError("PYPI_UNREACHABLE", `cannot reach ${redact(url)}: ${rootCause(e)}`, { hint: "check the network and the index in pip's configuration (pip config list)", cause: e });
      }
      if (!ok.includes(res.status)) {
        await res.body?.cancel().catch(() => {});
        throw new IndexHttpError(res.status, `GET ${redact(url)}: ${res.status} ${res.statusText}`.trim());
      }
      return res;
    });
  }

  /** The project page of `name` from the index (then each extra index, merged as pip does). */
  async project(name: string): Promise<ProjectPage> {
    const n = normaliseName(name);
    const files: ProjectFile[] = [];
    let found = false;
    let lastMissing: unknown;
    for (const base of [this.index.indexUrl, ...this.index.extraIndexUrls]) {
      try {
        files.push(...(await this.pageFrom(base, n)).files);
        found = true;
      } catch (e) {
        if (!(e instanceof PypiError && e.code === "PYPI_NOT_FOUND")) throw e;
        lastMissing = e;
      }
    }
    if (!found) throw lastMissing as Error;
    return { name: n, files };
  }

  /** pageFromCache, published on the dependency-metadata channel as `{ source: "pypi", url, digest }` (as deps/npm does). */
  private async pageFrom(base: string, name: string): Promise<ProjectPage> {
    const page = await this.pageFromCache(base, name);
    if (metadataChannel.hasSubscribers) metadataChannel.publish({ source: "pypi", url: redact(`${base}${name}/`), digest: createHash("sha256").update(JSON.stringify(page)).digest("hex") });
    return page;
  }

  private async pageFromCache(base: string, name: string): Promise<ProjectPage> {
    const url = `${base}${name}/`;
    const file = join(this.cacheDir, "pages", `${createHash("sha256").update(url).digest("hex")}.json`);
    const cached = await readJson<CachedPage>(file);
    const fresh = cached && cached.url === url ? cached : undefined;
    if (this.o.offline) {
      if (fresh) return fresh.page;
      throw new PypiError("PYPI_OFFLINE", `the index page of ${name} is not cached and the network may not be used`, { hint: "build once with the network to fill the cache" });
    }
    if (fresh && Date.now() - fresh.checkedAt < (this.o.maxAgeMs ?? DEFAULT_MAX_AGE_MS)) return fresh.page;
    const headers: Record<string, string> = { accept: ACCEPT };
    if (fresh?.etag) headers["if-none-match"] = fresh.etag;
    const res = await this.get(url, headers, [200, 304]);
    let page: ProjectPage;
    if (res.status === 304 && fresh) {
      page = fresh.page;
    } else {
      page = parseProjectPage(name, await res.text(), res.headers.get("content-type") ?? "text/html", res.url || url);
    }
    const etag = res.headers.get("etag") ?? undefined;
    await mkdir(join(this.cacheDir, "pages"), { recursive: true });
    await writeFileAtomic(file, JSON.stringify({ url, ...(etag ? { etag } : {}), checkedAt: Date.now(), page } satisfies CachedPage));
    return page;
  }

  /**
   * The file of `name` to install: the newest release matching the spec that has a file for the
   * platform (the best-ranked platform tag), yanked files never. PYPI_NO_VERSION lists the
   * releases there are.
   */
  async findFile(name: string, q: FileQuery = {}): Promise<ProjectFile> {
    const page = await this.project(name);
    const platforms = q.platforms ?? ["any"];
    const rank = (f: ProjectFile): number => {
      if (f.kind === "sdist") return q.sdist ? platforms.length : -1;
      const w = parseWheelName(f.filename)!;
      if (!w.python.some((p) => p === "py3" || p.startsWith("cp3") || p === "py2.py3")) return -1;
      const ranks = w.platform.map((p) => platforms.indexOf(p)).filter((i) => i >= 0);
      return ranks.length ? Math.min(...ranks) : -1;
    };
    const usable = page.files.filter((f) => !f.yanked && releaseOf(f.version) && matchesVersion(f.version, q.spec) && rank(f) >= 0);
    usable.sort((a, b) => compareReleases(releaseOf(b.version)!, releaseOf(a.version)!) || rank(a) - rank(b) || a.filename.localeCompare(b.filename));
    const best = usable[0];
    if (best) return best;
    const releases = [...new Set(page.files.filter((f) => !f.yanked && releaseOf(f.version)).map((f) => f.version))].sort((a, b) => compareReleases(releaseOf(b)!, releaseOf(a)!));
    throw new PypiError("PYPI_NO_VERSION", `no file of ${page.name}${q.spec ? ` matching ${JSON.stringify(q.spec)}` : ""}${q.where ? ` (${q.where})` : ""} for ${platforms.join(", ")}`, {
      hint: releases.length ? `releases on the index: ${releases.slice(0, 15).join(", ")}${releases.length > 15 ? ", ..." : ""}` : "the index lists no releases of it",
    });
  }

  /**
   * The file, verified: from the content cache when present (hashed again, as the cache is
   * shared), else downloaded and put there only if its SHA-256 is the index's.
   */
  async download(file: ProjectFile): Promise<DownloadedFile> {
    const cached = this.cache.path(file.sha256);
    if (await stat(cached).then((s) => s.isFile(), () => false)) {
      if ((await sha256File(cached)) === file.sha256) return { file, path: cached, downloaded: false };
    }
    if (this.o.offline) throw new PypiError("PYPI_OFFLINE", `${file.filename} is not cached and the network may not be used`, { hint: "build once with the network to fill the cache" });
    const path = await retrying(this.o, transient, async () => {
      const res = await this.get(file.url, {}, [200]);
      if (!res.body) throw new PypiError("PYPI_HTTP", `GET ${redact(file.url)}: no body`);
      const staged = await this.cache.stage(Readable.fromWeb(res.body as never));
      if (staged.sha256 !== file.sha256 || (file.size !== undefined && staged.size !== file.size)) {
        await staged.discard();
        throw new PypiError("PYPI_INTEGRITY", `${file.filename} from ${redact(file.url)} has sha256 ${staged.sha256}, the index says ${file.sha256}`, {
          hint: "the index or something between it and this machine changed the file; nothing was kept",
        });
      }
      return staged.commit();
    });
    return { file, path, downloaded: true };
  }
}

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest("hex");
}

async function fileResponse(url: string): Promise<Response> {
  const p = fileURLToPath(url);
  const st = await stat(p).catch(() => undefined);
  const path = st?.isDirectory() ? join(p, "index.html") : p;
  const body = await readFile(path).catch(() => undefined);
  if (!body) throw new IndexHttpError(404, `${url}: no such file`);
  return new Response(body, { status: 200, headers: { "content-type": path.endsWith(".json") ? "application/json" : path.endsWith(".html") ? "text/html" : "application/octet-stream" } });
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

// Maven repository artifacts as a verified dependency source (ARCHITECTURE.md D4): an artifact by
// group:artifact:version[:classifier][@type], its bytes checked against the repository's own
// `.sha512` (else `.sha1`, as Maven checks them) while they stream into the shared
// content-addressed download cache; version lists from `maven-metadata.xml`. Offline mode uses
// the cache alone. The repository is Maven's configured one (config.ts).
//
// Cache (`<cacheDir>` = `$PAKETO_CACHE/maven`):
//   sha256/<hex>                           artifacts, by the SHA-256 of their bytes (../content-cache.ts)
//   artifacts/<repository path>.json       { sha256, size, algorithm, checksum }: which cached file is that artifact
//   meta/<group>/<artifact>.json           versions from maven-metadata.xml, with the time they were fetched
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { XMLParser } from "fast-xml-parser";
import { writeFileAtomic } from "../../fs/index.js";
import { cacheLayout, paketoCacheRoot } from "../cache-layout.js";
import { ContentCache } from "../content-cache.js";
import { type FetchFn, fetchWithTimeout, hasTransientCause, isTransientStatus, redact, retrying } from "../http.js";
import { type Env, type MavenRepository, repositoryFromConfig } from "./config.js";
import { MavenRepoError } from "./errors.js";

/** `$PAKETO_CACHE/maven`, else `${XDG_CACHE_HOME:-~/.cache}/paketo/maven`. */
export function defaultCacheDir(env: Env, home: string = homedir()): string {
  return cacheLayout(paketoCacheRoot(env, home)).maven;
}

export interface Coordinates {
  group: string;
  artifact: string;
  version: string;
  classifier?: string;
  /** The file extension: `jar` (default), `tar.gz`, `zip`, `pom`. */
  type: string;
}

const PART = /^[A-Za-z0-9_.-]+$/;

/** `group:artifact:version[:classifier][@type]`, e.g. `org.apache.maven:apache-maven:3.9.16:bin@tar.gz`. */
export function parseCoordinates(text: string): Coordinates {
  const [gav, type = "jar", ...rest] = text.split("@");
  const parts = (gav ?? "").split(":");
  const [group, artifact, version, classifier] = parts;
  if (rest.length || parts.length < 3 || parts.length > 4 || !group || !artifact || !version || ![group, artifact, version, classifier ?? "x", type].every((p) => PART.test(p)) || version.includes("..")) {
    throw new MavenRepoError("MAVEN_COORDINATES", `${JSON.stringify(text)} is not group:artifact:version[:classifier][@type]`);
  }
  return { group, artifact, version, type, ...(classifier ? { classifier } : {}) };
}

export function formatCoordinates(c: Coordinates): string {
  return `${c.group}:${c.artifact}:${c.version}${c.classifier ? `:${c.classifier}` : ""}${c.type === "jar" ? "" : `@${c.type}`}`;
}

/** The artifact's path in a repository: `org/apache/maven/apache-maven/3.9.16/apache-maven-3.9.16-bin.tar.gz`. */
export function artifactPath(c: Coordinates): string {
  return `${c.group.replace(/\./g, "/")}/${c.artifact}/${c.version}/${c.artifact}-${c.version}${c.classifier ? `-${c.classifier}` : ""}.${c.type}`;
}

export interface MavenSourceOptions {
  env: Env;
  home?: string;
  cacheDir?: string;
  offline?: boolean;
  /** Default: repositoryFromConfig(env). */
  repository?: MavenRepository;
  /** settings.xml files read before the user's and the global one. */
  settings?: readonly string[];
  fetch?: FetchFn;
  retries?: number;
  retryDelayMs?: number;
  /** How long a version list stays fresh (default 5 minutes). */
  maxAgeMs?: number;
}

export interface FetchedArtifact {
  coordinates: Coordinates;
  /** The verified file in the content cache (read it, never write it). */
  path: string;
  sha256: string;
  size: number;
  /** The repository checksum it was checked against. */
  algorithm: "sha512" | "sha1";
  checksum: string;
  /** False when it came from the download cache. */
  downloaded: boolean;
  /** Where it came from (credentials redacted). */
  url: string;
}

interface IndexEntry {
  sha256: string;
  size: number;
  algorithm: "sha512" | "sha1";
  checksum: string;
}

const metaParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, isArray: (n) => n === "version" });

export class MavenSource {
  readonly cache: ContentCache;
  private constructor(
    private readonly repo: MavenRepository | undefined,
    private readonly opts: MavenSourceOptions,
    readonly cacheDir: string,
  ) {
    this.cache = new ContentCache(cacheDir);
  }

  /** Offline with no repository configured is fine: the cache alone answers. */
  static async open(opts: MavenSourceOptions): Promise<MavenSource> {
    const cacheDir = opts.cacheDir ?? defaultCacheDir(opts.env, opts.home);
    let repo = opts.repository;
    if (!repo) {
      try {
        repo = await repositoryFromConfig(opts.env, { ...(opts.home ? { home: opts.home } : {}), ...(opts.settings ? { settings: opts.settings } : {}) });
      } catch (e) {
        if (!opts.offline) throw e;
      }
    }
    return new MavenSource(repo, opts, cacheDir);
  }

  /** The repository's base URL, credentials left out. */
  get repository(): MavenRepository | undefined {
    return this.repo;
  }

  /** The published versions of group:artifact, oldest first, as maven-metadata.xml lists them. */
  async versions(group: string, artifact: string): Promise<string[]> {
    const c = parseCoordinates(`${group}:${artifact}:0`);
    const file = join(this.cacheDir, "meta", c.group, `${c.artifact}.json`);
    const saved = await readFile(file, "utf8").then((t) => JSON.parse(t) as { at: number; versions: string[] }, () => undefined);
    const maxAge = this.opts.maxAgeMs ?? 5 * 60_000;
    if (saved && (this.opts.offline || Date.now() - saved.at < maxAge)) return saved.versions;
    if (this.opts.offline) throw new MavenRepoError("MAVEN_OFFLINE", `the versions of ${group}:${artifact} are not cached and the network may not be used`, { hint: "build once with the network, or name an exact version" });
    const body = await this.get(`${c.group.replace(/\./g, "/")}/${c.artifact}/maven-metadata.xml`, `${group}:${artifact}`);
    const text = Buffer.from(await body.arrayBuffer()).toString("utf8");
    const doc = metaParser.parse(text) as { metadata?: { versioning?: { versions?: { version?: unknown[] } } } };
    const versions = (doc.metadata?.versioning?.versions?.version ?? []).map(String);
    await writeFileAtomic(file, JSON.stringify({ at: Date.now(), versions }));
    return versions;
  }

  /** The artifact, verified, from the cache or the repository. */
  async fetch(c: Coordinates): Promise<FetchedArtifact> {
    const path = artifactPath(c);
    const indexFile = join(this.cacheDir, "artifacts", `${path}.json`);
    const known = await readFile(indexFile, "utf8").then((t) => JSON.parse(t) as IndexEntry, () => undefined);
    const url = this.repo ? redact(`${this.repo.url}/${path}`) : path;
    if (known && (await this.cache.has(known))) return { coordinates: c, path: this.cache.path(known.sha256), ...known, downloaded: false, url };
    if (this.opts.offline || !this.repo) {
      throw new MavenRepoError("MAVEN_OFFLINE", `${formatCoordinates(c)} is not in the download cache and the network may not be used`, { hint: "build once with the network" });
    }
    const what = formatCoordinates(c);
    let algorithm: "sha512" | "sha1" = "sha512";
    let expected = await this.checksum(path, "sha512", what);
    if (expected === undefined) {
      algorithm = "sha1";
      expected = await this.checksum(path, "sha1", what);
    }
    if (expected === undefined) {
      // No checksum: a missing artifact is MAVEN_NOT_FOUND (thrown by get), a present one unverifiable.
      await (await this.get(path, what)).body?.cancel();
      throw new MavenRepoError("MAVEN_CHECKSUM", `${url} has neither a .sha512 nor a .sha1 checksum: its bytes cannot be verified`, { hint: "use a repository that publishes checksums" });
    }
    const want = expected;
    const entry = await retrying(this.retryOpts(), (e) => hasTransientCause(e) || (e instanceof MavenRepoError && e.code === "MAVEN_UNREACHABLE"), async () => {
      const res = await this.get(path, what);
      const h = createHash(algorithm);
      const hashing = new Transform({
        transform(chunk: Buffer, _e, cb) {
          h.update(chunk);
          cb(null, chunk);
        },
      });
      const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>).pipe(hashing);
      const staged = await this.cache.stage(body);
      const got = h.digest("hex");
      if (got !== want) {
        await staged.discard();
        throw new MavenRepoError("MAVEN_CHECKSUM", `${url}: ${algorithm} ${got} does not match the repository's ${algorithm} ${want}`, { hint: "the download was corrupted or the repository is inconsistent; nothing was cached" });
      }
      await staged.commit();
      return { sha256: staged.sha256, size: staged.size, algorithm, checksum: want } satisfies IndexEntry;
    });
    await writeFileAtomic(indexFile, JSON.stringify(entry));
    return { coordinates: c, path: this.cache.path(entry.sha256), ...entry, downloaded: true, url };
  }

  private retryOpts() {
    return { ...(this.opts.retries !== undefined ? { retries: this.opts.retries } : {}), ...(this.opts.retryDelayMs !== undefined ? { retryDelayMs: this.opts.retryDelayMs } : {}) };
  }

  /** The first hex word of `<path>.<algorithm>`, or undefined when the repository has none. */
  private async checksum(path: string, algorithm: "sha512" | "sha1", what: string): Promise<string | undefined> {
    try {
      const res = await this.get(`${path}.${algorithm}`, `${what} (.${algorithm})`);
      const text = (await res.text()).trim().split(/\s+/)[0]?.toLowerCase() ?? "";
      const len = algorithm === "sha512" ? 128 : 40;
      if (!new RegExp(`^[0-9a-f]{${len}}$`).test(text)) throw new MavenRepoError("MAVEN_CHECKSUM", `${redact(`${this.repo!.url}/${path}.${algorithm}`)} is not a ${algorithm} checksum`);
      return text;
    } catch (e) {
      if (e instanceof MavenRepoError && e.code === "MAVEN_NOT_FOUND") return undefined;
      throw e;
    }
  }

  /** GET `<repository>/<path>`: the response with an ok status, or one error. */
  private async get(path: string, what: string): Promise<Response> {
    const repo = this.repo!;
    const url = `${repo.url}/${path}`;
    const headers: Record<string, string> = {};
    if (repo.username !== undefined) headers["authorization"] = `Basic ${Buffer.from(`${repo.username}:${repo.password ?? ""}`).toString("base64")}`;
    const fetchFn = this.opts.fetch ?? (fetch as unknown as FetchFn);
    return retrying(this.retryOpts(), (e) => hasTransientCause(e) || (e instanceof MavenRepoError && e.code === "MAVEN_HTTP" && (e as MavenRepoError & { transient?: boolean }).transient === true), async () => {
      let res: Response;
      try {
        res = await fetchWithTimeout(fetchFn, url, { headers });
      } catch (e) {
        if (hasTransientCause(e)) throw e;
        throw new MavenRepoError("MAVEN_UNREACHABLE", `cannot reach the Maven repository for ${what}: ${redact(url)}: ${(e as Error).message}`, { cause: e, hint: `the repository is ${repo.from}` });
      }
      if (res.ok) return res;
      await res.body?.cancel();
      if (res.status === 404 || res.status === 410) throw new MavenRepoError("MAVEN_NOT_FOUND", `${what} is not in the Maven repository (${res.status} from ${redact(url)})`, { hint: `the repository is ${repo.from}` });
      const err = new MavenRepoError("MAVEN_HTTP", `the Maven repository answered ${res.status} for ${redact(url)}`, { hint: `the repository is ${repo.from}` });
      (err as MavenRepoError & { transient?: boolean }).transient = isTransientStatus(res.status);
      throw err;
    });
  }
}

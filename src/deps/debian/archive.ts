// Loading the archive index: signed Release per suite, then the Packages index of each component,
// checked against the Release hashes, cached by hash, parsed streaming into one PackageIndex.
import { createHash } from "node:crypto";
import diagnostics from "node:diagnostics_channel";
import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { OnProgress } from "../../oci/index.js";
import { writeFileAtomic } from "../../fs/index.js";
import { DepsError } from "../errors.js";
import { ContentCache } from "./cache.js";
import { decompress, systemDecompressors, type Compression, type Decompressors } from "./decompress.js";
import { fetchToCache } from "./download.js";
import { getBytes, getIfChanged, HttpStatusError, redact, type HttpOptions } from "./http.js";
import { PackageIndex } from "./package-index.js";
import { splitStanzas } from "./packages.js";
import { checkFreshness, checkSuite, parseRelease, type Release, type ReleaseFileEntry } from "./release.js";
import { clearsignedTextUnverified, gpgvVerifier, type SignatureVerifier } from "./signature.js";
import { baseUrlFor, type Mirrors } from "./sources.js";

export interface Logger {
  warn(message: string): void;
  info?(message: string): void;
}

export interface ArchiveOptions {
  /** e.g. ["trixie", "trixie-updates", "trixie-security"]; merged, the highest version wins. */
  suites: readonly string[];
  architecture: string;
  /** Default ["main"]. */
  components?: readonly string[];
  mirrors: Mirrors;
  cacheDir: string;
  http: HttpOptions;
  /** Default: gpgv with the Debian archive keyring, when both exist here. */
  verifier?: SignatureVerifier | { unavailable: string };
  /** Refuse to continue without an OpenPGP check (instead of warning). */
  requireSignature?: boolean;
  logger?: Logger;
  /** For Valid-Until checks. Default: the current time. */
  now?: Date;
  decompressors?: Decompressors;
  onProgress?: OnProgress;
  /**
   * Keep each suite's signed InRelease in the cache and use it without asking the mirror while it
   * was checked less than this long ago; after that ask again with If-None-Match /
   * If-Modified-Since, so an unchanged suite costs one 304. The cached bytes are verified again
   * when used, unless a verifier of the same identity (gpgv: the same keyrings) accepted these
   * same bytes when they were last checked (so within this max age). Default: no reuse, always fetch.
   */
  releaseMaxAgeMs?: number;
  /** No network: each suite's last cached InRelease, whatever its age (Valid-Until only warns). */
  offline?: boolean;
}

export interface SuiteRelease {
  suite: string;
  baseUrl: string;
  release: Release;
  /** Whether an OpenPGP signature was checked. */
  verified: boolean;
  /** SHA-256 of the signed text the release was parsed from: the suite's state, as an identity. */
  id: string;
}

interface CachedRelease {
  url: string;
  checkedAt: number;
  etag?: string;
  lastModified?: string;
  /** The InRelease bytes, base64. */
  inRelease: string;
  /**
   * A verifier of this identity (gpgv: its keyrings) accepted these bytes when they were last
   * checked, and the signed text it gave has this SHA-256.
   */
  verified?: { bytes: string; verifier: string; text: string };
}

const metadataChannel = diagnostics.channel("paketo:dependency-metadata");

/**
 * Fetches, verifies and parses dists/<suite>/InRelease (or Release + Release.gpg). Publishes
 * `{ source: "debian", url, id }` on the dependency-metadata channel (as deps/npm does), so a
 * build record says it depended on the suite's state.
 */
export async function fetchRelease(suite: string, opts: ArchiveOptions): Promise<SuiteRelease> {
  const r = await fetchReleaseOnce(suite, opts);
  if (metadataChannel.hasSubscribers) metadataChannel.publish({ source: "debian", url: redact(`${r.baseUrl}/dists/${suite}`), id: r.id });
  return r;
}

async function fetchReleaseOnce(suite: string, opts: ArchiveOptions): Promise<SuiteRelease> {
  const baseUrl = baseUrlFor(opts.mirrors, suite);
  const dists = `${baseUrl}/dists/${suite}`;
  if (opts.releaseMaxAgeMs !== undefined || opts.offline) return cachedRelease(suite, baseUrl, opts);
  const verifier = opts.verifier ?? (await defaultVerifier());
  let text: string;
  let verified = false;
  let what = `${dists}/InRelease`;
  let inRelease: Buffer | undefined;
  try {
    inRelease = await getBytes(what, opts.http);
  } catch (e) {
    if (!(e instanceof HttpStatusError && e.status === 404)) throw e;
  }
  if (inRelease) {
    if ("unavailable" in verifier) text = unverified(clearsignedTextUnverified(inRelease.toString("utf8")), what, verifier.unavailable, opts);
    else {
      text = await verifier.clearsigned(inRelease, what);
      verified = true;
    }
  } else {
    what = `${dists}/Release`;
    const release = await getBytes(what, opts.http);
    let sig: Buffer | undefined;
    try {
      sig = await getBytes(`${what}.gpg`, opts.http);
    } catch (e) {
      if (!(e instanceof HttpStatusError && e.status === 404)) throw e;
    }
    if (!sig) text = unverified(release.toString("utf8"), what, "the mirror has no Release.gpg", opts);
    else if ("unavailable" in verifier) text = unverified(release.toString("utf8"), what, verifier.unavailable, opts);
    else {
      await verifier.detached(release, sig, what);
      text = release.toString("utf8");
      verified = true;
    }
  }
  return parsed(suite, baseUrl, text, what, verified, opts);
}

function parsed(suite: string, baseUrl: string, text: string, what: string, verified: boolean, opts: ArchiveOptions): SuiteRelease {
  const release = parseRelease(text, what);
  checkSuite(release, suite, what);
  try {
    checkFreshness(release, opts.now ?? new Date(), what);
  } catch (e) {
    if (!opts.offline) throw e;
    opts.logger?.warn(`${(e as Error).message} (used anyway: offline)`);
  }
  return { suite, baseUrl, release, verified, id: createHash("sha256").update(text).digest("hex") };
}

/** The InRelease of `suite` through the release cache (see ArchiveOptions.releaseMaxAgeMs). */
async function cachedRelease(suite: string, baseUrl: string, opts: ArchiveOptions): Promise<SuiteRelease> {
  const url = `${baseUrl}/dists/${suite}/InRelease`;
  const file = join(opts.cacheDir, "release", `${createHash("sha256").update(url).digest("hex")}.json`);
  const cached = await readFile(file, "utf8").then(
    (t) => JSON.parse(t) as CachedRelease,
    () => undefined,
  );
  const now = Date.now();
  let bytes: Buffer | undefined = cached && cached.url === url ? Buffer.from(cached.inRelease, "base64") : undefined;
  if (opts.offline) {
    if (!bytes) {
      throw new DepsError("DEBIAN_OFFLINE", `offline: the index of ${suite} (${redact(url)}) is not cached`, { hint: "run once with network access to fill the cache" });
    }
  } else if (!bytes || !cached || now - cached.checkedAt < 0 || now - cached.checkedAt >= (opts.releaseMaxAgeMs ?? 0)) {
    const got = await getIfChanged(url, opts.http, bytes && cached ? { ...(cached.etag ? { etag: cached.etag } : {}), ...(cached.lastModified ? { lastModified: cached.lastModified } : {}) } : {});
    const record: CachedRelease = got
      ? { url, checkedAt: now, ...(got.etag ? { etag: got.etag } : {}), ...(got.lastModified ? { lastModified: got.lastModified } : {}), inRelease: got.body.toString("base64") }
      : { ...(cached as CachedRelease), checkedAt: now };
    if (got) bytes = got.body;
    // Verified before it is kept, so a bad signature never replaces a good cached copy.
    const r = await verifyInRelease(suite, baseUrl, bytes as Buffer, url, opts);
    const verdict = await verdictOf(r, bytes as Buffer, opts);
    await writeFileAtomic(file, JSON.stringify({ ...record, ...(verdict ? { verified: verdict } : {}) }));
    return r;
  }
  // Used again without asking the mirror: the verdict on these very bytes, given when they were
  // last checked (so never older than releaseMaxAgeMs) by a verifier of the same identity (gpgv:
  // the same keyrings), stands; the text is the one the verifier gave (same SHA-256).
  if (!opts.offline && cached?.verified && cached.verified.bytes === sha256(bytes) && cached.verified.verifier === (await verifierIdentity(opts))) {
    const text = clearsignedTextUnverified(bytes.toString("utf8"));
    if (sha256(text) === cached.verified.text) return parsed(suite, baseUrl, text, url, true, opts);
  }
  const r = await verifyInRelease(suite, baseUrl, bytes, url, opts);
  const verdict = opts.offline || !cached ? undefined : await verdictOf(r, bytes, opts);
  if (verdict && cached) await writeFileAtomic(file, JSON.stringify({ ...cached, verified: verdict }));
  return r;
}

function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** The verifier's identity, when it has one (SignatureVerifier.identity). */
async function verifierIdentity(opts: ArchiveOptions): Promise<string | undefined> {
  const v = opts.verifier ?? (await defaultVerifier());
  if ("unavailable" in v || !v.identity) return undefined;
  return v.identity().catch(() => undefined);
}

/** What the release cache records of a signature check (nothing for an unverified text or a verifier without identity). */
async function verdictOf(r: SuiteRelease, bytes: Buffer, opts: ArchiveOptions): Promise<CachedRelease["verified"]> {
  if (!r.verified) return undefined;
  const verifier = await verifierIdentity(opts);
  return verifier === undefined ? undefined : { bytes: sha256(bytes), verifier, text: r.id };
}

async function verifyInRelease(suite: string, baseUrl: string, bytes: Buffer, url: string, opts: ArchiveOptions): Promise<SuiteRelease> {
  const verifier = opts.verifier ?? (await defaultVerifier());
  if ("unavailable" in verifier) return parsed(suite, baseUrl, unverified(clearsignedTextUnverified(bytes.toString("utf8")), url, verifier.unavailable, opts), url, false, opts);
  return parsed(suite, baseUrl, await verifier.clearsigned(bytes, url), url, true, opts);
}


let gpgv: ReturnType<typeof gpgvVerifier> | undefined;
function defaultVerifier(): ReturnType<typeof gpgvVerifier> {
  gpgv ??= gpgvVerifier();
  return gpgv;
}

function unverified(text: string, what: string, why: string, opts: ArchiveOptions): string {
  if (opts.requireSignature) {
    throw new DepsError("DEBIAN_SIGNATURE", `cannot check the OpenPGP signature of ${what}: ${why}`, {
      hint: "install gpgv and debian-archive-keyring, or drop requireSignature to continue unverified",
    });
  }
  opts.logger?.warn(`NOT verifying the signature of ${what}: ${why}; package hashes are checked against an unauthenticated index`);
  return text;
}

export interface IndexFile {
  suite: string;
  component: string;
  /** Path relative to dists/<suite>/, e.g. main/binary-amd64/Packages.xz. */
  path: string;
  entry: ReleaseFileEntry;
  url: string;
  compression: Compression;
}

/** Which Packages files of a suite to read, preferring .xz, then .gz, then uncompressed. */
export async function indexFiles(r: SuiteRelease, opts: ArchiveOptions): Promise<IndexFile[]> {
  const d = opts.decompressors ?? systemDecompressors();
  const out: IndexFile[] = [];
  const arches = r.release.allInArchIndexes ? [opts.architecture] : [opts.architecture, "all"];
  for (const component of opts.components ?? ["main"]) {
    for (const arch of arches) {
      const dir = `${component}/binary-${arch}`;
      let chosen: IndexFile | undefined;
      for (const [suffix, c] of [[".xz", "xz"], [".gz", "gzip"], ["", "none"]] as const) {
        const path = `${dir}/Packages${suffix}`;
        const entry = r.release.files.get(path);
        if (!entry || !(await d.supports(c))) continue;
        const url = r.release.acquireByHash
          ? `${r.baseUrl}/dists/${r.suite}/${dir}/by-hash/SHA256/${entry.sha256}`
          : `${r.baseUrl}/dists/${r.suite}/${path}`;
        chosen = { suite: r.suite, component, path, entry, url, compression: c };
        break;
      }
      if (chosen) out.push(chosen);
      else if (arch !== "all") {
        throw new DepsError("DEBIAN_RELEASE", `${r.suite} has no ${dir}/Packages index`, {
          hint: `does ${r.suite} carry component ${component} for ${arch}? It lists ${r.release.components.join(", ") || "no components"} and ${r.release.architectures.join(", ") || "no architectures"}`,
        });
      }
    }
  }
  return out;
}

/** The Release of every suite in `opts.suites`, fetched in parallel. */
export function fetchReleases(opts: ArchiveOptions): Promise<SuiteRelease[]> {
  return Promise.all(opts.suites.map((s) => fetchRelease(s, opts)));
}

/**
 * Loads and merges the Packages indexes of every suite into one PackageIndex. Each index is
 * downloaded compressed, checked against the signed Release, and kept in the cache both as
 * downloaded and decompressed (the decompressed copy checked against the SHA-256 Release gives
 * for the plain `Packages`), so a warm load only splits a local file.
 */
export async function loadPackageIndex(opts: ArchiveOptions, fetched?: readonly SuiteRelease[]): Promise<PackageIndex> {
  const releases = fetched ?? (await fetchReleases(opts));
  const files = (await Promise.all(releases.map((r) => indexFiles(r, opts)))).flat();
  const byFile = new Map(releases.map((r) => [r.suite, r.release]));
  const paths = await Promise.all(files.map((f) => cachedIndex(f, byFile.get(f.suite)!, opts)));
  const index = new PackageIndex(opts.architecture, opts.suites, opts.components ?? ["main"]);
  for (const [i, f] of files.entries()) {
    const origin = { suite: f.suite, component: f.component, where: `${f.suite} ${f.path}` };
    const { path, compression } = paths[i]!;
    const input = createReadStream(path, { highWaterMark: 1 << 20 });
    const plain = compression === "none" ? input : decompress(input, decompressorsOf(opts).open(compression, origin.where));
    await splitStanzas(plain, (s) => index.addStanza(s, origin));
  }
  return index;
}

function decompressorsOf(opts: ArchiveOptions): Decompressors {
  return opts.decompressors ?? systemDecompressors();
}

/** The cached, verified index file to read: the plain Packages when Release lists its hash. */
async function cachedIndex(f: IndexFile, release: Release, opts: ArchiveOptions): Promise<{ path: string; compression: Compression }> {
  const cache = new ContentCache(opts.cacheDir);
  const plainPath = f.path.replace(/\.(xz|gz)$/, "");
  const plain = f.compression === "none" ? undefined : release.files.get(plainPath);
  if (plain && (await cache.has(plain))) return { path: cache.path(plain.sha256), compression: "none" };
  const ctx = { cache, http: opts.http, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) };
  const what = `${f.suite} ${f.path}`;
  if (opts.offline && !(await cache.has(f.entry))) {
    throw new DepsError("DEBIAN_OFFLINE", `offline: ${what} is not cached`, { hint: "run once with network access to fill the cache" });
  }
  let compressed: string;
  try {
    compressed = (await fetchToCache(f.url, f.entry, what, ctx)).path;
  } catch (e) {
    // by-hash may lag behind on some mirrors: fall back to the plain name, still hash-checked
    if (!(e instanceof HttpStatusError && e.status === 404) || !f.url.includes("/by-hash/")) throw e;
    compressed = (await fetchToCache(`${baseUrlFor(opts.mirrors, f.suite)}/dists/${f.suite}/${f.path}`, f.entry, what, ctx)).path;
  }
  if (!plain) return { path: compressed, compression: f.compression };
  const stream = decompress(createReadStream(compressed), decompressorsOf(opts).open(f.compression, what));
  return { path: await cache.put(stream, plain, `${f.suite} ${plainPath} (decompressed from ${f.path})`), compression: "none" };
}

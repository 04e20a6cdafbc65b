// Package tarballs into the content-addressed cache: `<cacheDir>/<alg>/<hex>` (sha512 for every
// package published since 2017), verified against `dist.integrity` while they stream, renamed
// into place only after the check. Presence means verified; a cached file is never fetched again.
import { createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { writeFileAtomicWith } from "../../fs/index.js";
import { isPaketoError, rootCause } from "../../errors/index.js";
import { noProgress } from "../../oci/index.js";
import { NpmError } from "./errors.js";
import { get, redact, withRetries } from "./http.js";
import { expectedHash, progressDigest, verifier, type ExpectedHash } from "./integrity.js";
import { cacheDirOf, cachedPackument, mirrorOf, packument, registryOf, upstreamOf, type PackumentVersion, type RegistryOptions } from "./packument.js";

export interface FetchTarballOptions extends RegistryOptions {
  /** The version's manifest when the caller has it (e.g. from resolveVersion): no metadata lookup. */
  manifest?: PackumentVersion;
}

export interface CachedTarball {
  /** The verified tarball in the cache. */
  path: string;
  /** The SRI string it was verified against (`sha512-...`; `sha1-...` for old packages). */
  integrity: string;
  size: number;
  /** Where it was (or would have been) downloaded from. */
  url: string;
  /** False when it was already in the cache. */
  downloaded: boolean;
}

/** The cache path of a tarball with this hash. */
export function tarballCachePath(cacheDir: string, h: ExpectedHash): string {
  return join(cacheDir, h.algorithm, h.hex);
}

/**
 * Where to download `dist.tarball` from (resolved against the registry when relative). With a
 * mirror in effect, a URL outside the mirror is moved onto it: the configured registry's base
 * is replaced by the mirror's when the URL starts with it, else the URL's origin is (its path
 * kept): `https://up.example/npm/a/-/a-1.tgz` with registry `https://up.example/npm/` and mirror
 * `https://mirror.example/m/` becomes `https://mirror.example/m/a/-/a-1.tgz`.
 */
export async function tarballUrl(tarball: string, opts: RegistryOptions = {}): Promise<string> {
  const url = new URL(tarball, await registryOf(opts)).toString();
  const mirror = mirrorOf(opts);
  if (!mirror || url.startsWith(mirror)) return url;
  const upstream = await upstreamOf(opts).catch(() => undefined);
  if (upstream && url.startsWith(upstream)) return mirror + url.slice(upstream.length);
  const u = new URL(url);
  return mirror + (u.pathname + u.search).replace(/^\/+/, "");
}

/**
 * The manifest of `name@version`. A published version never changes (the registry refuses to
 * republish one), so a cached packument that lists it is used as is, without revalidation.
 */
async function manifestOf(name: string, version: string, opts: FetchTarballOptions): Promise<PackumentVersion> {
  if (opts.manifest) return opts.manifest;
  const cached = await cachedPackument(name, opts);
  const m = cached?.versions[version] ?? (await packument(name, opts)).versions[version];
  if (!m) {
    throw opts.offline
      ? new NpmError("NPM_OFFLINE", `offline: ${name}@${version} is not in the cached metadata of ${name}`, {
          hint: "run once with the network to refresh the cache",
        })
      : new NpmError("NPM_NOT_FOUND", `${name}@${version} is not published`);
  }
  if (!m.dist || typeof m.dist.tarball !== "string") {
    throw new NpmError("NPM_METADATA", `${name}@${version}: the registry gives no dist.tarball`);
  }
  return m;
}

/**
 * The verified tarball of `name@version` in the cache, downloading `dist.tarball` first when it
 * is not there. A mismatch throws NPM_INTEGRITY naming the package, version and URL and leaves
 * nothing in the cache. With `offline`, only the cache (metadata included) is used.
 */
export async function fetchTarball(name: string, version: string, opts: FetchTarballOptions = {}): Promise<CachedTarball> {
  const what = `${name}@${version}`;
  const progress = opts.onProgress ?? noProgress;
  const m = await manifestOf(name, version, opts);
  const h = expectedHash(m.dist, what);
  const url = await tarballUrl(m.dist.tarball, opts);
  const cacheDir = cacheDirOf(opts);
  const final = tarballCachePath(cacheDir, h);
  const digest = progressDigest(h);
  try {
    const s = await stat(final);
    if (s.isFile()) {
      progress({ kind: "blob-done", op: "download", digest, total: s.size, result: "exists" });
      return { path: final, integrity: h.sri, size: s.size, url, downloaded: false };
    }
  } catch {
    // not cached
  }
  if (opts.offline) {
    throw new NpmError("NPM_OFFLINE", `offline: the tarball of ${what} (${redact(url)}) is not cached`, {
      hint: `run once with the network to fill the cache (${cacheDir})`,
    });
  }
  if (h.weak) {
    progress({ kind: "message", text: `${what}: the registry gives only a sha1 checksum; verifying with that (weaker than sha512)` });
  }
  progress({ kind: "blob-start", op: "download", digest, total: 0, what });
  const dir = join(cacheDir, h.algorithm);
  await mkdir(dir, { recursive: true });
  const size = await withRetries(opts, async () => {
    const res = await get(url, opts, {});
    if (!res.body) throw new NpmError("NPM_HTTP", `GET ${redact(url)}: empty body`);
    const total = Number(res.headers.get("content-length") ?? 0) || 0;
    let done = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length;
        progress({ kind: "blob-progress", op: "download", digest, done, total });
        cb(null, chunk);
      },
    });
    const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    try {
      await writeFileAtomicWith(final, (tmp) => pipeline(body, counter, verifier(h, `${what} (${redact(url)})`), createWriteStream(tmp)));
      return done;
    } catch (e) {
      if (isPaketoError(e) && (e.code === "OCI_DIGEST_MISMATCH" || e.code === "OCI_SIZE_MISMATCH" || e.code === "NPM_INTEGRITY")) {
        throw new NpmError("NPM_INTEGRITY", `${what} from ${redact(url)} does not match its integrity ${h.sri}: ${e.message}`, {
          hint: "the registry (or a proxy) served different bytes than the package metadata promises; nothing was cached",
          cause: e,
        });
      }
      if (isPaketoError(e)) throw e;
      throw new NpmError("NPM_UNREACHABLE", `downloading ${what} from ${redact(url)} failed: ${rootCause(e)}`, { cause: e });
    }
  });
  progress({ kind: "blob-done", op: "download", digest, total: size, result: "transferred" });
  return { path: final, integrity: h.sri, size, url, downloaded: true };
}

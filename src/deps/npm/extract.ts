// Unpacking package tarballs (.tgz) into a folder: gunzip + the oci module's safe tar extraction
// (no path escapes, no writes through symlinks, no devices). A tarball from the cache is verified
// again while it streams: the cache is writable by every build, so presence alone proves nothing.
import { createReadStream } from "node:fs";
import { rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { isPaketoError } from "../../errors/index.js";
import { extract } from "../../oci/index.js";
import { NpmError } from "./errors.js";
import { parseIntegrity, verifier, type ExpectedHash } from "./integrity.js";
import { hashFile } from "./hash-file.js";
import { fetchTarball, type CachedTarball, type FetchTarballOptions } from "./tarball.js";

export type PackageEntry = extract.EntryInfo;

export interface ExtractPackageOptions {
  /** Leading path components to drop. Default 1: npm tarballs put everything under `package/`. */
  strip?: number;
  /**
   * Which entries to write, by their path after `strip` (`bin/node`, `lib/cli.js`): false skips
   * the entry, true keeps it, a string places it at that path instead (still inside `dest`).
   * Default: everything.
   */
  filter?: (path: string, entry: PackageEntry) => boolean | string;
  /**
   * The SRI to verify against when `tarball` is a plain path. A CachedTarball carries its own;
   * a path without it is extracted unverified (a file the caller already trusts).
   */
  integrity?: string;
  /** Names the tarball in errors, e.g. `npm@10.9.0`. Default: its path. */
  what?: string;
}

export interface ExtractedPackage {
  /** Entries read, skipped ones included. */
  entries: number;
  /** Bytes of file data written. */
  bytes: number;
  /** Entries left out (by filter or strip). */
  skipped: number;
  /** The SRI the bytes were checked against while they streamed, or undefined when none was known. */
  verified: string | undefined;
}

/** Where a tarball is and what it must hash to. */
function source(tarball: string | CachedTarball, opts: ExtractPackageOptions): { path: string; expected: ExpectedHash | undefined; cached: boolean } {
  if (typeof tarball !== "string") return { path: tarball.path, expected: parseIntegrity(tarball.integrity), cached: true };
  if (opts.integrity === undefined) return { path: tarball, expected: undefined, cached: false };
  const expected = parseIntegrity(opts.integrity);
  if (!expected) throw new NpmError("NPM_METADATA", `${opts.what ?? tarball}: integrity ${JSON.stringify(opts.integrity)} names no sha512/sha384/sha256/sha1 hash`);
  return { path: tarball, expected, cached: false };
}

function stripped(name: string, strip: number): string | undefined {
  const parts = name.split("/").filter((c) => c !== "" && c !== ".");
  if (parts.length <= strip) return undefined;
  return parts.slice(strip).join("/");
}

/**
 * Streams a package tarball (.tgz) into `dest` (created if missing): `strip` leading components
 * dropped (default 1), `filter` choosing and placing entries. Nothing is written outside `dest`
 * (oci extract rules: "..", symlinked parents, hard links leaving it and devices are refused).
 *
 * When the expected hash is known (a CachedTarball from fetchTarball, or `integrity`), the bytes
 * are hashed while they stream, with no second read; a mismatch fails the extraction with
 * NPM_INTEGRITY and, for a CachedTarball, removes the corrupt cache entry so that the next
 * fetchTarball downloads it again (installPackage does that retry). On any failure `dest` holds a
 * partial extraction for the caller to discard.
 */
export async function extractPackage(tarball: string | CachedTarball, dest: string, opts: ExtractPackageOptions = {}): Promise<ExtractedPackage> {
  const { path, expected, cached } = source(tarball, opts);
  const what = opts.what ?? path;
  const strip = opts.strip ?? 1;
  const filter = opts.filter;
  const file = createReadStream(path);
  const check = expected ? verifier(expected, what) : undefined;
  const gunzip = createGunzip();
  const feeding = check ? pipeline(file, check, gunzip) : pipeline(file, gunzip);
  const unpacking = extract.extractTar(gunzip, dest, {
    what,
    onEntry: (entry) => {
      const rel = stripped(entry.name, strip);
      const decision = rel === undefined ? false : filter ? filter(rel, entry) : true;
      if (decision === false || rel === undefined) return false;
      const name = typeof decision === "string" ? decision : rel;
      // a hard link names another entry of the archive: strip (and relocate) it the same way
      if (entry.type === "link" && entry.linkname !== undefined) {
        const target = stripped(entry.linkname, strip);
        if (target === undefined) throw new NpmError("NPM_ARCHIVE", `${what}: hard link ${JSON.stringify(entry.name)} points at ${JSON.stringify(entry.linkname)}, which strip removes`);
        const placed = filter ? filter(target, { ...entry, name: entry.linkname, type: "file" }) : true;
        return { name, linkname: typeof placed === "string" ? placed : target };
      }
      return { name };
    },
  });
  const [fed, unpacked] = await Promise.allSettled([feeding, unpacking]);
  if (fed.status === "fulfilled" && unpacked.status === "fulfilled") {
    return { entries: unpacked.value.entries, bytes: unpacked.value.bytes, skipped: unpacked.value.skipped, verified: expected?.sri };
  }
  // Where it went wrong first: reading, hashing or gunzip (the feeding side), else the tar
  // extractor, whose failure shows on the feeding side only as a "premature close".
  const fedError = fed.status === "rejected" && (fed.reason as { code?: string })?.code !== "ERR_STREAM_PREMATURE_CLOSE" ? (fed.reason as unknown) : undefined;
  const failure: unknown = fedError ?? (unpacked.status === "rejected" ? unpacked.reason : (fed as PromiseRejectedResult).reason);
  // A stream that failed before the end was never fully hashed: hash the rest to tell a corrupt
  // file (cache damage, replace it) from a well-formed archive that breaks a rule (report that).
  if (!expected) throw asNpmError(failure, what);
  if (!isIntegrityFailure(fed)) {
    const got = await hashFile(path, expected.algorithm).catch(() => undefined);
    if (got === undefined || got === expected.hex) throw asNpmError(failure, what);
  }
  if (cached) await rm(path, { force: true });
  throw new NpmError("NPM_INTEGRITY", `${what}: ${cached ? "the cached tarball" : "the tarball"} ${path} does not match ${expected!.sri}${cached ? "; removed it from the cache" : ""}`, {
    hint: cached ? "something changed the download cache; fetching the package again replaces it" : "the file is not the package it claims to be",
    cause: failure,
  });
}

function asNpmError(e: unknown, what: string): unknown {
  if (isPaketoError(e)) return e;
  return new NpmError("NPM_ARCHIVE", `unpacking ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e, hint: "the file is not a gzipped tar archive, or it is truncated" });
}

function isIntegrityFailure(r: PromiseSettledResult<unknown>): boolean {
  if (r.status !== "rejected") return false;
  const e = r.reason as { code?: string };
  return e?.code === "OCI_DIGEST_MISMATCH" || e?.code === "NPM_INTEGRITY";
}

export interface InstallPackageOptions extends FetchTarballOptions, Omit<ExtractPackageOptions, "integrity" | "what"> {}

export interface InstalledPackage extends ExtractedPackage {
  tarball: CachedTarball;
}

/**
 * `name@version` unpacked into `dest`, which is replaced (emptied first): fetchTarball (cache or
 * verified download), then extractPackage, verifying the cached bytes as they stream. A corrupt
 * cache entry is removed and downloaded once more; offline that is an NPM_OFFLINE error.
 */
export async function installPackage(name: string, version: string, dest: string, opts: InstallPackageOptions = {}): Promise<InstalledPackage> {
  const what = `${name}@${version}`;
  const attempt = async (): Promise<InstalledPackage | { corrupt: NpmError }> => {
    const tarball = await fetchTarball(name, version, opts);
    await rm(dest, { recursive: true, force: true });
    try {
      return { ...(await extractPackage(tarball, dest, { ...opts, what })), tarball };
    } catch (e) {
      await rm(dest, { recursive: true, force: true });
      if (e instanceof NpmError && e.code === "NPM_INTEGRITY" && !tarball.downloaded) return { corrupt: e };
      throw e;
    }
  };
  const first = await attempt();
  if (!("corrupt" in first)) return first;
  if (opts.offline) {
    throw new NpmError("NPM_OFFLINE", `offline: the cached tarball of ${what} was corrupt (now removed) and cannot be downloaded again`, {
      hint: "run once with the network to fill the cache again",
      cause: first.corrupt,
    });
  }
  const second = await attempt();
  if ("corrupt" in second) throw second.corrupt;
  return second;
}

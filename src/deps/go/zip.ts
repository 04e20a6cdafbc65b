// Module zips: the `h1:` hash the checksum database records (the go command's dirhash.Hash1:
// SHA-256 over the sorted lines `<sha256 hex of the file>  <name>\n`, names as in the zip, with
// their `module@version/` prefix), computed while the zip is unpacked, in one pass.
//
// Safety: every entry must be a file under `module@version/` with a clean relative name (no `..`,
// no empty or `.` elements, no backslashes, no absolute paths); only regular files are written,
// into directories this code makes, so nothing lands outside `dest`. Modes come from the caller
// (`exec`): module zips carry no meaningful ones (the go command itself marks a toolchain's bin/
// and pkg/tool/ executable after unpacking).
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { inflateRaw as inflateRawCb } from "node:zlib";
import yauzl from "yauzl";
import { rootCause } from "../../errors/index.js";
import { GoProxyError } from "./errors.js";

const inflate = promisify(inflateRawCb);

/** dirhash.Hash1 over (name, sha256 hex) pairs. */
export function hash1(files: ReadonlyArray<{ name: string; sha256: string }>): string {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
  const h = createHash("sha256");
  for (const f of sorted) {
    if (f.name.includes("\n")) throw new GoProxyError("GOPROXY_ZIP", `a file name holds a newline: ${JSON.stringify(f.name)}`);
    h.update(`${f.sha256}  ${f.name}\n`);
  }
  return `h1:${h.digest("base64")}`;
}

/** The h1 of a go.mod file's bytes (the `/go.mod` line of go.sum). */
export function hash1Mod(bytes: Buffer): string {
  return hash1([{ name: "go.mod", sha256: createHash("sha256").update(bytes).digest("hex") }]);
}

export interface ExtractZipOptions {
  module: string;
  version: string;
  /** The h1 the bytes must have; a mismatch is GOPROXY_CHECKSUM (after everything was read). */
  h1?: string;
  /**
   * Where a file goes, by its name inside the module (prefix removed): false skips it (it is still
   * hashed), true keeps the name, a string is another relative path under dest.
   */
  filter?: (rel: string) => boolean | string;
  /** Is the file executable? Default: none is. */
  exec?: (rel: string) => boolean;
  /** For messages: where the zip came from. */
  what?: string;
  /** Files inflated and written at once. Default 16. */
  concurrency?: number;
}

export interface ExtractedZip {
  h1: string;
  files: number;
  /** Uncompressed bytes written. */
  bytes: number;
}

function cleanRel(rel: string): boolean {
  if (rel === "" || rel.startsWith("/") || rel.includes("\\") || rel.includes("\0")) return false;
  return rel.split("/").every((p) => p !== "" && p !== "." && p !== "..");
}

/**
 * Unpacks a module zip into `dest` (written only when given; created if missing), hashing every
 * file on the way; returns its h1. With `h1`, a different hash throws GOPROXY_CHECKSUM: the caller
 * must then drop what was written.
 */
export async function extractModuleZip(zipPath: string, dest: string | undefined, o: ExtractZipOptions): Promise<ExtractedZip> {
  const what = o.what ?? `${o.module}@${o.version}`;
  const prefix = `${o.module}@${o.version}/`;
  let zip: yauzl.ZipFile;
  const buffer = await readFile(zipPath);
  try {
    zip = await yauzl.fromBufferPromise(buffer, { lazyEntries: true, decodeStrings: true, validateEntrySizes: true, strictFileNames: true });
  } catch (e) {
    throw new GoProxyError("GOPROXY_ZIP", `${what}: not a readable zip: ${rootCause(e)}`, { cause: e });
  }
  const files: { name: string; sha256: string }[] = [];
  const made = new Map<string, Promise<unknown>>();
  const mkdirOnce = (dir: string) => {
    let p = made.get(dir);
    if (!p) made.set(dir, (p = mkdir(dir, { recursive: true })));
    return p;
  };
  let bytes = 0;
  // Entries are read in order; up to `concurrency` of them are inflated, hashed and written at
  // once, so the disk's latency per file overlaps (a toolchain is 12,000 files).
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const one = async (entry: yauzl.Entry, name: string, rel: string, target: string | undefined): Promise<void> => {
    // The zip is in memory: each file is inflated in one call (on libuv's thread pool) instead of
    // through a stream per file, which costs more than the inflating for 12,000 small files.
    if (entry.isEncrypted()) throw new GoProxyError("GOPROXY_ZIP", `${what}: ${name} is encrypted`);
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    const raw = buffer.subarray(fileDataStart, fileDataStart + entry.compressedSize);
    if (raw.length !== entry.compressedSize) throw new GoProxyError("GOPROXY_ZIP", `${what}: ${name} is cut short`);
    let data: Buffer;
    if (entry.compressionMethod === 0) data = raw;
    else if (entry.compressionMethod === 8) data = await inflate(raw);
    else throw new GoProxyError("GOPROXY_ZIP", `${what}: ${name} uses compression method ${entry.compressionMethod} (only stored and deflated files are read)`);
    if (data.length !== entry.uncompressedSize) throw new GoProxyError("GOPROXY_ZIP", `${what}: ${name} inflates to ${data.length} bytes, its entry says ${entry.uncompressedSize}`);
    bytes += data.length;
    files.push({ name, sha256: createHash("sha256").update(data).digest("hex") });
    if (target !== undefined) {
      const path = join(dest!, target);
      await mkdirOnce(dirname(path));
      await writeFile(path, data, { flag: "wx", mode: o.exec?.(rel) ? 0o755 : 0o644 });
    }
  };
  try {
    for await (const entry of zip.eachEntry()) {
      if (failure) break;
      const name = entry.fileName;
      const rel = name.startsWith(prefix) ? name.slice(prefix.length) : undefined;
      if (rel === undefined || !cleanRel(rel)) {
        throw new GoProxyError("GOPROXY_ZIP", `${what}: entry ${JSON.stringify(name)} is not a file under ${prefix}`, { hint: "a module zip holds only files under module@version/" });
      }
      const to = dest === undefined ? false : (o.filter?.(rel) ?? true);
      const target = to === true ? rel : to === false ? undefined : to;
      if (target !== undefined && !cleanRel(target)) throw new GoProxyError("GOPROXY_ZIP", `${what}: ${JSON.stringify(target)} is not a relative path`);
      const p: Promise<void> = one(entry, name, rel, target).then(
        () => void inFlight.delete(p),
        (e: unknown) => {
          inFlight.delete(p);
          failure ??= e;
        },
      );
      inFlight.add(p);
      if (inFlight.size >= (o.concurrency ?? 16)) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure) throw failure;
  } catch (e) {
    zip.close();
    await Promise.all(inFlight);
    if (e instanceof GoProxyError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new GoProxyError("GOPROXY_ZIP", `${what}: a file is in the zip twice (${rootCause(e)})`, { cause: e });
    if (code && /^E[A-Z]+$/.test(code)) throw e; // the file system, not the zip
    throw new GoProxyError("GOPROXY_ZIP", `${what}: the zip is damaged: ${rootCause(e)}`, { cause: e });
  }
  const got = hash1(files);
  if (o.h1 !== undefined && got !== o.h1) {
    throw new GoProxyError("GOPROXY_CHECKSUM", `${what}: the zip hashes to ${got}, the checksum database says ${o.h1}`, {
      hint: "the proxy served different bytes than the checksum database records (a broken or tampered proxy); nothing was cached",
    });
  }
  return { h1: got, files: files.length, bytes };
}

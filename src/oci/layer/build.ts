import { createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { tempPath } from "../../fs/index.js";
import { pack as tarPack } from "tar-stream";
import { DigestingStream, digestHex, sha256 } from "../digest.js";
import { OciError } from "../errors.js";
import { type BuiltLayer, fileLayer } from "./file-layer.js";
import type { LayerEntry, LayerOptions, Settings } from "./options.js";
import { settingsOf } from "./options.js";
import { type PlannedEntry, planLayer } from "./plan.js";
import { TarTap, writeEntries } from "./tar.js";
import { directoryEntries } from "./walk.js";

/**
 * A reproducible gzip tar layer of everything under `dir` (not `dir` itself; use `prefix` to
 * place the content under a folder of the layer). See layerFromFiles for the rules.
 */
export async function layerFromDirectory(dir: string, opts: LayerOptions): Promise<BuiltLayer> {
  const s = settingsOf(opts);
  return writeLayer(planLayer(await directoryEntries(dir), s), s, { label: dir, ...opts });
}

/**
 * A reproducible gzip tar layer of the given entries, written to a file in `opts.outputDir`.
 * The same entries and options give the same bytes, wherever and whenever the files were made:
 * - entries sorted by the bytes of their tar path (folders end in "/"), so parents come first;
 *   missing parents (and the `prefix` folders) are added with `opts.parentDirs`;
 * - one mtime for all (1980-01-01T00:00:01Z, or `sourceDateEpoch`); no atime, ctime, user or
 *   group names; owners from `uid` / `gid`; ustar headers, and pax records only for long or
 *   non-ASCII paths and link targets;
 * - permission bits kept, but setuid, setgid and sticky bits read from disk dropped unless
 *   `keepSpecialBits`; an explicit `mode` on an entry is written as given (a 0o1777 /tmp);
 * - symlinks kept as they are; a file on disk reached again through another path (same device
 *   and inode) becomes a hardlink to the first path in sorted order;
 * - device nodes, sockets and fifos refused (or left out with `specialFiles: "skip"`);
 * - gzip without name or time (Node's zlib; the bytes depend on its version and the level).
 * Digest, diffID and sizes are measured while the bytes stream; nothing is held whole in memory.
 */
export async function layerFromFiles(entries: readonly LayerEntry[], opts: LayerOptions): Promise<BuiltLayer> {
  const s = settingsOf(opts);
  return writeLayer(planLayer(entries, s), s, opts);
}

const PROGRESS_STEP = 4 << 20;

async function writeLayer(plan: readonly PlannedEntry[], s: Settings, opts: LayerOptions): Promise<BuiltLayer> {
  const outputDir = opts.outputDir;
  try {
    await mkdir(outputDir, { recursive: true });
  } catch (err) {
    throw new OciError("OCI_ARCHIVE", `cannot create the layer folder ${outputDir}`, { cause: err });
  }
  const tmp = tempPath(outputDir);

  // The final digest is known only at the end: progress events carry a stand-in key instead.
  const onProgress = opts.onProgress;
  const key = sha256(`compress ${tmp}`);
  const total = plan.reduce((n, e) => n + (e.type === "file" ? e.size : 0), 0);
  let done = 0;
  let reported = 0;
  const onContent = (n: number): void => {
    done += n;
    if (onProgress && done - reported >= PROGRESS_STEP) {
      reported = done;
      onProgress({ kind: "blob-progress", op: "compress", digest: key, done, total });
    }
  };
  onProgress?.({ kind: "blob-start", op: "compress", digest: key, total, what: opts.label ?? "layer" });

  const pack = tarPack();
  const tap = new TarTap();
  const gz = new DigestingStream();
  const file = createWriteStream(tmp, { flags: "wx" });
  const streams = [pack, tap, createGzip({ level: s.level, chunkSize: 64 << 10 }), gz, file] as const;
  const piping = opts.signal ? pipeline(...streams, { signal: opts.signal }) : pipeline(...streams);
  const producing = writeEntries(plan, pack, s.mtime, onContent, opts.signal).catch((err: unknown) => {
    tap.destroy(err as Error);
    pack.destroy(err as Error);
    throw err;
  });
  const [produced, piped] = await Promise.allSettled([producing, piping]);
  if (produced.status === "rejected" || piped.status === "rejected") {
    // The file may still be opening when the pipeline fails: wait until it is closed, or the
    // pending open would create it again after the removal.
    file.destroy();
    if (!file.closed) await new Promise<void>((r) => file.once("close", () => r()));
    await rm(tmp, { force: true });
    // A file that could not be read, or an abort, explains the rest; otherwise writing failed
    // (disk full, ...) and the tar side only saw its stream torn down.
    const reason = produced.status === "rejected" ? (produced.reason as unknown) : undefined;
    if (reason instanceof OciError) throw reason;
    if (opts.signal?.aborted) throw opts.signal.reason;
    const cause = piped.status === "rejected" ? (piped.reason as unknown) : reason;
    throw new OciError("OCI_ARCHIVE", `writing a layer to ${outputDir} failed: ${(cause as Error | undefined)?.message ?? String(cause)}`, { cause });
  }

  const path = join(outputDir, digestHex(gz.digest));
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new OciError("OCI_ARCHIVE", `cannot move the layer to ${path}`, { cause: err });
  }
  onProgress?.({ kind: "blob-done", op: "compress", digest: key, total, result: "transferred" });
  return fileLayer(path, {
    digest: gz.digest,
    diffId: tap.digest as NonNullable<TarTap["digest"]>,
    size: gz.size,
    uncompressedSize: tap.size,
    entries: plan.length,
  });
}

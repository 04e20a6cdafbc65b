import { mkdir, realpath } from "node:fs/promises";
import { Transform, type Readable, type TransformCallback } from "node:stream";
import { extract as tarExtract, type Header } from "tar-stream";
import { OciError } from "../errors.js";
import type { Layer } from "../image.js";
import { type EntryInfo, type EntryType, Placer, type Policy } from "./entries.js";
import { checkFreeSpace, DEFAULT_LIMITS, DISK_CHECK_INTERVAL, type ExtractBudget, formatSize, LIMIT_ENV, RATIO_FLOOR_BYTES } from "./limits.js";
import { Refusal, unsafeEntry, where } from "./names.js";
import type { ParentSymlinks } from "./target.js";

/** What onEntry decides: false skips the entry, an object renames it, anything else keeps it. */
export type EntryDecision = false | { name?: string; linkname?: string } | undefined | void;

export interface ExtractOptions {
  /** Names the archive in error messages, e.g. "layer sha256:ab12…" or "libc6_2.36-9_amd64.deb". */
  what?: string;
  /** Most entries the archive may have (default 1,000,000); more is OCI_LIMIT_EXCEEDED. */
  maxEntries?: number;
  /**
   * Most bytes of entry data the archive may declare (default 64 GiB); checked against each
   * entry's declared size before any of it is written, so one huge entry fails at once. The tar
   * stream itself may be at most maxBytes plus 8 KiB of headers for each allowed entry.
   */
  maxBytes?: number;
  /**
   * OCI whiteouts (default "apply"): `.wh.NAME` deletes NAME left by lower layers and
   * `.wh..wh..opq` empties its directory of what lower layers left; entries of this archive
   * are never deleted by its own whiteouts. "keep" writes them as ordinary files; "ignore" skips them.
   */
  whiteouts?: "apply" | "keep" | "ignore";
  /**
   * A symbolic link on the way to an entry (default "refuse"): "refuse" fails the extraction;
   * "inside" follows it as if the target directory were "/" (absolute links start at the
   * target, ".." stops at it), for root filesystems with links like `lib -> usr/lib`; a directory
   * entry then keeps an existing link to a directory. Never leaves the target either way.
   */
  parentSymlinks?: ParentSymlinks;
  /**
   * "ignore" (default): everything belongs to the running user. "keep": owners from the archive,
   * applied only when running as root (otherwise ignored, as tar does).
   */
  ownership?: "ignore" | "keep";
  /** Apply modes from the archive exactly, umask notwithstanding (default true); false lets umask apply. */
  preservePermissions?: boolean;
  /** Keep setuid and setgid bits (default false: dropped). The sticky bit is always kept. */
  keepSetuid?: boolean;
  /**
   * Device nodes and fifos (default "refuse": fail the extraction); "skip" leaves them out and
   * counts them in `skipped`. They are never created.
   */
  devices?: "refuse" | "skip";
  /**
   * The compressed size of what `input` was decompressed from (extractLayer fills it in): the tar
   * stream may be at most `maxRatio` times as long (or RATIO_FLOOR_BYTES, whichever is more).
   */
  compressedSize?: number;
  /** Most tar bytes per compressed byte (default 100); only with compressedSize. */
  maxRatio?: number;
  /** Counts the tar bytes of every layer of one image against the image's limit. */
  budget?: ExtractBudget;
  /**
   * Free bytes to leave on the target's filesystem (default 1 GiB; 0 turns the check off),
   * checked before anything is written and every 64 MiB of the stream.
   */
  minFreeBytes?: number;
  /** Modification times: "archive" (default) from the entries, "now" left at extraction time, or a fixed date. */
  mtime?: "archive" | "now" | Date;
  /**
   * Called for each entry before anything is checked or written: return false to skip it or
   * `{name, linkname}` to place it under another name. A new name is checked like any other.
   */
  onEntry?: (entry: EntryInfo) => EntryDecision | Promise<EntryDecision>;
}

export interface ExtractStats {
  /** Entries read from the archive, skipped ones included. */
  entries: number;
  /** Bytes of file data written. */
  bytes: number;
  /** Entries not placed: skipped by onEntry, devices skipped, whiteouts ignored or reserved. */
  skipped: number;
}

export const DEFAULT_MAX_ENTRIES = 1_000_000;
export const DEFAULT_MAX_BYTES = 64 * 1024 ** 3;
/** Tar overhead allowed per entry (header, pax records, padding) when bounding the stream length. */
const HEADER_ALLOWANCE = 8 * 1024;

/**
 * Extracts an uncompressed tar stream into `targetDir` (created if missing), refusing anything
 * that would write outside it: ".." names, writes through symbolic links, hard links leaving it,
 * devices. Streams each file to disk. On failure throws an OciError (OCI_UNSAFE_ARCHIVE,
 * OCI_LIMIT_EXCEEDED, OCI_ARCHIVE) naming the entry and the rule, destroys `input`, and leaves
 * a partial extraction behind for the caller to discard. Assumes nothing else changes the
 * target meanwhile.
 */
export async function extractTar(input: Readable, targetDir: string, opts: ExtractOptions = {}): Promise<ExtractStats> {
  const what = opts.what;
  const limits = new Limits(opts, targetDir);
  const stats: ExtractStats = { entries: 0, bytes: 0, skipped: 0 };
  // Listen for input errors from the start: the stream may fail (a corrupt gzip, say) while the
  // target directory is being prepared, and an unheard error would crash the process.
  let early: Error | undefined;
  const onEarly = (e: Error): void => {
    early ??= e;
  };
  input.on("error", onEarly);

  let root: string;
  try {
    await mkdir(targetDir, { recursive: true });
    root = await realpath(targetDir);
  } catch (e) {
    input.destroy();
    throw new OciError("OCI_ARCHIVE", `extracting ${what ?? "archive"}: cannot create the target directory ${targetDir}`, { cause: e });
  }
  try {
    await checkFreeSpace(root, limits.minFree, what ?? "archive");
  } catch (e) {
    input.destroy();
    throw e;
  }
  const placer = new Placer(root, policy(opts));
  const ex = tarExtract();
  const limit = limits.streamLimit();
  let streamError: Error | undefined; // the tar reader's own failure, which its entries only see as "destroyed"
  ex.on("error", (e: Error) => {
    streamError ??= e;
  });
  const fail = (e: Error): void => void ex.destroy(e);
  input.on("error", fail);
  input.off("error", onEarly);
  limit.on("error", fail);
  input.pipe(limit).pipe(ex as unknown as NodeJS.WritableStream);
  if (early) fail(early);

  try {
    for await (const entry of ex) {
      const info = entryInfo(entry.header);
      const body = entry as unknown as AsyncIterable<Buffer>;
      stats.entries++;
      limits.admit(info);
      const decision = opts.onEntry ? await opts.onEntry({ ...info }) : undefined;
      if (decision === false) {
        stats.skipped++;
      } else {
        const placed = typeof decision === "object" ? { ...info, ...definedOnly(decision) } : info;
        await placeEntry(placer, placed, body, info.name, what);
      }
      for await (const _ of body) {
        // drain what was not written
      }
    }
    await placer.finish();
  } catch (e) {
    input.unpipe(limit);
    input.destroy();
    limit.destroy();
    ex.destroy();
    await new Promise<void>((resolve) => (ex.destroyed ? resolve() : ex.once("close", () => resolve())));
    throw asOciError(e instanceof OciError ? e : (streamError ?? e), what);
  }
  stats.bytes = placer.bytes;
  stats.skipped += placer.skipped;
  return stats;
}

/**
 * Extracts a layer's uncompressed tar into `targetDir`; see extractTar. The tar may expand to at
 * most `maxRatio` times the layer's compressed size, and a claimed diffID is checked by the
 * layer's own stream (partial.layerTar) before the extraction counts as done.
 */
export async function extractLayer(layer: Layer, targetDir: string, opts: ExtractOptions = {}): Promise<ExtractStats> {
  const what = opts.what ?? `layer ${await layer.digest()}`;
  const compressedSize = opts.compressedSize ?? (await layer.size());
  return extractTar(await layer.uncompressed(), targetDir, { ...opts, what, compressedSize });
}

async function placeEntry(placer: Placer, info: EntryInfo, body: AsyncIterable<Buffer>, name: string, what: string | undefined): Promise<void> {
  try {
    await placer.place(info, body);
  } catch (e) {
    if (e instanceof Refusal) throw unsafeEntry(name, what, e.message);
    if (e instanceof OciError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code && e instanceof Error && (e as NodeJS.ErrnoException).syscall) {
      throw new OciError("OCI_ARCHIVE", `extracting archive entry ${JSON.stringify(name)}${where(what)}: ${e.message}`, { cause: e });
    }
    throw e;
  }
}

function policy(o: ExtractOptions): Policy {
  return {
    whiteouts: o.whiteouts ?? "apply",
    parentSymlinks: o.parentSymlinks ?? "refuse",
    chown: o.ownership === "keep" && process.getuid?.() === 0,
    preservePermissions: o.preservePermissions ?? true,
    keepSetuid: o.keepSetuid ?? false,
    devices: o.devices ?? "refuse",
    mtime: o.mtime === "now" ? undefined : (o.mtime ?? "archive"),
  };
}

const TYPES: Record<string, EntryType> = {
  file: "file",
  "contiguous-file": "file",
  directory: "directory",
  symlink: "symlink",
  link: "link",
  "character-device": "character-device",
  "block-device": "block-device",
  fifo: "fifo",
};

/** Reads a header as tar-stream decodes it (its type is null for unknown type flags, its linkname null when absent). */
function entryInfo(h: Header): EntryInfo {
  const pax = (h.pax as Record<string, string> | null | undefined) ?? {};
  const num = (s: string | undefined, d: number): number => {
    const n = s === undefined ? Number.NaN : Number(s);
    return Number.isFinite(n) ? n : d;
  };
  return {
    name: h.name,
    type: TYPES[(h.type as string | null) ?? ""] ?? "unknown",
    linkname: (h.linkname as string | null) ?? undefined,
    size: h.size,
    mode: h.mode,
    uid: num(pax.uid, h.uid),
    gid: num(pax.gid, h.gid),
    mtime: pax.mtime !== undefined && Number.isFinite(Number(pax.mtime)) ? new Date(Number(pax.mtime) * 1000) : h.mtime,
  };
}

function definedOnly(d: { name?: string; linkname?: string }): { name?: string; linkname?: string } {
  const out: { name?: string; linkname?: string } = {};
  if (d.name !== undefined) out.name = d.name;
  if (d.linkname !== undefined) out.linkname = d.linkname;
  return out;
}

function asOciError(e: unknown, what: string | undefined): unknown {
  if (e instanceof OciError) return e;
  if (e instanceof Error && (e as NodeJS.ErrnoException).syscall) {
    return new OciError("OCI_ARCHIVE", `extracting ${what ?? "archive"}: ${e.message}`, { cause: e });
  }
  if (e instanceof Error) {
    return new OciError("OCI_ARCHIVE", `reading ${what ?? "archive"}: ${e.message}`, {
      cause: e,
      hint: "the archive is corrupt or truncated, or not an uncompressed tar",
    });
  }
  return e;
}

/** The caps on an archive: entries, declared data, the length of the tar stream, free disk space. */
class Limits {
  private entries = 0;
  private declared = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly what: string | undefined;
  readonly minFree: number;
  constructor(
    private readonly o: ExtractOptions,
    private readonly targetDir: string,
  ) {
    this.maxEntries = o.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
    this.what = o.what;
    this.minFree = o.minFreeBytes ?? DEFAULT_LIMITS.minFreeBytes;
  }

  /** Counts an entry in, before any of its data is read. */
  admit(info: EntryInfo): void {
    if (++this.entries > this.maxEntries) {
      throw new OciError(
        "OCI_LIMIT_EXCEEDED",
        `${this.what ?? "archive"} has more than ${this.maxEntries} entries (at entry ${JSON.stringify(info.name)})`,
        { hint: "raise maxEntries if the archive is trusted" },
      );
    }
    this.declared += info.size;
    if (this.declared > this.maxBytes) {
      throw new OciError(
        "OCI_LIMIT_EXCEEDED",
        `archive entry ${JSON.stringify(info.name)}${where(this.what)} takes the archive's data past ${this.maxBytes} bytes (it declares ${info.size})`,
        { hint: "raise maxBytes if the archive is trusted" },
      );
    }
  }

  /**
   * Meters the raw stream: an archive of nothing but headers (or zeros) cannot run forever, a
   * compressed one cannot expand past its ratio, an image past its budget, the disk past its reserve.
   */
  streamLimit(): StreamLimit {
    const name = this.what ?? "archive";
    const headerMax = this.maxBytes + (this.maxEntries + 2) * HEADER_ALLOWANCE;
    const checks: Array<(seen: number, n: number) => void> = [
      (seen) => {
        if (seen > headerMax) {
          throw new OciError("OCI_LIMIT_EXCEEDED", `${name} is longer than ${headerMax} bytes`, {
            hint: "the tar stream holds more than maxBytes of data plus headers for maxEntries entries; raise them if it is trusted",
          });
        }
      },
    ];
    const packed = this.o.compressedSize;
    if (packed !== undefined) {
      const ratio = this.o.maxRatio ?? DEFAULT_LIMITS.maxRatio;
      const max = Math.max(RATIO_FLOOR_BYTES, ratio * packed);
      checks.push((seen) => {
        if (seen > max) {
          throw new OciError(
            "OCI_LIMIT_EXCEEDED",
            `${name} expands to more than ${formatSize(max)}, over ${ratio} times its ${formatSize(packed)} compressed size`,
            { hint: `a decompression bomb, or an unusually compressible layer: set ${LIMIT_ENV.maxRatio} higher if the image is trusted` },
          );
        }
      });
    }
    const budget = this.o.budget;
    if (budget) checks.push((_seen, n) => budget.take(n, name));
    const disk = this.minFree > 0 ? () => checkFreeSpace(this.targetDir, this.minFree, name) : undefined;
    return new StreamLimit(checks, disk);
  }
}

/** Runs each check on every chunk (throwing fails the stream) and the async disk check every DISK_CHECK_INTERVAL bytes. */
class StreamLimit extends Transform {
  private seen = 0;
  private nextDiskCheck = DISK_CHECK_INTERVAL;
  constructor(
    private readonly checks: ReadonlyArray<(seen: number, n: number) => void>,
    private readonly disk: (() => Promise<void>) | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    try {
      for (const c of this.checks) c(this.seen, chunk.length);
    } catch (e) {
      cb(e as Error);
      return;
    }
    if (this.disk && this.seen >= this.nextDiskCheck) {
      this.nextDiskCheck = this.seen + DISK_CHECK_INTERVAL;
      this.disk().then(
        () => cb(null, chunk),
        (e: Error) => cb(e),
      );
      return;
    }
    cb(null, chunk);
  }
}

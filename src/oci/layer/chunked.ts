// A layer written in chunks, so the next build of nearly the same tree writes only what changed.
//
// The tar is cut into chunks at points that depend only on the entries around them (after an
// entry whose name hashes to a multiple of CUT_EVERY, when a chunk grows past CHUNK_MAX, and
// around every big file, whose bytes are cut in pieces of PIECE). Each chunk is deflated on its
// own (a fresh compressor, ended by a full flush, so it starts and ends on a byte boundary and
// needs nothing before it), the last one being the tar's end. The gzip member is a fixed header,
// the chunks' deflate bytes one after the other, and the CRC-32 and length of the whole tar.
// So the bytes of a layer depend only on its entries — a layer made from scratch and one made
// from the previous layer's chunks are the same bytes, with the same digest.
//
// Each chunk has a key: SHA-256 over the writer's settings and, per entry, its tar fields and its
// content's SHA-256 (a big file's piece: the file's hash and the piece number, or the piece's own
// hash). The record of a layer (its digest, diffID and the key, length and CRC of each chunk) is
// kept by the caller; the next write takes every chunk whose key it already has from the previous
// layer's file without reading a file, and deflates only the rest. The uncompressed tar is still
// hashed whole for the diffID: reused chunks are inflated for that (much cheaper than deflating).
// A tree whose chunks are all the previous layer's, in order, is the previous layer: nothing is
// written. The caller vouches for the content hashes it passes (a file it does not know is read).
import { createHash, type Hash } from "node:crypto";
import { closeSync, constants as fsConstants, fstatSync, lstatSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { constants as zc, deflateRawSync, inflateRawSync } from "node:zlib";
import { tempPath, writeFileAtomic } from "../../fs/index.js";
import { type Digest, digestHex } from "../digest.js";
import { OciError } from "../errors.js";
import { type BuiltLayer, fileLayer } from "./file-layer.js";
import type { PlannedEntry } from "./plan.js";
import { changedError, openPlannedSync, readError } from "./read.js";

/** Bumped whenever the same entries could give other bytes (header encoding, cut rules, gzip framing). */
const FORMAT = "paketo-chunked-layer/1";
/** A chunk ends after an entry whose name hashes to a multiple of this (about this many entries per chunk). */
const CUT_EVERY = 128;
/** A chunk also ends once it holds this many tar bytes. */
const CHUNK_MAX = 1 << 20;
/** Files bigger than this are chunks of their own, cut in pieces of this many content bytes. */
const PIECE = 4 << 20;
const BLOCK = 512;
/** gzip: magic, deflate, no flags, no time, no extra flags, OS unix. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);

/** One tar entry, decided by the caller, in the order the tar holds them (content always from `source`). */
export interface ChunkEntry extends Omit<PlannedEntry, "content"> {
  /** The SHA-256 (hex) of the file's bytes, when the caller knows it without reading. */
  hash?: string;
}

/** A chunk of a written layer: enough to take it again from the layer's file. */
interface ChunkRecord {
  key: string;
  /** Where its deflate bytes are in the layer file, and how many. */
  offset: number;
  clen: number;
  /** Its tar bytes and their CRC-32. */
  ulen: number;
  crc: number;
}

/** What a layer was made of: kept by the caller between writes (readChunkRecord / the result's record). */
export interface ChunkedLayerRecord {
  digest: Digest;
  diffId: Digest;
  size: number;
  uncompressedSize: number;
  entries: number;
  chunks: ChunkRecord[];
}

export interface ChunkedLayerOptions {
  /** Folder the layer file is written to, named by its digest's hex. */
  outputDir: string;
  /** Seconds since the epoch for every entry's mtime. */
  mtime: number;
  level: number;
  /** The previous layer's record (its file must be in outputDir), or undefined. */
  previous?: ChunkedLayerRecord | undefined;
}

export interface ChunkedLayerResult {
  layer: BuiltLayer;
  record: ChunkedLayerRecord;
  /** The previous layer itself (every chunk the same): nothing was written. */
  same: boolean;
  /** Chunks taken from the previous layer, and deflated now. */
  reused: number;
  written: number;
}

// ---- tar headers: the bytes tar-stream writes (oci/layer/tar.ts), so both writers make one tar ----

/** An octal field as tar-stream writes it: zero-padded digits and a space (all 7s when too big). */
function octal(n: number, digits: number): string {
  const v = n.toString(8);
  return v.length > digits ? `${"7".repeat(digits)} ` : `${v.padStart(digits, "0")} `;
}

const TYPEFLAG = { file: 0, link: 1, symlink: 2, directory: 5, pax: 72 } as const;

/** One ustar block, or undefined when the name or link does not fit (then a pax header carries them). */
function ustar(name: string, type: keyof typeof TYPEFLAG, mode: number, uid: number, gid: number, size: number, mtime: number, linkname: string): Buffer | undefined {
  let prefix = "";
  if (Buffer.byteLength(name) !== name.length) return undefined;
  while (name.length > 100) {
    const i = name.indexOf("/");
    if (i === -1) return undefined;
    prefix += prefix ? `/${name.slice(0, i)}` : name.slice(0, i);
    name = name.slice(i + 1);
  }
  if (name.length > 100 || prefix.length > 155) return undefined;
  if (linkname && Buffer.byteLength(linkname) > 100) return undefined;
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0);
  b.write(octal(mode & 0o7777, 6), 100);
  b.write(octal(uid, 6), 108);
  b.write(octal(gid, 6), 116);
  if (size.toString(8).length > 11) {
    b[124] = 0x80;
    let n = size;
    for (let i = 11; i > 0; i--) {
      b[124 + i] = n & 0xff;
      n = Math.floor(n / 0x100);
    }
  } else b.write(octal(size, 11), 124);
  b.write(octal(mtime, 11), 136);
  b[156] = 48 + TYPEFLAG[type];
  if (linkname) b.write(linkname, 157);
  b.write("ustar\x0000", 257, "latin1");
  b.write(octal(0, 6), 329);
  b.write(octal(0, 6), 337);
  if (prefix) b.write(prefix, 345);
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += b[i] as number;
  for (let i = 156; i < BLOCK; i++) sum += b[i] as number;
  b.write(octal(sum, 6), 148);
  return b;
}

function paxRecord(body: string): string {
  const len = Buffer.byteLength(body);
  let digits = Math.floor(Math.log(len) / Math.log(10)) + 1;
  if (len + digits >= 10 ** digits) digits++;
  return `${len + digits}${body}`;
}

/** The header block(s) of an entry: a pax header first when the path or link does not fit ustar. */
export function tarHeader(e: ChunkEntry, mtime: number): Buffer {
  const name = e.type === "directory" ? `${e.name}/` : e.name;
  const link = e.linkname ?? "";
  const size = e.type === "file" ? e.size : 0;
  const plain = ustar(name, e.type, e.mode, e.uid, e.gid, size, mtime, link);
  if (plain) return plain;
  const body = Buffer.from(paxRecord(` path=${name}\n`) + (link ? paxRecord(` linkpath=${link}\n`) : ""));
  const stand = link ? "PaxHeader" : "";
  return Buffer.concat([
    ustar("PaxHeader", "pax", e.mode, e.uid, e.gid, body.length, mtime, stand) as Buffer,
    body,
    Buffer.alloc(pad(body.length)),
    ustar("PaxHeader", e.type, e.mode, e.uid, e.gid, size, mtime, stand) as Buffer,
  ]);
}

const pad = (n: number): number => (BLOCK - (n % BLOCK)) % BLOCK;

// ---- CRC-32 (zlib's), and joining the CRCs of consecutive spans ----

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export function crc32(buf: Uint8Array, crc = 0): number {
  let c = ~crc;
  for (let i = 0; i < buf.length; i++) c = (CRC_TABLE[(c ^ (buf[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i] as number;
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n] as number);
}

/** The CRC-32 of A followed by B, from A's CRC, B's CRC and B's length (zlib's crc32_combine). */
export function crc32Combine(crc1: number, crc2: number, len2: number): number {
  if (len2 <= 0) return crc1 >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  gf2Square(even, odd);
  gf2Square(odd, even);
  let c = crc1 >>> 0;
  let len = len2;
  do {
    gf2Square(even, odd);
    if (len % 2) c = gf2Times(even, c);
    len = Math.floor(len / 2);
    if (len === 0) break;
    gf2Square(odd, even);
    if (len % 2) c = gf2Times(odd, c);
    len = Math.floor(len / 2);
  } while (len !== 0);
  return (c ^ crc2) >>> 0;
}

// ---- reading files ----

const OPEN_FLAGS = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK;

/** `len` bytes of `path` from `pos`; the file must hold exactly `size` bytes. */
function readSpan(path: string, size: number, pos: number, len: number): Buffer {
  const fd = openPlannedSync(path);
  try {
    const st = fstatSync(fd);
    if (st.size !== size) throw changedError(path, size, st.size > size ? "grew" : "shrank");
    const buf = Buffer.allocUnsafe(len);
    let n = 0;
    while (n < len) {
      const got = readSync(fd, buf, n, len - n, pos + n);
      if (got === 0) throw changedError(path, size, "shrank");
      n += got;
    }
    return buf;
  } catch (err) {
    throw readError(path, err);
  } finally {
    closeSync(fd);
  }
}

// ---- the writer ----

function stateOf(path: string): string {
  try {
    const s = lstatSync(path, { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${s.mode}`;
  } catch (err) {
    throw readError(path, err);
  }
}

const sha = (s: string | Buffer): string => createHash("sha256").update(s).digest("hex");

/** An entry's tar fields and content identity, one line of a chunk's key. */
function identity(e: ChunkEntry, hash: string): string {
  return `${e.type}\0${e.name}\0${e.mode}\0${e.uid}\0${e.gid}\0${e.size}\0${e.linkname ?? ""}\0${hash}\n`;
}

/** FNV-1a over the name: where chunks end does not depend on what came before. */
function cutsAfter(name: string): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % CUT_EVERY === 0;
}

/** A chunk decided, not yet written: taken from the previous layer, or its deflate bytes. */
type Pending = { key: string; from: ChunkRecord } | { key: string; tar: Buffer; deflated: Buffer; crc: number };

class Writer {
  private readonly settingsLine: string;
  private readonly previous: Map<string, ChunkRecord>;
  private prevFd: number | undefined;
  private fd: number | undefined;
  private readonly gz = createHash("sha256");
  private readonly tar: Hash = createHash("sha256");
  private offset = 0;
  private ulen = 0;
  private crc = 0;
  private readonly chunks: ChunkRecord[] = [];
  /** Chunks taken from the previous layer while every chunk so far was its chunk at the same place. */
  private held: Pending[] = [];
  private stillSame: boolean;
  reused = 0;
  written = 0;
  entries = 0;
  // The chunk being gathered.
  private group: ChunkEntry[] = [];
  private groupBytes = 0;

  constructor(
    private readonly o: ChunkedLayerOptions,
    private readonly tmp: string,
  ) {
    this.settingsLine = `${FORMAT}\n${o.mtime}\n${o.level}\n`;
    this.previous = new Map((o.previous?.chunks ?? []).map((c) => [c.key, c]));
    this.stillSame = o.previous !== undefined;
    if (o.previous) {
      try {
        this.prevFd = openSync(join(o.outputDir, digestHex(o.previous.digest)), OPEN_FLAGS);
        if (fstatSync(this.prevFd).size !== o.previous.size) this.closePrevious();
      } catch {
        this.prevFd = undefined;
      }
    }
    if (this.prevFd === undefined) {
      this.previous.clear();
      this.stillSame = false;
    }
  }

  private closePrevious(): void {
    if (this.prevFd !== undefined) closeSync(this.prevFd);
    this.prevFd = undefined;
  }

  add(e: ChunkEntry): void {
    this.entries++;
    if (e.type === "file" && e.size > PIECE) {
      this.endGroup();
      this.bigFile(e);
      return;
    }
    this.group.push(e);
    this.groupBytes += BLOCK + (e.type === "file" ? e.size + pad(e.size) : 0);
    if (cutsAfter(e.name) || this.groupBytes >= CHUNK_MAX) this.endGroup();
  }

  private endGroup(): void {
    const group = this.group;
    if (group.length === 0) return;
    this.group = [];
    this.groupBytes = 0;
    // Every content known: the key needs no read, and a known chunk no tar at all.
    if (group.every((e) => e.type !== "file" || e.hash !== undefined)) {
      const key = sha(this.settingsLine + group.map((e) => identity(e, e.hash ?? "")).join(""));
      const rec = this.previous.get(key);
      if (rec) return this.take({ key, from: rec });
    }
    const parts: Buffer[] = [];
    const lines: string[] = [];
    for (const e of group) {
      parts.push(tarHeader(e, this.o.mtime));
      if (e.type === "file") {
        const content = e.size === 0 ? Buffer.alloc(0) : readSpan(e.source as string, e.size, 0, e.size);
        parts.push(content, Buffer.alloc(pad(e.size)));
        lines.push(identity(e, sha(content)));
      } else lines.push(identity(e, ""));
    }
    this.fresh(sha(this.settingsLine + lines.join("")), Buffer.concat(parts));
  }

  /**
   * A file of more than PIECE bytes: one chunk per PIECE of its content (the header with the
   * first), keyed by the file's hash and the piece's number. An unknown hash is taken by reading
   * the file first; a file whose inode state moved meanwhile fails the layer.
   */
  private bigFile(e: ChunkEntry): void {
    const path = e.source as string;
    const before = stateOf(path);
    let hash = e.hash;
    if (hash === undefined) {
      const h = createHash("sha256");
      for (let at = 0; at < e.size; at += PIECE) h.update(readSpan(path, e.size, at, Math.min(PIECE, e.size - at)));
      hash = h.digest("hex");
    }
    const id = identity(e, hash);
    const pieces = Math.ceil(e.size / PIECE);
    for (let i = 0; i < pieces; i++) {
      const key = sha(`${this.settingsLine}${id}piece ${i}\n`);
      const rec = this.previous.get(key);
      if (rec) {
        this.take({ key, from: rec });
        continue;
      }
      const len = Math.min(PIECE, e.size - i * PIECE);
      const content = readSpan(path, e.size, i * PIECE, len);
      const parts = i === 0 ? [tarHeader(e, this.o.mtime), content] : [content];
      if (i === pieces - 1) parts.push(Buffer.alloc(pad(e.size)));
      this.fresh(key, Buffer.concat(parts));
    }
    if (e.hash === undefined && stateOf(path) !== before) {
      throw new OciError("OCI_ARCHIVE", `${path} changed while the layer was being built`, { hint: "stop whatever writes to it, then build again" });
    }
  }

  /** A chunk made now: taken from the previous layer when its key is known there, else deflated. */
  private fresh(key: string, tar: Buffer): void {
    const rec = this.previous.get(key);
    if (rec && rec.ulen === tar.length) return this.take({ key, from: rec }, tar);
    this.take({ key, tar, deflated: deflateRawSync(tar, { level: this.o.level, finishFlush: zc.Z_FULL_FLUSH }), crc: crc32(tar) });
  }

  private take(p: Pending, tar?: Buffer): void {
    const at = this.chunks.length + this.held.length;
    if (this.stillSame && "from" in p && this.o.previous?.chunks[at]?.key === p.key) {
      this.held.push(p);
      return;
    }
    this.stillSame = false;
    this.flushHeld();
    this.write(p, tar);
  }

  private flushHeld(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) this.write(h);
  }

  private out(b: Buffer): void {
    if (this.fd === undefined) {
      this.fd = openSync(this.tmp, "wx");
      this.out(GZIP_HEADER);
    }
    for (let n = 0; n < b.length; ) n += writeSync(this.fd, b, n, b.length - n);
    this.gz.update(b);
    this.offset += b.length;
  }

  private write(p: Pending, knownTar?: Buffer): void {
    if (this.fd === undefined) this.out(Buffer.alloc(0));
    let deflated: Buffer;
    let tar: Buffer;
    let crc: number;
    if ("from" in p) {
      deflated = Buffer.allocUnsafe(p.from.clen);
      let n = 0;
      while (n < deflated.length) {
        const got = readSync(this.prevFd as number, deflated, n, deflated.length - n, p.from.offset + n);
        if (got === 0) throw new OciError("OCI_ARCHIVE", "the previous app layer's file ended early", { hint: "build again: the layer is then written whole" });
        n += got;
      }
      tar = knownTar ?? inflateRawSync(deflated, { finishFlush: zc.Z_SYNC_FLUSH });
      if (tar.length !== p.from.ulen) throw new OciError("OCI_ARCHIVE", "a chunk of the previous app layer does not inflate to its recorded length", { hint: "remove the layer cache's app-layer records and build again" });
      crc = p.from.crc;
      this.reused++;
    } else {
      ({ deflated, tar, crc } = p);
      this.written++;
    }
    const offset = this.offset;
    this.out(deflated);
    this.tar.update(tar);
    this.crc = crc32Combine(this.crc, crc, tar.length);
    this.ulen += tar.length;
    this.chunks.push({ key: p.key, offset, clen: deflated.length, ulen: tar.length, crc });
  }

  /** Ends the tar and the gzip member. Returns the record, or undefined when the previous layer stands. */
  finish(): { record: ChunkedLayerRecord } | undefined {
    this.endGroup();
    const prev = this.o.previous;
    if (this.stillSame && prev && this.held.length === prev.chunks.length) {
      this.reused = this.held.length;
      this.closePrevious();
      return undefined;
    }
    this.flushHeld();
    this.closePrevious();
    if (this.fd === undefined) this.out(Buffer.alloc(0));
    const end = Buffer.alloc(2 * BLOCK);
    this.out(deflateRawSync(end, { level: this.o.level }));
    this.tar.update(end);
    this.crc = crc32Combine(this.crc, crc32(end), end.length);
    this.ulen += end.length;
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.ulen % 2 ** 32, 4);
    this.out(trailer);
    closeSync(this.fd as number);
    this.fd = undefined;
    return {
      record: {
        digest: `sha256:${this.gz.digest("hex")}` as Digest,
        diffId: `sha256:${this.tar.digest("hex")}` as Digest,
        size: this.offset,
        uncompressedSize: this.ulen,
        entries: this.entries,
        chunks: this.chunks,
      },
    };
  }

  abort(): void {
    this.closePrevious();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Entries between two turns of the event loop. */
const YIELD_EVERY = 2000;

/**
 * Writes a gzip tar layer of `entries` (in tar order, parents first, each path once) into
 * `opts.outputDir`, taking every chunk the previous layer has from its file. The entries are
 * consumed as they come: nothing per entry is held beyond the chunk being gathered.
 */
export async function writeChunkedLayer(entries: AsyncIterable<ChunkEntry>, opts: ChunkedLayerOptions): Promise<ChunkedLayerResult> {
  await mkdir(opts.outputDir, { recursive: true });
  const tmp = tempPath(opts.outputDir);
  const w = new Writer(opts, tmp);
  let since = 0;
  try {
    for await (const e of entries) {
      w.add(e);
      if (++since >= YIELD_EVERY) {
        since = 0;
        await new Promise((r) => setImmediate(r));
      }
    }
    const done = w.finish();
    const record = done?.record ?? (opts.previous as ChunkedLayerRecord);
    const path = join(opts.outputDir, digestHex(record.digest));
    if (done) await rename(tmp, path);
    const layer = fileLayer(path, { digest: record.digest, diffId: record.diffId, size: record.size, uncompressedSize: record.uncompressedSize, entries: record.entries });
    return { layer, record, same: done === undefined, reused: w.reused, written: w.written };
  } catch (err) {
    w.abort();
    await rm(tmp, { force: true });
    throw err;
  }
}

/** The record file: a header line, the layer's numbers, then one line per chunk. */
export function readChunkRecord(path: string): ChunkedLayerRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  const lines = text.split("\n");
  if (lines[0] !== FORMAT) return undefined;
  const [digest, diffId, size, usize, entries] = (lines[1] ?? "").split(" ");
  if (!digest?.startsWith("sha256:") || !diffId?.startsWith("sha256:")) return undefined;
  const chunks: ChunkRecord[] = [];
  let offset = GZIP_HEADER.length;
  for (const l of lines.slice(2)) {
    if (l === "") continue;
    const [key, clen, ulen, crc] = l.split(" ");
    if (!key || key.length !== 64 || clen === undefined || ulen === undefined || crc === undefined) return undefined;
    chunks.push({ key, offset, clen: Number(clen), ulen: Number(ulen), crc: Number(crc) });
    offset += Number(clen);
  }
  return { digest: digest as Digest, diffId: diffId as Digest, size: Number(size), uncompressedSize: Number(usize), entries: Number(entries), chunks };
}

export async function writeChunkRecord(path: string, r: ChunkedLayerRecord): Promise<void> {
  const lines = [FORMAT, `${r.digest} ${r.diffId} ${r.size} ${r.uncompressedSize} ${r.entries}`, ...r.chunks.map((c) => `${c.key} ${c.clen} ${c.ulen} ${c.crc}`)];
  await writeFileAtomic(path, `${lines.join("\n")}\n`);
}

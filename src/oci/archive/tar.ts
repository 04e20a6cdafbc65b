import type { FileHandle } from "node:fs/promises";
import { posix } from "node:path";
import { OciError } from "../errors.js";

/**
 * The few tar features archives of images need, in both directions:
 * - writing deterministic ustar headers (fixed mtime, uid/gid 0, no user names);
 * - scanning an uncompressed tar once to find where each member's bytes are, so readers can
 *   serve blobs as byte ranges of the file instead of extracting it.
 */

const BLOCK = 512;

export interface TarHeader {
  name: string;
  type: "file" | "directory";
  size: number;
  mode: number;
  mtime: Date;
}

function writeString(buf: Buffer, s: string, off: number, len: number): void {
  const b = Buffer.from(s, "utf8");
  if (b.length > len) throw new OciError("OCI_ARCHIVE", `tar: ${JSON.stringify(s)} does not fit a ${len} byte header field`);
  b.copy(buf, off);
}

function writeOctal(buf: Buffer, n: number, off: number, len: number): void {
  const s = n.toString(8);
  if (s.length > len - 1) {
    // base-256 (GNU): for sizes of 8 GiB and more
    buf[off] = 0x80;
    let v = BigInt(n);
    for (let i = off + len - 1; i > off; i--) {
      buf[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return;
  }
  writeString(buf, `${s.padStart(len - 1, "0")}\0`, off, len);
}

/** One 512-byte ustar header. Names up to 255 bytes (split into prefix and name). */
export function encodeHeader(h: TarHeader): Buffer {
  const buf = Buffer.alloc(BLOCK);
  let name = h.type === "directory" && !h.name.endsWith("/") ? `${h.name}/` : h.name;
  let prefix = "";
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", name.length - 2);
    prefix = name.slice(0, cut);
    name = name.slice(cut + 1);
    if (cut < 0 || Buffer.byteLength(prefix) > 155 || Buffer.byteLength(name) > 100) {
      throw new OciError("OCI_ARCHIVE", `tar: member name ${JSON.stringify(h.name)} is too long`);
    }
  }
  writeString(buf, name, 0, 100);
  writeOctal(buf, h.mode, 100, 8);
  writeOctal(buf, 0, 108, 8); // uid
  writeOctal(buf, 0, 116, 8); // gid
  writeOctal(buf, h.type === "file" ? h.size : 0, 124, 12);
  writeOctal(buf, Math.floor(h.mtime.getTime() / 1000), 136, 12);
  buf.fill(0x20, 148, 156); // checksum placeholder: spaces
  buf[156] = h.type === "file" ? 0x30 : 0x35;
  writeString(buf, "ustar\0", 257, 6);
  writeString(buf, "00", 263, 2);
  writeOctal(buf, 0, 329, 8); // devmajor
  writeOctal(buf, 0, 337, 8); // devminor
  writeString(buf, prefix, 345, 155);
  let sum = 0;
  for (const b of buf) sum += b;
  writeString(buf, `${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return buf;
}

/** Zero bytes that pad a member of `size` bytes to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

/** Where a member's bytes are in the archive file. */
export interface TarMember {
  offset: number;
  size: number;
}

/** A scanned archive: members by normalised path, with links resolved on lookup. */
export class TarIndex {
  constructor(
    private readonly files: Map<string, TarMember>,
    private readonly links: Map<string, { hard: boolean; target: string }>,
  ) {}

  /** The member at `path` (following hard and symbolic links inside the archive). */
  get(path: string): TarMember | undefined {
    let p = normalise(path);
    for (let hops = 0; p !== undefined && hops < 16; hops++) {
      const f = this.files.get(p);
      if (f) return f;
      const l = this.links.get(p);
      if (!l) return undefined;
      p = l.hard || l.target.startsWith("/") ? normalise(l.target) : normalise(posix.join(posix.dirname(p), l.target));
    }
    return undefined;
  }

  has(path: string): boolean {
    return this.get(path) !== undefined;
  }

  /** Every file and link path. */
  paths(): string[] {
    return [...this.files.keys(), ...this.links.keys()];
  }
}

/** `./a//b/` → `a/b`; undefined for paths escaping the archive root. */
function normalise(p: string): string | undefined {
  const n = posix.normalize(`/${p}`).slice(1).replace(/\/$/, "");
  return n.startsWith("..") ? undefined : n;
}

function readString(buf: Buffer, off: number, len: number): string {
  const end = buf.indexOf(0, off);
  return buf.toString("utf8", off, end < 0 || end > off + len ? off + len : end);
}

function readNumber(buf: Buffer, off: number, len: number): number {
  if ((buf[off] as number) & 0x80) {
    let v = 0n;
    for (let i = off + 1; i < off + len; i++) v = (v << 8n) | BigInt(buf[i] as number);
    return Number(v);
  }
  const s = readString(buf, off, len).trim();
  return s === "" ? 0 : Number.parseInt(s, 8);
}

function checksumOk(buf: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (buf[i] as number);
  return sum === readNumber(buf, 148, 8);
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number.parseInt(data.toString("utf8", i, sp), 10);
    if (!Number.isSafeInteger(len) || len <= 0) break;
    const rec = data.toString("utf8", sp + 1, i + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

const MAX_MEMBERS = 1_000_000;
const MAX_META = 1 << 20;

/**
 * Reads every header of an uncompressed tar (seeking past member data) and records where each
 * regular file's bytes are. Handles ustar prefixes, GNU long names, pax path/size records and
 * base-256 sizes; symlinks and hard links are resolved on lookup.
 */
export async function scanTar(fh: FileHandle, what: string): Promise<TarIndex> {
  const files = new Map<string, TarMember>();
  const links = new Map<string, { hard: boolean; target: string }>();
  const { size: fileSize } = await fh.stat();
  const header = Buffer.alloc(BLOCK);
  let pos = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  const bad = (why: string) => new OciError("OCI_ARCHIVE", `${what} is not a valid tar archive: ${why}`);
  const readMeta = async (off: number, size: number): Promise<Buffer> => {
    if (size > MAX_META) throw bad(`a ${size} byte metadata record at offset ${off}`);
    const b = Buffer.alloc(size);
    const { bytesRead } = await fh.read(b, 0, size, off);
    if (bytesRead !== size) throw bad("truncated");
    return b;
  };
  for (let count = 0; ; count++) {
    if (count > MAX_MEMBERS) throw bad(`more than ${MAX_MEMBERS} members`);
    const { bytesRead } = await fh.read(header, 0, BLOCK, pos);
    if (bytesRead === 0) break; // no end-of-archive blocks: tolerated
    if (bytesRead < BLOCK) throw bad(`truncated header at offset ${pos}`);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header)) {
      if (pos === 0 && header[0] === 0x1f && header[1] === 0x8b) {
        throw new OciError("OCI_ARCHIVE", `${what} is gzip-compressed`, { hint: "decompress it first (gunzip), then use the .tar" });
      }
      throw bad(`bad header checksum at offset ${pos}`);
    }
    const type = String.fromCharCode(header[156] as number);
    const magic = readString(header, 257, 6);
    let name = readString(header, 0, 100);
    if (magic === "ustar") {
      const prefix = readString(header, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let size = readNumber(header, 124, 12);
    if (pax.size !== undefined) size = Number(pax.size);
    if (!Number.isSafeInteger(size) || size < 0) throw bad(`invalid size at offset ${pos}`);
    const data = pos + BLOCK;
    const next = data + Math.ceil(size / BLOCK) * BLOCK;
    if (data + size > fileSize) throw bad(`member ${JSON.stringify(name)} runs past the end of the file`);
    switch (type) {
      case "L":
        longName = readString(await readMeta(data, size), 0, size);
        break;
      case "K":
        longLink = readString(await readMeta(data, size), 0, size);
        break;
      case "x":
        pax = parsePax(await readMeta(data, size));
        break;
      case "g":
        break;
      default: {
        const path = normalise(pax.path ?? longName ?? name);
        const linkname = pax.linkpath ?? longLink ?? readString(header, 157, 100);
        if (path !== undefined && path !== "") {
          if (type === "0" || type === "\0" || type === "7") {
            files.set(path, { offset: data, size });
            links.delete(path);
          } else if (type === "1" || type === "2") {
            links.set(path, { hard: type === "1", target: linkname });
            files.delete(path);
          }
        }
        longName = undefined;
        longLink = undefined;
        pax = {};
      }
    }
    pos = next;
  }
  return new TarIndex(files, links);
}

// Raw tar bytes for tests: writes exactly the headers it is given, hostile ones included (no
// normalisation, any type flag, NULs in pax records, sizes that lie). Never used by product code.

/** One ustar header; numbers are written as octal (base-256 when too big), strings as given. */
export interface RawHeader {
  name: string;
  /** Type flag character: "0" file, "1" hard link, "2" symlink, "3" char, "4" block, "5" dir, "6" fifo, "x" pax, "L"/"K" GNU long name/link… */
  type?: string;
  size?: number;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
  linkname?: string;
  prefix?: string;
  /** Corrupts the checksum. */
  badChecksum?: boolean;
}

function writeString(buf: Buffer, s: string, off: number, len: number): void {
  const b = Buffer.from(s, "utf8");
  if (b.length > len) throw new Error(`raw tar: ${JSON.stringify(s.slice(0, 40))} does not fit in ${len} bytes`);
  b.copy(buf, off);
}

function writeNumber(buf: Buffer, n: number, off: number, len: number): void {
  const oct = n.toString(8);
  if (oct.length <= len - 1) {
    writeString(buf, `${oct.padStart(len - 1, "0")}\0`, off, len);
    return;
  }
  buf[off] = 0x80; // base-256
  let v = n;
  for (let i = len - 1; i > 0; i--) {
    buf[off + i] = v % 256;
    v = Math.floor(v / 256);
  }
}

export function header(h: RawHeader): Buffer {
  const buf = Buffer.alloc(512);
  writeString(buf, h.name, 0, 100);
  writeNumber(buf, h.mode ?? 0o644, 100, 8);
  writeNumber(buf, h.uid ?? 0, 108, 8);
  writeNumber(buf, h.gid ?? 0, 116, 8);
  writeNumber(buf, h.size ?? 0, 124, 12);
  writeNumber(buf, h.mtime ?? 1_000_000_000, 136, 12);
  buf.write(h.type ?? "0", 156, "latin1");
  writeString(buf, h.linkname ?? "", 157, 100);
  buf.write("ustar\u000000", 257, "latin1");
  writeNumber(buf, 0, 329, 8);
  writeNumber(buf, 0, 337, 8);
  writeString(buf, h.prefix ?? "", 345, 155);
  buf.fill(" ", 148, 156);
  let sum = 0;
  for (const b of buf) sum += b;
  if (h.badChecksum) sum += 1;
  writeString(buf, `${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return buf;
}

function pad(n: number): Buffer {
  return Buffer.alloc((512 - (n % 512)) % 512);
}

/** A header followed by its data, padded to a block; size defaults to the data's length. */
export function entry(h: RawHeader, data: string | Buffer = Buffer.alloc(0)): Buffer {
  const d = typeof data === "string" ? Buffer.from(data) : data;
  return Buffer.concat([header({ ...h, size: h.size ?? d.length }), d, pad(d.length)]);
}

export const file = (name: string, content: string | Buffer = "", mode = 0o644, more: Partial<RawHeader> = {}): Buffer =>
  entry({ name, type: "0", mode, ...more }, content);
export const dir = (name: string, mode = 0o755, more: Partial<RawHeader> = {}): Buffer => entry({ name, type: "5", mode, ...more });
export const symlink = (name: string, target: string): Buffer => entry({ name, type: "2", mode: 0o777, linkname: target });
export const hardlink = (name: string, target: string): Buffer => entry({ name, type: "1", mode: 0o644, linkname: target });

/** A pax extended header ("x") for the entry that follows. Values may hold anything, NULs too. */
export function pax(records: Record<string, string>): Buffer {
  let body = "";
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(rest) + 1;
    while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest);
    body += `${len}${rest}`;
  }
  return entry({ name: "PaxHeaders/x", type: "x" }, Buffer.from(body, "utf8"));
}

/** A GNU long name ("L") or long link name ("K") record for the entry that follows. */
export function gnuLong(kind: "L" | "K", value: string): Buffer {
  return entry({ name: "././@LongLink", type: kind }, Buffer.from(`${value}\0`, "utf8"));
}

/** Concatenates entries and the end-of-archive marker. */
export function tar(...parts: Buffer[]): Buffer {
  return Buffer.concat([...parts, Buffer.alloc(1024)]);
}

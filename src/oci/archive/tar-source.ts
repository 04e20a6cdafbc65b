import { Readable } from "node:stream";
import type { Descriptor } from "../descriptor.js";
import { OciError } from "../errors.js";
import { blobRelPath, type BlobSource, checkSmall, MAX_SMALL_BLOB, verified, verifySmall } from "../layout/index.js";
import { openRegularFile } from "../regular-file.js";
import { scanTar, type TarIndex, type TarMember } from "./tar.js";

/** An uncompressed tar file, scanned once; members are served as byte ranges of the file. */
export interface TarFile {
  readonly file: string;
  readonly index: TarIndex;
  /** The member's bytes (unverified: callers verify against what they expect). */
  open(m: TarMember): Promise<Readable>;
  /** A small member read whole; one over `max` bytes is refused before anything is read. */
  read(m: TarMember, max: number, name: string): Promise<Buffer>;
}

/**
 * Scans a tar archive. The file must be a regular file (checked on the opened descriptor: a fifo
 * or a link to a device is refused, never waited on or read forever), and so must every later
 * open of it.
 */
export async function openTar(file: string, what: string): Promise<TarFile> {
  const ctx = { what, code: "OCI_ARCHIVE" } as const;
  const openFile = async () => {
    let f;
    try {
      f = await openRegularFile(file, ctx);
    } catch (e) {
      if (e instanceof OciError) throw e;
      throw new OciError("OCI_ARCHIVE", `cannot open ${what}`, { cause: e });
    }
    if (!f) throw new OciError("OCI_ARCHIVE", `cannot open ${what}: there is no such file`);
    return f;
  };
  const { fh } = await openFile();
  let index: TarIndex;
  try {
    index = await scanTar(fh, what);
  } finally {
    await fh.close();
  }
  /** Opens the file again, checking that it still holds the member. */
  const reopen = async (m: TarMember) => {
    const f = await openFile();
    if (f.size < m.offset + m.size) {
      await f.fh.close();
      throw new OciError("OCI_ARCHIVE", `${what} changed while being read (it is shorter than when it was scanned)`);
    }
    return f.fh;
  };
  return {
    file,
    index,
    open: async (m) => (m.size === 0 ? Readable.from([]) : (await reopen(m)).createReadStream({ start: m.offset, end: m.offset + m.size - 1 })),
    read: async (m, max, name) => {
      if (m.size > max) throw new OciError("OCI_LIMIT_EXCEEDED", `${what}: ${name} is ${m.size} bytes, over the ${max} byte limit`);
      const h = await reopen(m);
      try {
        const b = Buffer.alloc(m.size);
        const { bytesRead } = await h.read(b, 0, m.size, m.offset);
        if (bytesRead !== m.size) throw new OciError("OCI_ARCHIVE", `${what} changed while being read (short read)`);
        return b;
      } finally {
        await h.close();
      }
    },
  };
}

/** The `blobs/<alg>/<hex>` members of an archive as a verified blob source. */
export function tarBlobSource(tar: TarFile, what: string): BlobSource {
  const member = (d: Descriptor): TarMember => {
    const m = tar.index.get(blobRelPath(d.digest));
    if (!m) throw new OciError("OCI_BLOB_NOT_FOUND", `${what} has no blob ${d.digest}`, { hint: "the archive is incomplete" });
    if (m.size !== d.size) {
      throw new OciError("OCI_SIZE_MISMATCH", `${what}: blob ${d.digest} is ${m.size} bytes, expected ${d.size}`);
    }
    return m;
  };
  return {
    what,
    open: async (d) => verified(await tar.open(member(d)), d, `${what}: blob ${d.digest}`),
    bytes: async (d) => {
      checkSmall(d, what);
      return verifySmall(await tar.read(member(d), MAX_SMALL_BLOB, `blob ${d.digest}`), d, `${what}: blob ${d.digest}`);
    },
  };
}

import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import type { Descriptor } from "../descriptor.js";
import { OciError } from "../errors.js";
import { blobRelPath, type BlobSource, checkSmall, verified, verifySmall } from "../layout/index.js";
import { scanTar, type TarIndex, type TarMember } from "./tar.js";

/** An uncompressed tar file, scanned once; members are served as byte ranges of the file. */
export interface TarFile {
  readonly file: string;
  readonly index: TarIndex;
  /** The member's bytes (unverified: callers verify against what they expect). */
  stream(m: TarMember): Readable;
  read(m: TarMember): Promise<Buffer>;
}

export async function openTar(file: string, what: string): Promise<TarFile> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch (e) {
    throw new OciError("OCI_ARCHIVE", `cannot open ${what}`, { cause: e });
  }
  let index: TarIndex;
  try {
    index = await scanTar(fh, what);
  } finally {
    await fh.close();
  }
  return {
    file,
    index,
    stream: (m) => (m.size === 0 ? Readable.from([]) : createReadStream(file, { start: m.offset, end: m.offset + m.size - 1 })),
    read: async (m) => {
      const h = await open(file, "r");
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
    open: async (d) => verified(tar.stream(member(d)), d, `${what}: blob ${d.digest}`),
    bytes: async (d) => {
      checkSmall(d, what);
      return verifySmall(await tar.read(member(d)), d, `${what}: blob ${d.digest}`);
    },
  };
}

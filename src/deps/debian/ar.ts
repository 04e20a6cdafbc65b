// The `ar` container of a .deb: a global header, then members with 60-byte headers, each padded
// to an even offset. Read by random access from a file: members are located, never buffered.
import type { FileHandle } from "node:fs/promises";
import { DepsError } from "../errors.js";

export interface ArMember {
  name: string;
  /** Byte offset of the member's data in the file. */
  offset: number;
  size: number;
}

const MAGIC = "!<arch>\n";
const HEADER = 60;

export async function readArMembers(fh: FileHandle, what: string): Promise<ArMember[]> {
  const { size: total } = await fh.stat();
  const head = Buffer.alloc(HEADER);
  await fh.read(head, 0, MAGIC.length, 0);
  if (head.toString("latin1", 0, MAGIC.length) !== MAGIC) {
    throw new DepsError("DEBIAN_DEB", `${what} is not a Debian package (no ar header)`);
  }
  const members: ArMember[] = [];
  let pos = MAGIC.length;
  while (pos < total) {
    if (pos % 2 === 1) pos++; // data is padded to even offsets
    if (pos >= total) break;
    const { bytesRead } = await fh.read(head, 0, HEADER, pos);
    if (bytesRead < HEADER || head.toString("latin1", 58, 60) !== "`\n") {
      throw new DepsError("DEBIAN_DEB", `${what}: malformed ar member header at offset ${pos}`);
    }
    const name = head.toString("latin1", 0, 16).trim().replace(/\/$/, "");
    const size = Number(head.toString("latin1", 48, 58).trim());
    if (!Number.isSafeInteger(size) || size < 0 || pos + HEADER + size > total) {
      throw new DepsError("DEBIAN_DEB", `${what}: ar member ${name} has a bad size (truncated file?)`);
    }
    members.push({ name, offset: pos + HEADER, size });
    pos += HEADER + size;
  }
  return members;
}

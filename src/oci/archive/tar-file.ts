import { rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { createTemp } from "../../fs/index.js";
import { REPRODUCIBLE_EPOCH_SECONDS } from "../config.js";
import type { Digest } from "../digest.js";
import { OciError } from "../errors.js";
import type { OnProgress } from "../progress.js";
import { encodeHeader, END_OF_ARCHIVE, padding } from "./tar.js";

/** One member of a tar to write: a directory, bytes in memory, or a (verified) stream. */
export type TarFileEntry =
  | { name: string; type: "directory" }
  | { name: string; type: "file"; bytes: Uint8Array }
  | { name: string; type: "file"; size: number; digest: Digest; open(): Promise<Readable> };

const MTIME = new Date(REPRODUCIBLE_EPOCH_SECONDS * 1000);

/**
 * Writes a deterministic tar (entries sorted by name, mtime 1980-01-01T00:00:01Z, uid/gid 0,
 * modes 0644/0755) to a temp file beside `file`, fsyncs it and renames it into place: the
 * archive appears whole or not at all.
 */
export async function writeTarAtomic(file: string, entries: TarFileEntry[], onProgress?: OnProgress): Promise<void> {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let tmp: string;
  let fh;
  try {
    ({ path: tmp, fh } = await createTemp(dirname(file)));
  } catch (e) {
    throw new OciError("OCI_ARCHIVE", `cannot create ${file}`, { cause: e });
  }
  try {
    for (const e of sorted) {
      if (e.type === "directory") {
        await fh.write(encodeHeader({ name: e.name, type: "directory", size: 0, mode: 0o755, mtime: MTIME }));
        continue;
      }
      if ("bytes" in e) {
        await fh.write(encodeHeader({ name: e.name, type: "file", size: e.bytes.length, mode: 0o644, mtime: MTIME }));
        await fh.write(e.bytes);
        await fh.write(padding(e.bytes.length));
        continue;
      }
      await fh.write(encodeHeader({ name: e.name, type: "file", size: e.size, mode: 0o644, mtime: MTIME }));
      onProgress?.({ kind: "blob-start", op: "write", digest: e.digest, total: e.size, what: e.name });
      let done = 0;
      let reported = 0;
      for await (const chunk of await e.open()) {
        const b = chunk as Buffer;
        done += b.length;
        if (done > e.size) throw new OciError("OCI_SIZE_MISMATCH", `${e.name}: more than the expected ${e.size} bytes`);
        await fh.write(b);
        if (onProgress && done - reported >= 1 << 20) {
          reported = done;
          onProgress({ kind: "blob-progress", op: "write", digest: e.digest, done, total: e.size });
        }
      }
      if (done !== e.size) throw new OciError("OCI_SIZE_MISMATCH", `${e.name}: got ${done} bytes, expected ${e.size}`);
      await fh.write(padding(e.size));
      onProgress?.({ kind: "blob-done", op: "write", digest: e.digest, total: e.size, result: "transferred" });
    }
    await fh.write(END_OF_ARCHIVE);
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(tmp, { force: true });
    if (e instanceof OciError) throw e;
    throw new OciError("OCI_ARCHIVE", `writing ${file}`, { cause: e });
  }
}

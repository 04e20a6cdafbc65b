import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import type { Header, Pack } from "tar-stream";
import type { Digest } from "../digest.js";
import { type PlannedEntry, S_IFDIR, S_IFLNK, S_IFREG } from "./plan.js";
import { readChunks, readWholeSync } from "./read.js";

/** Files up to this size are read whole, synchronously; bigger ones stream in chunks of it. */
const WHOLE_FILE = 1 << 20;

/**
 * The tar header for an entry. Only these fields vary; no uname/gname, no atime/ctime, and the
 * mode carries its file-type bits so tar-stream never swaps a 0 mode for its default.
 */
export function headerOf(e: PlannedEntry, mtime: Date): Header {
  const dir = e.type === "directory";
  return {
    name: dir ? `${e.name}/` : e.name,
    type: e.type,
    mode: e.mode | (dir ? S_IFDIR : e.type === "symlink" ? S_IFLNK : S_IFREG),
    uid: e.uid,
    gid: e.gid,
    size: e.type === "file" ? e.size : 0,
    mtime,
    linkname: e.linkname ?? "",
    uname: "",
    gname: "",
    devmajor: 0,
    devminor: 0,
  };
}

/**
 * Feeds the planned entries into a tar-stream pack, waiting for the pack to take each one
 * (backpressure), then finalizes it. `onContent` hears every byte of file content written.
 */
export async function writeEntries(
  plan: readonly PlannedEntry[],
  pack: Pack,
  mtime: Date,
  onContent: (n: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  for (let i = 0; i < plan.length; i++) {
    signal?.throwIfAborted();
    const e = plan[i] as PlannedEntry;
    const header = headerOf(e, mtime);
    if (e.type !== "file") await addEntry(pack, header);
    else if (e.content) await addEntry(pack, header, e.content);
    else if (e.size <= WHOLE_FILE) await addEntry(pack, header, readWholeSync(e.source as string, e.size));
    else {
      // A big file is heard chunk by chunk, so progress moves while it is compressed.
      await addStreamed(pack, header, readChunks(e.source as string, e.size, WHOLE_FILE), onContent);
      continue;
    }
    if (e.type === "file") onContent(e.size);
  }
  pack.finalize();
}

function addEntry(pack: Pack, header: Header, content?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null): void => (err ? reject(err) : resolve());
    if (content && content.length > 0) pack.entry(header, content, done);
    else {
      const sink = pack.entry(header, done);
      if (header.type === "file") sink.end(null);
    }
  });
}

function addStreamed(pack: Pack, header: Header, chunks: AsyncIterable<Buffer>, onContent: (n: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    sink.on("error", () => {}); // reported through the entry callback or the read error below
    (async () => {
      for await (const c of chunks) {
        onContent(c.length);
        if (!sink.write(c)) {
          await new Promise<void>((res, rej) => {
            const onDrain = (): void => {
              sink.off("close", onClose);
              res();
            };
            const onClose = (): void => {
              sink.off("drain", onDrain);
              rej(new Error("tar entry closed while writing"));
            };
            sink.once("drain", onDrain);
            sink.once("close", onClose);
          });
        }
      }
      sink.end(null);
    })().catch((err: unknown) => {
      // Fails the whole pack, so the pipeline stops too; the caller sees this error first.
      reject(err);
      sink.destroy(err as Error);
    });
  });
}

/**
 * Hashes and counts the tar as it passes (the diffID), and hands it on in chunks of at least
 * 256 KiB: zlib does one thread-pool round trip per write, so 512-byte headers written one by one
 * would make gzip many times slower.
 */
export class TarTap extends Transform {
  private readonly hash = createHash("sha256");
  private pending: Buffer[] = [];
  private pendingLength = 0;
  size = 0;
  digest: Digest | undefined;

  constructor() {
    // Room for a few chunks ahead of gzip, so the tar keeps being written while zlib works.
    super({ readableHighWaterMark: 4 * COALESCE });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    if (this.pendingLength === 0 && chunk.length >= COALESCE) {
      cb(null, chunk);
      return;
    }
    this.pending.push(chunk);
    this.pendingLength += chunk.length;
    if (this.pendingLength >= COALESCE) cb(null, this.takePending());
    else cb();
  }

  override _flush(cb: TransformCallback): void {
    this.digest = `sha256:${this.hash.digest("hex")}` as Digest;
    if (this.pendingLength > 0) this.push(this.takePending());
    cb();
  }

  private takePending(): Buffer {
    const b = Buffer.concat(this.pending, this.pendingLength);
    this.pending = [];
    this.pendingLength = 0;
    return b;
  }
}

const COALESCE = 256 << 10;

import { Transform, type TransformCallback } from "node:stream";
import type { Digest } from "../digest.js";
import type { BlobOp, OnProgress } from "../progress.js";

const STEP = 512 * 1024;

/** A pass-through that reports `blob-progress` every 512 KiB or so (and at the end). */
export class ProgressStream extends Transform {
  private done = 0;
  private reported = 0;
  constructor(
    private readonly onProgress: OnProgress,
    private readonly op: BlobOp,
    private readonly digest: Digest,
    private readonly total: number,
    start = 0,
  ) {
    super();
    this.done = start;
    this.reported = start;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.done += chunk.length;
    if (this.done - this.reported >= STEP) {
      this.reported = this.done;
      this.onProgress({ kind: "blob-progress", op: this.op, digest: this.digest, done: this.done, total: this.total });
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.done !== this.reported) {
      this.onProgress({ kind: "blob-progress", op: this.op, digest: this.digest, done: this.done, total: this.total });
    }
    cb();
  }
}

// The content-addressed download cache every source shares: `<dir>/sha256/<hex>`. A file is only
// ever renamed into place after its bytes were verified, so presence (with the right size) means
// verified. Two ways in: `put` when the expected SHA-256 is known before the download (Debian's
// signed indexes), `stage` when the source proves the bytes another way (a Go module zip's h1
// hash, checked while it is unpacked) and the SHA-256 is only learnt while the bytes stream.
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Transform, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { tempPath, writeFileAtomicWith } from "../fs/index.js";
import { parseDigest, VerifyingStream } from "../oci/index.js";

export interface Expected {
  sha256: string;
  size: number;
}

/** Bytes written to a temporary name in the cache, hashed on the way; not in the cache until `commit`. */
export interface Staged {
  /** The temporary file: read it to verify, then commit or discard. */
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
  /** Renames the file to `sha256/<hex>` and returns that path. */
  commit(): Promise<string>;
  /** Removes the temporary file (also safe after commit). */
  discard(): Promise<void>;
}

/**
 * Streams `source` through `check` into `path`. A failure can come while the file is still being
 * opened: the stream is waited for, or a pending open would create the file again after it was
 * removed.
 */
async function writeTo(path: string, source: Readable, check: Transform): Promise<void> {
  const out = createWriteStream(path);
  const closed = new Promise<void>((done) => out.once("close", () => done()));
  try {
    await pipeline(source, check, out);
  } finally {
    out.destroy();
    await closed;
  }
}

export class ContentCache {
  constructor(readonly dir: string) {}

  path(sha256: string): string {
    return join(this.dir, "sha256", sha256);
  }

  /** Is a verified copy present? */
  async has(e: Expected): Promise<boolean> {
    try {
      const s = await stat(this.path(e.sha256));
      return s.isFile() && s.size === e.size;
    } catch {
      return false;
    }
  }

  /**
   * Streams `source` into the cache, verifying while it writes; returns the cached path. On any
   * failure the temporary file is removed and nothing lands in the cache; a mismatch is
   * OCI_DIGEST_MISMATCH / OCI_SIZE_MISMATCH (each source names it in its own terms).
   */
  async put(source: Readable, e: Expected, what: string): Promise<string> {
    const final = this.path(e.sha256);
    await mkdir(join(this.dir, "sha256"), { recursive: true });
    await writeFileAtomicWith(final, (tmp) => writeTo(tmp, source, new VerifyingStream(parseDigest(`sha256:${e.sha256}`), e.size, what)));
    return final;
  }

  /**
   * Streams `source` to a temporary name in the cache, computing its SHA-256 and size on the way.
   * The caller verifies the staged bytes its own way and then commits (or discards) them.
   */
  async stage(source: Readable): Promise<Staged> {
    await mkdir(join(this.dir, "sha256"), { recursive: true });
    const tmp = tempPath(join(this.dir, "sha256"));
    const h = createHash("sha256");
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        h.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await writeTo(tmp, source, counter);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
    const sha256 = h.digest("hex");
    const final = this.path(sha256);
    let committed = false;
    return {
      path: tmp,
      sha256,
      size,
      commit: async () => {
        await rename(tmp, final);
        committed = true;
        return final;
      },
      discard: async () => {
        if (!committed) await rm(tmp, { force: true });
      },
    };
  }
}

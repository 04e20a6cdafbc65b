// The machine-wide content-addressed cache of Debian files: `<cacheDir>/sha256/<hex>`. A file is
// only ever renamed into place after its bytes matched the SHA-256 and size the signed index
// promised, so presence (with the right size) means verified.
import { createWriteStream } from "node:fs";
import { mkdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { writeFileAtomicWith } from "../../fs/index.js";
import { isPaketoError } from "../../errors/index.js";
import { parseDigest, VerifyingStream } from "../../oci/index.js";
import { cacheLayout, paketoCacheRoot } from "../cache-layout.js";
import { DepsError } from "../errors.js";

/**
 * The default cache directory: `$PAKETO_CACHE/debian` when that override is set, else
 * `${XDG_CACHE_HOME:-~/.cache}/paketo/debian`. Takes the environment as an argument.
 */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  return cacheLayout(paketoCacheRoot(env, home)).debian;
}

export interface Expected {
  sha256: string;
  size: number;
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
   * failure (mismatch included) the temporary file is removed and nothing lands in the cache.
   */
  async put(source: Readable, e: Expected, what: string): Promise<string> {
    const final = this.path(e.sha256);
    await mkdir(join(this.dir, "sha256"), { recursive: true });
    try {
      await writeFileAtomicWith(final, async (tmp) => {
        const out = createWriteStream(tmp);
        // A failure can come while the file is still being opened: wait for the stream to close,
        // or a pending open would create the file again after it was removed.
        const closed = new Promise<void>((done) => out.once("close", () => done()));
        try {
          await pipeline(source, new VerifyingStream(parseDigest(`sha256:${e.sha256}`), e.size, what), out);
        } finally {
          out.destroy();
          await closed;
        }
      });
      return final;
    } catch (err) {
      if (isPaketoError(err) && (err.code === "OCI_DIGEST_MISMATCH" || err.code === "OCI_SIZE_MISMATCH")) {
        throw new DepsError("DEBIAN_INTEGRITY", err.message, {
          hint: "the mirror served different bytes than the signed index lists (a broken or tampered mirror, or one caught mid-update); nothing was cached",
          cause: err,
        });
      }
      throw err;
    }
  }
}

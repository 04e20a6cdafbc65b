// The machine-wide content-addressed cache of Debian files: `<cacheDir>/sha256/<hex>`, the shared
// download cache (../content-cache.ts) with Debian's error for a mismatch. A file is only ever
// renamed into place after its bytes matched the SHA-256 and size the signed index promised, so
// presence (with the right size) means verified.
import { homedir } from "node:os";
import type { Readable } from "node:stream";
import { isPaketoError } from "../../errors/index.js";
import { cacheLayout, paketoCacheRoot } from "../cache-layout.js";
import { ContentCache as SharedContentCache, type Expected } from "../content-cache.js";
import { DepsError } from "../errors.js";

export type { Expected };

/**
 * The default cache directory: `$PAKETO_CACHE/debian` when that override is set, else
 * `${XDG_CACHE_HOME:-~/.cache}/paketo/debian`. Takes the environment as an argument.
 */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>, home: string = homedir()): string {
  return cacheLayout(paketoCacheRoot(env, home)).debian;
}

export class ContentCache extends SharedContentCache {
  /** As the shared cache's `put`; a mismatch is DEBIAN_INTEGRITY. */
  override async put(source: Readable, e: Expected, what: string): Promise<string> {
    try {
      return await super.put(source, e, what);
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

// Bounds on what one extraction may write, against decompression bombs and full disks: a layer
// may expand to at most `maxRatio` times its compressed size, one image to at most
// `maxImageBytes` in all (an ExtractBudget shared by its layers), and free space on the target's
// filesystem must stay above `minFreeBytes`, checked before and while extracting.
import { statfs } from "node:fs/promises";
import { OciError } from "../errors.js";

export interface ExtractLimits {
  /** Most tar bytes a layer may expand to per compressed byte (default 100). */
  maxRatio: number;
  /** Most tar bytes all the layers of one image may expand to (default 32 GiB). */
  maxImageBytes: number;
  /** Free bytes to leave on the target's filesystem (default 1 GiB). */
  minFreeBytes: number;
}

/** Every layer may expand to this much whatever its ratio: tiny layers of empty files and folders are mostly tar headers. */
export const RATIO_FLOOR_BYTES = 64 * 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<ExtractLimits> = {
  maxRatio: 100,
  maxImageBytes: 32 * 1024 ** 3,
  minFreeBytes: 1024 ** 3,
};

/** The environment variables that change the limits, and what each sets. */
export const LIMIT_ENV = {
  maxRatio: "PAKETO_EXTRACT_MAX_RATIO",
  maxImageBytes: "PAKETO_EXTRACT_MAX_IMAGE_SIZE",
  minFreeBytes: "PAKETO_EXTRACT_MIN_FREE",
} as const satisfies Record<keyof ExtractLimits, string>;

const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `512`, `64M`, `32G`, `1.5T` (binary units, an optional trailing `B` or `iB`). */
export function parseSize(s: string, name: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(s);
  if (!m) throw new OciError("OCI_LIMIT_EXCEEDED", `${name}=${JSON.stringify(s)} is not a size`, { hint: "write bytes, or a number with K, M, G or T (64M, 32G)" });
  return Math.floor(Number(m[1]) * (UNITS[(m[2] ?? "").toLowerCase()] as number));
}

/** The limits, with any of LIMIT_ENV set in `env` taking the place of the default. Takes env as an argument. */
export function limitsFromEnv(env: Record<string, string | undefined>): ExtractLimits {
  const out: ExtractLimits = { ...DEFAULT_LIMITS };
  const ratio = env[LIMIT_ENV.maxRatio];
  if (ratio !== undefined && ratio !== "") {
    const n = Number(ratio);
    if (!Number.isFinite(n) || n < 1) throw new OciError("OCI_LIMIT_EXCEEDED", `${LIMIT_ENV.maxRatio}=${JSON.stringify(ratio)} is not a ratio of 1 or more`);
    out.maxRatio = n;
  }
  const image = env[LIMIT_ENV.maxImageBytes];
  if (image !== undefined && image !== "") out.maxImageBytes = parseSize(image, LIMIT_ENV.maxImageBytes);
  const free = env[LIMIT_ENV.minFreeBytes];
  if (free !== undefined && free !== "") out.minFreeBytes = parseSize(free, LIMIT_ENV.minFreeBytes);
  return out;
}

/** `3.0 GiB`, `640 KiB`: sizes in messages. */
export function formatSize(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${v.toFixed(1)} ${units[i]}`;
}

/**
 * What the layers of one image may still expand to. Shared by every extraction of that image's
 * layers, so a bomb spread thinly over many layers is caught too.
 */
export class ExtractBudget {
  private used = 0;
  constructor(
    readonly maxBytes: number,
    /** Names the image in messages. */
    readonly what: string,
  ) {}

  /** Counts `n` more bytes; throws once the image is past its limit. */
  take(n: number, layer: string): void {
    this.used += n;
    if (this.used > this.maxBytes) {
      throw new OciError("OCI_LIMIT_EXCEEDED", `${layer} takes ${this.what} past ${formatSize(this.maxBytes)} of uncompressed data`, {
        hint: `a decompression bomb, or a very large image: set ${LIMIT_ENV.maxImageBytes} higher if it is trusted`,
      });
    }
  }
}

/** How often (in bytes written) free space is checked during an extraction. */
export const DISK_CHECK_INTERVAL = 64 * 1024 * 1024;

/** Throws unless the filesystem holding `dir` has more than `minFree` bytes available. */
export async function checkFreeSpace(dir: string, minFree: number, what: string): Promise<void> {
  if (minFree <= 0) return;
  let free: number;
  try {
    const s = await statfs(dir);
    free = s.bavail * s.bsize;
  } catch {
    return; // a filesystem that cannot say: extraction fails on ENOSPC, as before
  }
  if (free < minFree) {
    throw new OciError("OCI_LIMIT_EXCEEDED", `extracting ${what}: only ${formatSize(free)} free on the filesystem of ${dir}, and ${formatSize(minFree)} must stay free`, {
      hint: `free some space (paketo prune), or lower ${LIMIT_ENV.minFreeBytes}`,
    });
  }
}

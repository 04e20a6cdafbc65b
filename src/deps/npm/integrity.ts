// Subresource Integrity (the `dist.integrity` of a version): parsing, choosing the strongest hash,
// and checking bytes against it while they stream.
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { parseDigest, VerifyingStream, type Digest } from "../../oci/index.js";
import { NpmError } from "./errors.js";

export type IntegrityAlgorithm = "sha512" | "sha384" | "sha256" | "sha1";

/** Strongest first. sha1 only counts when nothing else is given. */
const STRENGTH: readonly IntegrityAlgorithm[] = ["sha512", "sha384", "sha256", "sha1"];
const HEX_LENGTH: Record<IntegrityAlgorithm, number> = { sha512: 128, sha384: 96, sha256: 64, sha1: 40 };

export interface ExpectedHash {
  algorithm: IntegrityAlgorithm;
  hex: string;
  /** The SRI form, `sha512-<base64>`. */
  sri: string;
  /** True for sha1: collisions can be made, so this is a weaker check. */
  weak: boolean;
}

function fromHex(algorithm: IntegrityAlgorithm, hex: string): ExpectedHash | undefined {
  if (!new RegExp(`^[0-9a-f]{${HEX_LENGTH[algorithm]}}$`).test(hex)) return undefined;
  return { algorithm, hex, sri: `${algorithm}-${Buffer.from(hex, "hex").toString("base64")}`, weak: algorithm === "sha1" };
}

/** The strongest hash in an SRI string (several space-separated `alg-base64[?opts]` entries). */
export function parseIntegrity(sri: string): ExpectedHash | undefined {
  const found = new Map<IntegrityAlgorithm, ExpectedHash>();
  for (const entry of sri.trim().split(/\s+/)) {
    const m = /^(sha512|sha384|sha256|sha1)-([A-Za-z0-9+/]+={0,2})(?:\?.*)?$/.exec(entry);
    if (!m) continue;
    const alg = m[1] as IntegrityAlgorithm;
    const h = fromHex(alg, Buffer.from(m[2]!, "base64").toString("hex"));
    if (h && !found.has(alg)) found.set(alg, h);
  }
  for (const alg of STRENGTH) {
    const h = found.get(alg);
    if (h) return h;
  }
  return undefined;
}

/**
 * The hash to check a tarball with: the strongest in `dist.integrity`, else the hex sha1
 * `dist.shasum` (old packages publish nothing better). Throws when there is neither.
 */
export function expectedHash(dist: { integrity?: string; shasum?: string }, what: string): ExpectedHash {
  const fromSri = dist.integrity ? parseIntegrity(dist.integrity) : undefined;
  if (fromSri) return fromSri;
  const fromShasum = dist.shasum ? fromHex("sha1", dist.shasum.toLowerCase()) : undefined;
  if (fromShasum) return fromShasum;
  throw new NpmError("NPM_METADATA", `${what}: the registry gives no usable integrity (dist.integrity or dist.shasum)`, {
    hint: "refusing to download something that cannot be verified",
  });
}

/** A progress key for the hash (sha1/sha384 are not OCI digests, but progress only shows them). */
export function progressDigest(h: ExpectedHash): Digest {
  return (h.algorithm === "sha512" || h.algorithm === "sha256" ? parseDigest(`${h.algorithm}:${h.hex}`) : `${h.algorithm}:${h.hex}`) as Digest;
}

/** A pass-through that fails at the end unless the bytes hash to `h`. */
export function verifier(h: ExpectedHash, what: string): Transform {
  if (h.algorithm === "sha512" || h.algorithm === "sha256") {
    return new VerifyingStream(parseDigest(`${h.algorithm}:${h.hex}`), undefined, what);
  }
  return new HashCheck(h, what);
}

class HashCheck extends Transform {
  private readonly hash: Hash;
  constructor(
    private readonly expected: ExpectedHash,
    private readonly what: string,
  ) {
    super();
    this.hash = createHash(expected.algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    const got = this.hash.digest("hex");
    if (got !== this.expected.hex) {
      cb(new NpmError("NPM_INTEGRITY", `${this.what}: content has ${this.expected.algorithm} ${got}, expected ${this.expected.hex}`));
      return;
    }
    cb();
  }
}

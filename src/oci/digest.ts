import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { OciError } from "./errors.js";

/** A content digest such as `sha256:ab12…`. Only parseDigest and the hashers create one. */
export type Digest = string & { readonly __brand: "Digest" };

const PATTERNS: Record<string, RegExp> = {
  sha256: /^[a-f0-9]{64}$/,
  sha512: /^[a-f0-9]{128}$/,
};

export function parseDigest(s: string, where?: string): Digest {
  const i = s.indexOf(":");
  const alg = i > 0 ? s.slice(0, i) : "";
  const hex = s.slice(i + 1);
  const re = PATTERNS[alg];
  if (!re || !re.test(hex)) {
    throw new OciError("OCI_INVALID_DIGEST", `invalid digest ${JSON.stringify(s)}${where ? ` in ${where}` : ""}`, {
      hint: "a digest is 'sha256:' followed by 64 lowercase hex characters",
    });
  }
  return s as Digest;
}

export function isDigest(s: string): s is Digest {
  const i = s.indexOf(":");
  const re = PATTERNS[s.slice(0, i)];
  return i > 0 && !!re && re.test(s.slice(i + 1));
}

export function digestAlgorithm(d: Digest): string {
  return d.slice(0, d.indexOf(":"));
}

export function digestHex(d: Digest): string {
  return d.slice(d.indexOf(":") + 1);
}

export function sha256(data: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(data).digest("hex")}` as Digest;
}

/**
 * A pass-through stream that hashes and counts what flows through it: digest and size are known
 * the moment the stream ends, without reading the bytes twice.
 */
export class DigestingStream extends Transform {
  private readonly hash: Hash;
  private readonly algorithm: string;
  private _size = 0;
  private _digest: Digest | undefined;

  constructor(algorithm = "sha256") {
    super();
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this._size += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    this._digest = `${this.algorithm}:${this.hash.digest("hex")}` as Digest;
    cb();
  }

  /** The digest; throws if the stream has not ended yet. */
  get digest(): Digest {
    if (!this._digest) throw new Error("DigestingStream: digest read before the stream ended");
    return this._digest;
  }

  get size(): number {
    return this._size;
  }
}

/**
 * A pass-through stream that fails at the end unless the bytes hash to `expected` (and, when
 * given, have exactly `expectedSize` bytes). Everything pulled is verified this way.
 */
export class VerifyingStream extends Transform {
  private readonly hash: Hash;
  private seen = 0;
  constructor(
    private readonly expected: Digest,
    private readonly expectedSize: number | undefined,
    private readonly what: string,
  ) {
    super();
    this.hash = createHash(digestAlgorithm(expected));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.seen += chunk.length;
    if (this.expectedSize !== undefined && this.seen > this.expectedSize) {
      cb(
        new OciError("OCI_SIZE_MISMATCH", `${this.what}: more than the expected ${this.expectedSize} bytes`),
      );
      return;
    }
    this.hash.update(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.expectedSize !== undefined && this.seen !== this.expectedSize) {
      cb(
        new OciError(
          "OCI_SIZE_MISMATCH",
          `${this.what}: got ${this.seen} bytes, expected ${this.expectedSize} (truncated?)`,
        ),
      );
      return;
    }
    const got = `${digestAlgorithm(this.expected)}:${this.hash.digest("hex")}`;
    if (got !== this.expected) {
      cb(new OciError("OCI_DIGEST_MISMATCH", `${this.what}: content has digest ${got}, expected ${this.expected}`));
      return;
    }
    cb();
  }
}

/** Checks a buffer fully held in memory against its digest. */
export function verifyBytes(data: Uint8Array, expected: Digest, what: string): void {
  const got = `${digestAlgorithm(expected)}:${createHash(digestAlgorithm(expected)).update(data).digest("hex")}`;
  if (got !== expected) {
    throw new OciError("OCI_DIGEST_MISMATCH", `${what}: content has digest ${got}, expected ${expected}`);
  }
}

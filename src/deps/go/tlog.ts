// The checksum database's transparency log (RFC 6962 Merkle trees, read as tiles) and its signed
// notes: what the go command checks before it trusts a `go.sum` line it did not have. Pure
// functions over bytes; the hashing and Ed25519 come from node:crypto.
//
// - A record's leaf hash is SHA-256(0x00 || record), an inner node SHA-256(0x01 || left || right).
// - Hashes are stored in tiles of height 8: tile `tile/8/<L>/<N>[.p/<W>]` holds the W (≤ 256)
//   hashes of tree level 8·L with indexes 256·N ... 256·N+W-1, 32 bytes each.
// - A signed tree head is a note: `go.sum database tree\n<size>\n<base64 root>\n`, a blank line,
//   and `— <name> <base64(4-byte key hash || Ed25519 signature)>` lines.
import { createHash, createPublicKey, verify, type KeyObject } from "node:crypto";
import { GoProxyError } from "./errors.js";

export const TILE_HEIGHT = 8;
const TILE_WIDTH = 1 << TILE_HEIGHT;

export function recordHash(data: Buffer): Buffer {
  return createHash("sha256").update(Buffer.from([0])).update(data).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash("sha256").update(Buffer.from([1])).update(left).update(right).digest();
}

/** A tile: hashes of tree level `level * 8`, indexes `index * 256` onwards, `width` of them. */
export interface Tile {
  level: number;
  index: number;
  width: number;
}

/** The tile's path under the log's base URL (`tile/8/0/x001/234.p/5`). */
export function tilePath(t: Tile): string {
  let n = t.index;
  let s = String(n % 1000).padStart(3, "0");
  while (n >= 1000) {
    n = Math.floor(n / 1000);
    s = `x${String(n % 1000).padStart(3, "0")}/${s}`;
  }
  return `tile/${TILE_HEIGHT}/${t.level}/${s}${t.width === TILE_WIDTH ? "" : `.p/${t.width}`}`;
}

/** The largest power of two smaller than n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Reads one stored hash: tree `level`, `index` (its subtree covers leaves index·2^level ...). */
type HashAt = (level: number, index: number) => Buffer;

/** The hash of leaves [lo, hi), each complete aligned subtree read through `at`. */
function subtreeHash(lo: number, hi: number, at: HashAt): Buffer {
  const n = hi - lo;
  if ((n & (n - 1)) === 0 && lo % n === 0) return at(Math.log2(n), lo / n);
  const k = split(n);
  return nodeHash(subtreeHash(lo, lo + k, at), subtreeHash(lo + k, hi, at));
}

/** The root of leaves [lo, hi) with leaf `m`'s hash given, not read (RFC 6962 audit path). */
function rootWithLeaf(lo: number, hi: number, m: number, leaf: Buffer, at: HashAt): Buffer {
  if (hi - lo === 1) return leaf;
  const k = split(hi - lo);
  return m < lo + k
    ? nodeHash(rootWithLeaf(lo, lo + k, m, leaf, at), subtreeHash(lo + k, hi, at))
    : nodeHash(subtreeHash(lo, lo + k, at), rootWithLeaf(lo + k, hi, m, leaf, at));
}

/** The tile holding the stored hashes a subtree (level, index) is computed from, in a tree of `size` leaves. */
function tileFor(level: number, index: number, size: number): { tile: Tile; first: number; count: number } {
  const tl = Math.floor(level / TILE_HEIGHT);
  const sub = level - tl * TILE_HEIGHT;
  const first = index * 2 ** sub; // first stored hash of level 8·tl
  const tileIndex = Math.floor(first / TILE_WIDTH);
  const stored = Math.floor(size / 2 ** (tl * TILE_HEIGHT)); // complete level-8·tl hashes in this tree
  const width = Math.min(TILE_WIDTH, stored - tileIndex * TILE_WIDTH);
  return { tile: { level: tl, index: tileIndex, width }, first: first - tileIndex * TILE_WIDTH, count: 2 ** sub };
}

/** Every tile the inclusion proof of leaf `m` in a tree of `size` leaves reads. */
export function proofTiles(m: number, size: number): Tile[] {
  const seen = new Map<string, Tile>();
  const at: HashAt = (level, index) => {
    const { tile } = tileFor(level, index, size);
    seen.set(tilePath(tile), tile);
    return Buffer.alloc(32);
  };
  rootWithLeaf(0, size, m, Buffer.alloc(32), at);
  return [...seen.values()];
}

/**
 * Checks that `record` is leaf `m` of the tree of `size` leaves whose root is `root`, reading the
 * other hashes from `tiles` (by path, as proofTiles names them). Any wrong tile makes the root
 * come out different, so tiles need no trust of their own.
 */
export function verifyInclusion(record: Buffer, m: number, size: number, root: Buffer, tiles: ReadonlyMap<string, Buffer>): boolean {
  if (m < 0 || m >= size) return false;
  const at: HashAt = (level, index) => {
    const { tile, first, count } = tileFor(level, index, size);
    const data = tiles.get(tilePath(tile));
    if (!data || data.length !== tile.width * 32) throw new GoProxyError("GOPROXY_SUMDB", `checksum database tile ${tilePath(tile)} is missing or has the wrong size`);
    const hashes = Array.from({ length: count }, (_, i) => data.subarray((first + i) * 32, (first + i + 1) * 32));
    while (hashes.length > 1) {
      for (let i = 0; i < hashes.length / 2; i++) hashes[i] = nodeHash(hashes[2 * i]!, hashes[2 * i + 1]!);
      hashes.length /= 2;
    }
    return hashes[0]!;
  };
  return rootWithLeaf(0, size, m, recordHash(record), at).equals(root);
}

/** A note's verifier: `name+<8 hex key hash>+<base64(0x01 || Ed25519 public key)>`. */
export interface Verifier {
  name: string;
  hash: number;
  key: KeyObject;
}

export function parseVerifierKey(vkey: string): Verifier {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey);
  const bad = (why: string) => new GoProxyError("GOPROXY_CONFIG", `checksum database key ${JSON.stringify(vkey)}: ${why}`, { hint: "GOSUMDB takes the form name+hash+key (as go env GOSUMDB prints a custom one)" });
  if (!m) throw bad("not of the form name+hash+key");
  const raw = Buffer.from(m[3]!, "base64");
  if (raw.length !== 33 || raw[0] !== 1) throw bad("not an Ed25519 key");
  const name = m[1]!;
  const want = createHash("sha256").update(`${name}\n`).update(raw).digest().readUInt32BE(0);
  const hash = parseInt(m[2]!, 16);
  if (want !== hash) throw bad("its hash does not match its key");
  const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: raw.subarray(1).toString("base64url") }, format: "jwk" });
  return { name, hash, key };
}

/** Opens a signed note: the text when one signature by `v` verifies, else an error. */
export function openNote(msg: Buffer, v: Verifier): string {
  const s = msg.toString("utf8");
  const sep = s.lastIndexOf("\n\n");
  if (sep < 0) throw new GoProxyError("GOPROXY_SUMDB", "the checksum database's signed tree head is malformed (no signatures)");
  const text = s.slice(0, sep + 1);
  for (const line of s.slice(sep + 2).split("\n")) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m || m[1] !== v.name) continue;
    const sig = Buffer.from(m[2]!, "base64");
    if (sig.length < 5 || sig.readUInt32BE(0) !== v.hash) continue;
    if (verify(null, Buffer.from(text, "utf8"), v.key, sig.subarray(4))) return text;
    throw new GoProxyError("GOPROXY_SUMDB", `the signature of ${v.name} on the checksum database's tree head does not verify`, {
      hint: "the proxy (or something between) altered the checksum database's answer",
    });
  }
  throw new GoProxyError("GOPROXY_SUMDB", `the checksum database's tree head carries no signature by ${v.name}`, {
    hint: "is GOSUMDB the database the proxy serves?",
  });
}

/** The tree a signed tree head describes. */
export function parseTree(text: string): { size: number; root: Buffer } {
  const m = /^go\.sum database tree\n(\d+)\n([A-Za-z0-9+/=]{44})\n/.exec(text);
  if (!m) throw new GoProxyError("GOPROXY_SUMDB", "the checksum database's tree head is malformed");
  return { size: Number(m[1]), root: Buffer.from(m[2]!, "base64") };
}

/** A `/lookup/<module>@<version>` answer: the record's id, its text (with its final newline) and the signed tree head. */
export function parseLookup(body: Buffer): { id: number; record: Buffer; note: Buffer } {
  const nl = body.indexOf(0x0a);
  const end = body.indexOf("\n\n");
  const id = nl > 0 ? Number(body.subarray(0, nl).toString()) : NaN;
  if (!Number.isSafeInteger(id) || end < nl) throw new GoProxyError("GOPROXY_SUMDB", "the checksum database's lookup answer is malformed");
  return { id, record: body.subarray(nl + 1, end + 1), note: body.subarray(end + 2) };
}

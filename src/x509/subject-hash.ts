// OpenSSL's subject-name hash (X509_NAME_hash, what `openssl x509 -subject_hash` prints and
// `openssl rehash` names links after), computed from the certificate's DER without OpenSSL:
// the first four bytes, little-endian, of the SHA-1 of the name's canonical encoding.
import { createHash } from "node:crypto";

interface Tlv {
  tag: number;
  /** Offset of the whole element (tag byte). */
  start: number;
  /** Offset of the content. */
  body: number;
  end: number;
}

function readTlv(der: Uint8Array, at: number, limit: number): Tlv {
  if (at + 2 > limit) throw new Error("truncated DER element");
  const tag = der[at] as number;
  if ((tag & 0x1f) === 0x1f) throw new Error("multi-byte DER tags are not supported");
  let len = der[at + 1] as number;
  let body = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || body + n > limit) throw new Error("bad DER length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[body + i] as number);
    body += n;
  }
  const end = body + len;
  if (end > limit) throw new Error("DER element runs past its container");
  return { tag, start: at, body, end };
}

function children(der: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.body; at < parent.end; ) {
    const t = readTlv(der, at, parent.end);
    out.push(t);
    at = t.end;
  }
  return out;
}

/** The subject Name element of a DER certificate (tbsCertificate's sixth field, after version). */
export function subjectOf(der: Uint8Array): Uint8Array {
  const cert = readTlv(der, 0, der.length);
  const tbs = children(der, cert)[0];
  if (!tbs || tbs.tag !== 0x30) throw new Error("not an X.509 certificate");
  const fields = children(der, tbs);
  const i = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version
  const subject = fields[i + 4]; // serialNumber, signature, issuer, validity, subject
  if (!subject || subject.tag !== 0x30) throw new Error("certificate has no subject name");
  return der.subarray(subject.start, subject.end);
}

const UTF8 = 0x0c;
/** String types OpenSSL canonicalises (ASN1_MASK_CANON) and their bytes per character. */
const CANON: Record<number, number> = { 0x0c: 0, 0x13: 1, 0x14: 1, 0x16: 1, 0x1a: 1, 0x1e: 2, 0x1c: 4 };

function encodeLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([tag, ...encodeLength(content.length)]), content]);
}

/** A string value as UTF-8 (the conversion ASN1_STRING_to_UTF8 makes). */
function toUtf8(tag: number, content: Uint8Array): Buffer {
  const width = CANON[tag] as number;
  if (width === 0) return Buffer.from(content);
  let s = "";
  for (let i = 0; i + width <= content.length; i += width) {
    let cp = 0;
    for (let j = 0; j < width; j++) cp = cp * 256 + (content[i + j] as number);
    s += String.fromCodePoint(cp);
  }
  return Buffer.from(s, "utf8");
}

const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

/** asn1_string_canon: trim, collapse runs of ASCII spaces, lowercase ASCII; other bytes as they are. */
function canonicalString(utf8: Buffer): Buffer {
  let from = 0;
  let to = utf8.length;
  while (from < to && isSpace(utf8[from] as number)) from++;
  while (to > from && isSpace(utf8[to - 1] as number)) to--;
  const out: number[] = [];
  for (let i = from; i < to; ) {
    const b = utf8[i] as number;
    if (b >= 0x80) {
      out.push(b);
      i++;
    } else if (isSpace(b)) {
      out.push(0x20);
      while (i < to && isSpace(utf8[i] as number)) i++;
    } else {
      out.push(b >= 0x41 && b <= 0x5a ? b + 0x20 : b);
      i++;
    }
  }
  return Buffer.from(out);
}

/** The canonical encoding of a Name (x509_name_canon): each RDN as a DER SET, concatenated. */
export function canonicalName(name: Uint8Array): Buffer {
  const top = readTlv(name, 0, name.length);
  const sets: Buffer[] = [];
  for (const rdn of children(name, top)) {
    const atvs = children(name, rdn).map((atv) => {
      const [oid, value] = children(name, atv);
      if (!oid || !value) throw new Error("malformed AttributeTypeAndValue");
      const v =
        value.tag in CANON
          ? tlv(UTF8, canonicalString(toUtf8(value.tag, name.subarray(value.body, value.end))))
          : Buffer.from(name.subarray(value.start, value.end));
      return tlv(0x30, Buffer.concat([name.subarray(oid.start, oid.end), v]));
    });
    atvs.sort(Buffer.compare); // DER orders SET OF by encoding
    sets.push(tlv(0x31, Buffer.concat(atvs)));
  }
  return Buffer.concat(sets);
}

/** X509_NAME_hash of a certificate's subject, as 8 lowercase hex digits. */
export function subjectHash(der: Uint8Array): string {
  const md = createHash("sha1").update(canonicalName(subjectOf(der))).digest();
  return md.readUInt32LE(0).toString(16).padStart(8, "0");
}

// OpenSSL's subject name hash (`openssl x509 -subject_hash`, X509_NAME_hash_ex), which names the
// `<hash>.<n>` links of a CApath directory: SHA-1 of the subject's canonical encoding, first four
// bytes read little-endian. The canonical encoding (x509_name_canon) re-encodes each RDN as a
// DER SET OF its attributes, with every text value as a UTF8String that has surrounding ASCII
// whitespace removed, inner runs collapsed to one space and ASCII letters lowercased; the outer
// SEQUENCE header is left out.
import { createHash } from "node:crypto";

interface Tlv {
  tag: number;
  /** Where the value starts and ends in the buffer. */
  start: number;
  end: number;
  /** Where the whole TLV starts. */
  from: number;
}

function readTlv(buf: Uint8Array, at: number): Tlv {
  const tag = buf[at];
  if (tag === undefined) throw new Error(`DER: no element at offset ${at}`);
  if ((tag & 0x1f) === 0x1f) throw new Error(`DER: high tag numbers are not used in certificate names (offset ${at})`);
  let len = buf[at + 1];
  let start = at + 2;
  if (len === undefined) throw new Error(`DER: truncated length at offset ${at}`);
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error(`DER: unsupported length form at offset ${at}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] ?? Number.NaN);
    start += n;
  }
  const end = start + len;
  if (!Number.isFinite(end) || end > buf.length) throw new Error(`DER: element at offset ${at} runs past the end`);
  return { tag, start, end, from: at };
}

function children(buf: Uint8Array, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let at = parent.start; at < parent.end; ) {
    const t = readTlv(buf, at);
    out.push(t);
    at = t.end;
  }
  if (out.length > 0 && (out.at(-1) as Tlv).end !== parent.end) throw new Error("DER: children overrun their parent");
  return out;
}

function encode(tag: number, content: Uint8Array): Uint8Array {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Uint8Array.from([tag, ...len, ...content]);
}

const STRING_TAGS = new Set([0x0c /* UTF8 */, 0x13 /* Printable */, 0x14 /* T61 */, 0x16 /* IA5 */, 0x1a /* Visible */, 0x1c /* Universal */, 0x1e /* BMP */]);

/** A text value as UTF-8, the way ASN1_STRING_to_UTF8 reads each string type (T61 as Latin-1). */
function toUtf8(tag: number, v: Uint8Array): Buffer {
  const b = Buffer.from(v);
  if (tag === 0x0c) return b;
  if (tag === 0x1e) return Buffer.from(String.fromCharCode(...Array.from({ length: b.length >> 1 }, (_, i) => b.readUInt16BE(i * 2))), "utf8");
  if (tag === 0x1c) return Buffer.from(String.fromCodePoint(...Array.from({ length: b.length >> 2 }, (_, i) => b.readUInt32BE(i * 4))), "utf8");
  return Buffer.from(b.toString("latin1"), "utf8");
}

const isSpace = (c: number) => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** asn1_string_canon on UTF-8 bytes: only ASCII bytes are trimmed, collapsed and lowercased. */
function canon(utf8: Buffer): Uint8Array {
  let from = 0;
  let to = utf8.length;
  while (from < to && isSpace(utf8[from] as number)) from++;
  while (to > from && isSpace(utf8[to - 1] as number)) to--;
  const out: number[] = [];
  for (let i = from; i < to; i++) {
    const c = utf8[i] as number;
    if (isSpace(c)) {
      out.push(0x20);
      while (i + 1 < to && isSpace(utf8[i + 1] as number)) i++;
    } else out.push(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
  }
  return Uint8Array.from(out);
}

function compareDer(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

/** The subject name's DER inside a certificate's DER. */
export function subjectDer(cert: Uint8Array): Uint8Array {
  const [tbs] = children(cert, readTlv(cert, 0));
  if (tbs === undefined || tbs.tag !== 0x30) throw new Error("DER: no tbsCertificate");
  const fields = children(cert, tbs);
  // [0] version (optional), serialNumber, signature, issuer, validity, subject
  const subject = fields[fields[0]?.tag === 0xa0 ? 5 : 4];
  if (subject === undefined || subject.tag !== 0x30) throw new Error("DER: no subject name");
  return cert.subarray(subject.from, subject.end);
}

/** The 8 hex digits OpenSSL names a certificate's CApath link by (`openssl x509 -subject_hash`). */
export function subjectHash(cert: Uint8Array): string {
  const name = subjectDer(cert);
  const parts: Uint8Array[] = [];
  for (const rdn of children(name, readTlv(name, 0))) {
    if (rdn.tag !== 0x31) throw new Error("DER: a name component is not a SET");
    const atvs = children(name, rdn).map((atv) => {
      const [oid, value] = children(name, atv);
      if (oid === undefined || value === undefined || oid.tag !== 0x06) throw new Error("DER: malformed attribute in the subject");
      const oidBytes = name.subarray(oid.from, oid.end);
      const v = STRING_TAGS.has(value.tag) ? encode(0x0c, canon(toUtf8(value.tag, name.subarray(value.start, value.end)))) : name.subarray(value.from, value.end);
      return encode(0x30, Uint8Array.from([...oidBytes, ...v]));
    });
    atvs.sort(compareDer);
    parts.push(encode(0x31, Uint8Array.from(atvs.flatMap((a) => [...a]))));
  }
  const digest = createHash("sha1").update(Uint8Array.from(parts.flatMap((p) => [...p]))).digest();
  return digest.readUInt32LE(0).toString(16).padStart(8, "0");
}

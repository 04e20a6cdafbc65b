// Key pairs in the formats cosign reads and writes. A private key is PKCS#8, either encrypted as
// cosign encrypts it (PEM type `ENCRYPTED SIGSTORE PRIVATE KEY`, or the older `ENCRYPTED COSIGN
// PRIVATE KEY`: a JSON document with an scrypt-derived key and a NaCl secretbox, the format of
// go-securesystemslib's `encrypted` package) or plain (`PRIVATE KEY`, `EC PRIVATE KEY`). A public
// key is SubjectPublicKeyInfo PEM. ECDSA P-256 signs SHA-256 digests (ASN.1 signatures); Ed25519
// signs the message itself (PureEd25519, which `cosign verify --key` checks).
// scrypt, ECDSA and Ed25519 are Node's; the secretbox is @noble/ciphers (Node has no XSalsa20).
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, scrypt, sign, verify } from "node:crypto";
import { secretbox } from "@noble/ciphers/salsa.js";
import { SignError } from "./errors.js";

export type KeyAlgorithm = "ecdsa-p256" | "ed25519";

export const ENCRYPTED_KEY_PEM_TYPE = "ENCRYPTED SIGSTORE PRIVATE KEY";
const LEGACY_ENCRYPTED_KEY_PEM_TYPE = "ENCRYPTED COSIGN PRIVATE KEY";

// The scrypt costs go-securesystemslib accepts (legacy 2^15, standard 2^16, OWASP 2^17), r=8, p=1;
// anything else is refused before deriving, so a doctored key file cannot make paketo spin.
const SCRYPT_N = [32768, 65536, 131072];
const SCRYPT_STANDARD = { N: 65536, r: 8, p: 1 };
const SALT_SIZE = 32;
const NONCE_SIZE = 24;
const BOX_KEY_SIZE = 32;

export interface GeneratedKeyPair {
  /** The encrypted private key, PEM, as `cosign generate-key-pair` writes cosign.key. */
  privateKeyPem: string;
  /** SubjectPublicKeyInfo PEM, as cosign.pub. */
  publicKeyPem: string;
}

/** A signing key and the algorithm it signs with. */
export interface SigningKey {
  algorithm: KeyAlgorithm;
  key: KeyObject;
}

export interface VerifyingKey {
  algorithm: KeyAlgorithm;
  key: KeyObject;
}

function pem(type: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${lines.join("\n")}\n-----END ${type}-----\n`;
}

interface PemBlock {
  type: string;
  der: Buffer;
}

/** The first PEM block of `text`. */
function parsePem(text: string, where: string): PemBlock {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) throw new SignError("SIGN_KEY", `${where} is not a PEM key file`, { hint: "pass a key written by `paketo key generate` or `cosign generate-key-pair`, or a PKCS#8 PEM key" });
  const body = (m[2] ?? "").split(/\r?\n/).filter((l) => l && !l.includes(":")).join("");
  return { type: m[1] as string, der: Buffer.from(body, "base64") };
}

function deriveKey(password: string, salt: Buffer, p: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(Buffer.from(password, "utf8"), salt, BOX_KEY_SIZE, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 }, (e, k) => (e ? reject(e) : resolve(k))),
  );
}

/** PKCS#8 DER encrypted as cosign encrypts it: the JSON body of an `ENCRYPTED SIGSTORE PRIVATE KEY` PEM block. */
export async function encryptPrivateKey(pkcs8: Uint8Array, password: string): Promise<Buffer> {
  const salt = randomBytes(SALT_SIZE);
  const nonce = randomBytes(NONCE_SIZE);
  const key = await deriveKey(password, salt, SCRYPT_STANDARD);
  const ciphertext = secretbox(key, nonce).seal(pkcs8);
  // Field order and names as Go's encoding/json writes go-securesystemslib's structs.
  return Buffer.from(
    JSON.stringify({
      kdf: { name: "scrypt", params: SCRYPT_STANDARD, salt: salt.toString("base64") },
      cipher: { name: "nacl/secretbox", nonce: nonce.toString("base64") },
      ciphertext: Buffer.from(ciphertext).toString("base64"),
    }),
  );
}

export async function decryptPrivateKey(body: Uint8Array, password: string, where: string): Promise<Buffer> {
  let doc: { kdf?: { name?: string; params?: { N?: number; r?: number; p?: number }; salt?: string }; cipher?: { name?: string; nonce?: string }; ciphertext?: string };
  try {
    doc = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch (e) {
    throw new SignError("SIGN_KEY", `${where}: the encrypted key is not the JSON cosign writes`, { cause: e });
  }
  const params = doc.kdf?.params;
  if (doc.kdf?.name !== "scrypt" || doc.cipher?.name !== "nacl/secretbox" || !params || !doc.kdf.salt || !doc.cipher.nonce || !doc.ciphertext) {
    throw new SignError("SIGN_KEY", `${where}: unsupported key encryption (want scrypt and nacl/secretbox)`);
  }
  if (!SCRYPT_N.includes(params.N ?? 0) || params.r !== 8 || params.p !== 1) {
    throw new SignError("SIGN_KEY", `${where}: unexpected scrypt parameters N=${params.N} r=${params.r} p=${params.p}`, { hint: "cosign writes N=2^15..2^17, r=8, p=1" });
  }
  const nonce = Buffer.from(doc.cipher.nonce, "base64");
  if (nonce.length !== NONCE_SIZE) throw new SignError("SIGN_KEY", `${where}: the nonce is ${nonce.length} bytes, want ${NONCE_SIZE}`);
  const key = await deriveKey(password, Buffer.from(doc.kdf.salt, "base64"), { N: params.N as number, r: 8, p: 1 });
  try {
    return Buffer.from(secretbox(key, nonce).open(Buffer.from(doc.ciphertext, "base64")));
  } catch {
    // The secretbox did not authenticate: a wrong password, or a damaged ciphertext.
    throw new SignError("SIGN_KEY", `cannot decrypt ${where}: wrong password`, { hint: "set COSIGN_PASSWORD to the key's password (a damaged key file fails the same way)" });
  }
}

function algorithmOf(k: KeyObject, where: string): KeyAlgorithm {
  if (k.asymmetricKeyType === "ed25519") return "ed25519";
  if (k.asymmetricKeyType === "ec" && k.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ecdsa-p256";
  const what = k.asymmetricKeyType === "ec" ? `ec ${k.asymmetricKeyDetails?.namedCurve}` : k.asymmetricKeyType;
  throw new SignError("SIGN_KEY", `${where} is a ${what} key; paketo signs with ECDSA P-256 or Ed25519 keys`);
}

/** A new key pair, the private key encrypted with `password` (may be empty, as cosign allows). */
export async function generateKeyPair(algorithm: KeyAlgorithm, password: string): Promise<GeneratedKeyPair> {
  const { privateKey, publicKey } = algorithm === "ed25519" ? generateKeyPairSync("ed25519") : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const der = privateKey.export({ type: "pkcs8", format: "der" });
  return {
    privateKeyPem: pem(ENCRYPTED_KEY_PEM_TYPE, await encryptPrivateKey(der, password)),
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** Reads a private key: cosign's encrypted format (with `password`), or PKCS#8 / SEC 1 PEM. */
export async function loadPrivateKey(text: string, password: string | undefined, where: string): Promise<SigningKey> {
  const block = parsePem(text, where);
  let key: KeyObject;
  try {
    if (block.type === ENCRYPTED_KEY_PEM_TYPE || block.type === LEGACY_ENCRYPTED_KEY_PEM_TYPE) {
      const der = await decryptPrivateKey(block.der, password ?? "", where);
      key = createPrivateKey({ key: der, format: "der", type: "pkcs8" });
    } else if (block.type === "PRIVATE KEY") {
      key = createPrivateKey({ key: block.der, format: "der", type: "pkcs8" });
    } else if (block.type === "EC PRIVATE KEY") {
      key = createPrivateKey({ key: block.der, format: "der", type: "sec1" });
    } else {
      throw new SignError("SIGN_KEY", `${where} holds a ${block.type}, not a private key`, { hint: "sign with the private key (cosign.key); verify with the public one" });
    }
  } catch (e) {
    if (e instanceof SignError) throw e;
    throw new SignError("SIGN_KEY", `${where}: cannot read the private key`, { cause: e });
  }
  return { algorithm: algorithmOf(key, where), key };
}

/** Reads a public key (SubjectPublicKeyInfo PEM); a plain private key file gives its public half. */
export function loadPublicKey(text: string, where: string): VerifyingKey {
  const block = parsePem(text, where);
  if (block.type.startsWith("ENCRYPTED")) {
    throw new SignError("SIGN_KEY", `${where} is an encrypted private key; verifying needs the public key`, { hint: "pass the .pub file written beside it" });
  }
  let key: KeyObject;
  try {
    key =
      block.type === "PUBLIC KEY"
        ? createPublicKey({ key: block.der, format: "der", type: "spki" })
        : createPublicKey(createPrivateKey({ key: text, format: "pem" }));
  } catch (e) {
    throw new SignError("SIGN_KEY", `${where}: cannot read the public key`, { cause: e });
  }
  return { algorithm: algorithmOf(key, where), key };
}

/** The public half of a signing key. */
export function publicKeyOf(k: SigningKey): VerifyingKey {
  return { algorithm: k.algorithm, key: createPublicKey(k.key) };
}

export function publicKeyPem(k: VerifyingKey): string {
  return k.key.export({ type: "spki", format: "pem" }).toString();
}

/** Signs `data`: ECDSA over its SHA-256 (ASN.1 DER), or PureEd25519. */
export function signBytes(k: SigningKey, data: Uint8Array): Buffer {
  return sign(k.algorithm === "ed25519" ? null : "sha256", data, k.key);
}

export function verifyBytes(k: VerifyingKey, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(k.algorithm === "ed25519" ? null : "sha256", data, k.key, signature);
  } catch {
    return false;
  }
}

// Image signatures and attestations in the formats cosign writes and reads (docs/signing.md):
// key pairs, simple-signing payloads, in-toto statements in DSSE envelopes, stored beside the image.
export { type SignErrorCode, SignError } from "./errors.js";
export {
  type GeneratedKeyPair,
  type KeyAlgorithm,
  type SigningKey,
  type VerifyingKey,
  ENCRYPTED_KEY_PEM_TYPE,
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  loadPrivateKey,
  loadPublicKey,
  publicKeyOf,
  publicKeyPem,
  signBytes,
  verifyBytes,
} from "./keys.js";
export { type DsseEnvelope, type InTotoStatement, type SimpleSigning, PredicateType, inTotoStatement, openEnvelope, pae, parseSimpleSigning, signStatement, simpleSigningPayload } from "./payload.js";
export {
  type Sidecar,
  type StoredPayload,
  type Subject,
  DSSE_MEDIA_TYPE,
  PREDICATE_TYPE_ANNOTATION,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  attachPayload,
  readSidecar,
  resolveSubject,
  sidecarTag,
  storedPayloads,
} from "./store.js";
export { type Predicate, type SignResult, type VerifyResult, attestImage, signImage, verifyImage } from "./sign.js";

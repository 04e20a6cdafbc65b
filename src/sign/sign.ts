// Signing, attesting and verifying an image by the key-based flow cosign uses (no transparency
// log: these machines reach no sigstore service).
import type { transport } from "../oci/index.js";
type ImageName = transport.ImageName;
import { SignError } from "./errors.js";
import { publicKeyOf, type SigningKey, signBytes, type VerifyingKey, verifyBytes } from "./keys.js";
import { type InTotoStatement, inTotoStatement, openEnvelope, parseSimpleSigning, signStatement, simpleSigningPayload } from "./payload.js";
import {
  attachPayload,
  DSSE_MEDIA_TYPE,
  PREDICATE_TYPE_ANNOTATION,
  readSidecar,
  resolveSubject,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  sidecarTag,
  storedPayloads,
  type StoredPayload,
  type Subject,
} from "./store.js";

export interface SignResult {
  subject: Subject;
  /** The tag the signature (or attestation) image has. */
  tag: string;
  /** False when the same signature was there already. */
  written: boolean;
}

/** Signs the image `name` points at now and stores the signature beside it. */
export async function signImage(name: ImageName, key: SigningKey, o: transport.TransportOptions, annotations?: Record<string, string>): Promise<SignResult> {
  const subject = await resolveSubject(name, o);
  const payload = simpleSigningPayload(subject.repository, subject.digest, annotations);
  const sig = signBytes(key, payload).toString("base64");
  const pub = publicKeyOf(key);
  const same = (q: StoredPayload) => q.payload.equals(payload) && verifyBytes(pub, q.payload, Buffer.from(q.annotations[SIGNATURE_ANNOTATION] ?? "", "base64"));
  const r = await attachPayload(subject, "sig", { mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: { [SIGNATURE_ANNOTATION]: sig }, payload }, o, same);
  return { subject, ...r };
}

export interface Predicate {
  predicateType: string;
  predicate: unknown;
}

/** Signs each predicate as an in-toto statement about the image and stores them beside it. */
export async function attestImage(name: ImageName, key: SigningKey, predicates: readonly Predicate[], o: transport.TransportOptions): Promise<SignResult[]> {
  const subject = await resolveSubject(name, o);
  const out: SignResult[] = [];
  const pub = publicKeyOf(key);
  for (const p of predicates) {
    const statement = inTotoStatement(subject.repository, subject.digest, p.predicateType, p.predicate);
    const envelope = signStatement(key, statement);
    const annotations = { [SIGNATURE_ANNOTATION]: "", [PREDICATE_TYPE_ANNOTATION]: p.predicateType };
    // The same statement signed by the same key already there is kept, not repeated.
    const body = JSON.stringify(statement);
    const same = (q: StoredPayload) => {
      try {
        const st = openEnvelope(q.payload, pub, "att");
        return st !== undefined && JSON.stringify(st) === body;
      } catch {
        return false;
      }
    };
    out.push({ subject, ...(await attachPayload(subject, "att", { mediaType: DSSE_MEDIA_TYPE, annotations, payload: envelope }, o, same)) });
  }
  return out;
}

export interface VerifyResult {
  subject: Subject;
  /** How many stored signatures verified. */
  signatures: number;
  /** The attestations that verified, in stored order. */
  attestations: InTotoStatement[];
}

/**
 * Checks that a signature stored for the image `name` points at now verifies with `key` and signs
 * that digest; then that every attestation stored for it verifies, and that the predicate types in
 * `require` are among them. Each failure is one SignError naming what was wrong.
 */
export async function verifyImage(name: ImageName, key: VerifyingKey, o: transport.TransportOptions, opts: { require?: readonly string[] } = {}): Promise<VerifyResult> {
  const subject = await resolveSubject(name, o);
  const shown = `${name.transport === "docker" ? name.ref : `oci:${subject.repository}`} (${subject.digest})`;
  const tag = sidecarTag(subject.digest, "sig");
  const sigImage = await readSidecar(subject, "sig", o);
  if (!sigImage) {
    throw new SignError("SIGN_UNSIGNED", `${shown} is not signed: there is no ${tag} beside it`, {
      hint: "sign it with `paketo sign IMAGE --key cosign.key`; if it was signed before, the name now points at another image",
    });
  }
  let valid = 0;
  let otherDigest: string | undefined;
  let bad = 0;
  for (const p of await storedPayloads(sigImage, tag)) {
    if (p.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) continue;
    const sig = p.annotations[SIGNATURE_ANNOTATION];
    if (!sig || !verifyBytes(key, p.payload, Buffer.from(sig, "base64"))) {
      bad++;
      continue;
    }
    const doc = parseSimpleSigning(p.payload, tag);
    if (doc.critical.image["docker-manifest-digest"] === subject.digest) valid++;
    else otherDigest = doc.critical.image["docker-manifest-digest"];
  }
  if (valid === 0) {
    if (otherDigest) {
      throw new SignError("SIGN_WRONG_IMAGE", `${shown}: the signature stored for it signs another image, ${otherDigest}`, {
        hint: "the tag was moved to another image or a signature was copied; do not deploy it",
      });
    }
    throw new SignError("SIGN_BAD_SIGNATURE", `${shown}: ${bad === 1 ? "its signature does" : `none of its ${bad} signatures do`} not verify with the key`, {
      hint: "it was signed with another key, or the signed payload was changed since",
    });
  }
  const attestations: InTotoStatement[] = [];
  const attTag = sidecarTag(subject.digest, "att");
  const attImage = await readSidecar(subject, "att", o);
  for (const p of attImage ? await storedPayloads(attImage, attTag) : []) {
    if (p.mediaType !== DSSE_MEDIA_TYPE) continue;
    const st = openEnvelope(p.payload, key, attTag);
    if (!st) {
      throw new SignError("SIGN_BAD_SIGNATURE", `${shown}: its ${p.annotations[PREDICATE_TYPE_ANNOTATION] ?? ""} attestation does not verify with the key`, {
        hint: "it was signed with another key, or the attestation was changed since",
      });
    }
    const [alg, hex] = subject.digest.split(":");
    if (!st.subject.some((s) => s.digest?.[alg as string] === hex)) {
      throw new SignError("SIGN_WRONG_IMAGE", `${shown}: its ${st.predicateType} attestation is about another image`, { hint: "the tag was moved or an attestation was copied" });
    }
    attestations.push(st);
  }
  for (const t of opts.require ?? []) {
    if (!attestations.some((a) => a.predicateType === t)) {
      throw new SignError("SIGN_MISSING_ATTESTATION", `${shown} has no ${t} attestation that verifies with the key`, { hint: "attach it with `paketo attest IMAGE --key cosign.key`" });
    }
  }
  return { subject, signatures: valid, attestations };
}

// What gets signed: the simple-signing payload of an image signature (containers/image's format,
// as cosign writes it), and in-toto statements in DSSE envelopes for attestations.
import { SignError } from "./errors.js";
import { type SigningKey, signBytes, type VerifyingKey, verifyBytes } from "./keys.js";

export const SIMPLE_SIGNING_TYPE = "cosign container image signature";
export const IN_TOTO_PAYLOAD_TYPE = "application/vnd.in-toto+json";
export const IN_TOTO_STATEMENT_V1 = "https://in-toto.io/Statement/v1";

/** The predicate types `cosign verify-attestation --type` names map to. */
export const PredicateType = {
  cyclonedx: "https://cyclonedx.org/bom",
  spdxjson: "https://spdx.dev/Document",
  slsaprovenance1: "https://slsa.dev/provenance/v1",
} as const;

export interface SimpleSigning {
  critical: { identity: { "docker-reference": string }; image: { "docker-manifest-digest": string }; type: string };
  optional: Record<string, string> | null;
}

/** The payload cosign signs for `repository@digest` (the repository without tag, as cosign writes it). */
export function simpleSigningPayload(repository: string, digest: string, annotations?: Record<string, string>): Buffer {
  const doc: SimpleSigning = {
    critical: { identity: { "docker-reference": repository }, image: { "docker-manifest-digest": digest }, type: SIMPLE_SIGNING_TYPE },
    optional: annotations && Object.keys(annotations).length ? annotations : null,
  };
  return Buffer.from(JSON.stringify(doc));
}

export function parseSimpleSigning(payload: Uint8Array, where: string): SimpleSigning {
  let doc: SimpleSigning;
  try {
    doc = JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch (e) {
    throw new SignError("SIGN_FORMAT", `${where}: the signed payload is not JSON`, { cause: e });
  }
  if (doc?.critical?.type !== SIMPLE_SIGNING_TYPE || typeof doc.critical.image?.["docker-manifest-digest"] !== "string") {
    throw new SignError("SIGN_FORMAT", `${where}: the signed payload is not a cosign simple-signing payload`);
  }
  return doc;
}

/** DSSE's pre-authentication encoding: what a DSSE signature signs. */
export function pae(payloadType: string, payload: Uint8Array): Buffer {
  const t = Buffer.from(payloadType, "utf8");
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), Buffer.from(payload)]);
}

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: Array<{ keyid: string; sig: string }>;
}

export interface InTotoStatement {
  _type: string;
  predicateType: string;
  subject: Array<{ name: string; digest: Record<string, string> }>;
  predicate: unknown;
}

/** An in-toto statement about `repository@digest`. */
export function inTotoStatement(repository: string, digest: string, predicateType: string, predicate: unknown): InTotoStatement {
  const [alg, hex] = digest.split(":");
  return { _type: IN_TOTO_STATEMENT_V1, predicateType, subject: [{ name: repository, digest: { [alg as string]: hex as string } }], predicate };
}

/** A statement signed into a DSSE envelope, serialised as cosign stores it. */
export function signStatement(key: SigningKey, statement: InTotoStatement): Buffer {
  const body = Buffer.from(JSON.stringify(statement));
  const envelope: DsseEnvelope = {
    payloadType: IN_TOTO_PAYLOAD_TYPE,
    payload: body.toString("base64"),
    signatures: [{ keyid: "", sig: signBytes(key, pae(IN_TOTO_PAYLOAD_TYPE, body)).toString("base64") }],
  };
  return Buffer.from(JSON.stringify(envelope));
}

/**
 * Opens a DSSE envelope: the statement when one of its signatures verifies with `key`, else
 * undefined. Malformed envelopes and statements are SIGN_FORMAT.
 */
export function openEnvelope(bytes: Uint8Array, key: VerifyingKey, where: string): InTotoStatement | undefined {
  let env: DsseEnvelope;
  try {
    env = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (e) {
    throw new SignError("SIGN_FORMAT", `${where}: the attestation is not a DSSE envelope`, { cause: e });
  }
  if (typeof env?.payload !== "string" || typeof env.payloadType !== "string" || !Array.isArray(env.signatures)) {
    throw new SignError("SIGN_FORMAT", `${where}: the attestation is not a DSSE envelope`);
  }
  const body = Buffer.from(env.payload, "base64");
  const signed = pae(env.payloadType, body);
  if (!env.signatures.some((s) => typeof s?.sig === "string" && verifyBytes(key, signed, Buffer.from(s.sig, "base64")))) return undefined;
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new SignError("SIGN_FORMAT", `${where}: the envelope holds ${env.payloadType}, not an in-toto statement`);
  try {
    const st = JSON.parse(body.toString("utf8")) as InTotoStatement;
    if (typeof st.predicateType !== "string" || !Array.isArray(st.subject)) throw new Error("no predicateType or subject");
    return st;
  } catch (e) {
    throw new SignError("SIGN_FORMAT", `${where}: the envelope's payload is not an in-toto statement`, { cause: e });
  }
}

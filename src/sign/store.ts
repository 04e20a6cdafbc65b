// Signatures and attestations stored as cosign stores them: beside the image, in the same
// repository (or OCI layout), as an image tagged `sha256-<hex>.sig` / `sha256-<hex>.att` whose
// layers are the signed payloads (simple-signing JSON / DSSE envelopes) with the signature in an
// annotation. A new signature is appended to what is there; the same payload and signature twice
// is kept once. The signed image itself is never rewritten, so its digest stays what it was.
import { createHash } from "node:crypto";
import {
  type Descriptor,
  type Digest,
  digestHex,
  emptyImage,
  type Image,
  layerFromBytes,
  mutate,
  OciError,
  parseReference,
  transport,
} from "../oci/index.js";
import { SignError } from "./errors.js";

type ImageName = transport.ImageName;

export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";
export const DSSE_MEDIA_TYPE = "application/vnd.dsse.envelope.v1+json";
export const SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
export const PREDICATE_TYPE_ANNOTATION = "predicateType";

/** A payload is read whole; cosign's are a few hundred bytes, SBOM attestations a few MiB. */
const MAX_PAYLOAD = 64 * 1024 * 1024;

export type Sidecar = "sig" | "att";

/** The image a name points at now, by digest, and the repository cosign's payloads name. */
export interface Subject {
  name: ImageName;
  digest: Digest;
  /** `registry/repository` for a registry image; the layout folder for an OCI layout. */
  repository: string;
}

/** The tag cosign stores `digest`'s signatures (`sig`) or attestations (`att`) under. */
export function sidecarTag(digest: Digest, kind: Sidecar): string {
  return `sha256-${digestHex(digest)}.${kind}`;
}

function unsupported(name: ImageName): SignError {
  return new SignError("SIGN_TRANSPORT", `${transport.formatImageName(name)}: signatures are stored beside images in a registry (docker://) or an OCI layout (oci:DIR:TAG) only`, {
    hint: "copy the image to a registry or an OCI layout first (paketo copy), then sign it there",
  });
}

/** Resolves a name to the digest it points at now. */
export async function resolveSubject(name: ImageName, o: transport.TransportOptions): Promise<Subject> {
  if (name.transport === "docker") {
    const ref = parseReference(name.ref);
    const a = await transport.read(name, o);
    const digest = a.kind === "image" ? await a.image.digest() : await a.index.digest();
    if (ref.digest && ref.digest !== digest) throw new SignError("SIGN_WRONG_IMAGE", `${name.ref} answered with ${digest}`);
    return { name, digest, repository: ref.context().toString() };
  }
  if (name.transport === "oci") {
    if (!name.tag) {
      throw new SignError("SIGN_TRANSPORT", `oci:${name.dir}: name the image by tag (oci:${name.dir}:TAG)`, {
        hint: "the layout will also hold the signature's and attestations' tags, so an untagged name would be ambiguous",
      });
    }
    const a = await transport.read(name, o);
    const digest = a.kind === "image" ? await a.image.digest() : await a.index.digest();
    return { name, digest, repository: name.dir };
  }
  throw unsupported(name);
}

function sidecarName(s: Subject, kind: Sidecar): ImageName {
  const tag = sidecarTag(s.digest, kind);
  if (s.name.transport === "docker") return { transport: "docker", ref: parseReference(s.name.ref).withTag(tag).toString() };
  if (s.name.transport === "oci") return { transport: "oci", dir: s.name.dir, tag };
  throw unsupported(s.name);
}

/** The signature (or attestation) image of `s`, or undefined when there is none. */
export async function readSidecar(s: Subject, kind: Sidecar, o: transport.TransportOptions): Promise<Image | undefined> {
  try {
    const a = await transport.read(sidecarName(s, kind), o);
    if (a.kind !== "image") throw new SignError("SIGN_FORMAT", `${sidecarTag(s.digest, kind)} is an image index, not a cosign ${kind === "sig" ? "signature" : "attestation"} image`);
    return a.image;
  } catch (e) {
    if (e instanceof OciError && e.code === "OCI_IMAGE_NOT_FOUND") return undefined;
    throw e;
  }
}

export interface StoredPayload {
  mediaType: string;
  annotations: Record<string, string>;
  payload: Buffer;
}

async function readAll(img: Image, d: Descriptor, where: string): Promise<Buffer> {
  if (d.size > MAX_PAYLOAD) throw new SignError("SIGN_FORMAT", `${where}: a payload of ${d.size} bytes is larger than ${MAX_PAYLOAD}`);
  const chunks: Buffer[] = [];
  const hash = createHash("sha256");
  for await (const c of await (await img.layerByDigest(d.digest)).compressed()) {
    chunks.push(c as Buffer);
    hash.update(c as Buffer);
  }
  const got = `sha256:${hash.digest("hex")}`;
  if (got !== d.digest) throw new SignError("SIGN_FORMAT", `${where}: a payload's bytes hash to ${got}, its descriptor says ${d.digest}`);
  return Buffer.concat(chunks);
}

/** The payloads of a signature or attestation image, with their annotations. */
export async function storedPayloads(img: Image, where: string): Promise<StoredPayload[]> {
  const m = await img.manifest();
  const out: StoredPayload[] = [];
  for (const d of m.layers) out.push({ mediaType: d.mediaType, annotations: { ...d.annotations }, payload: await readAll(img, d, where) });
  return out;
}

/**
 * Appends a payload to `s`'s signature or attestation image (creating it), unless one already
 * there stands for it: the same bytes and annotations, or one `same` accepts (a signature of the
 * same statement by the same key: ECDSA signatures differ each time). Returns the sidecar's tag
 * and whether it changed.
 */
export async function attachPayload(
  s: Subject,
  kind: Sidecar,
  p: StoredPayload,
  o: transport.TransportOptions,
  same?: (q: StoredPayload) => boolean,
): Promise<{ tag: string; written: boolean }> {
  const tag = sidecarTag(s.digest, kind);
  const existing = await readSidecar(s, kind, o);
  if (existing) {
    for (const q of await storedPayloads(existing, tag)) {
      if (q.mediaType !== p.mediaType) continue;
      if ((q.payload.equals(p.payload) && JSON.stringify(q.annotations) === JSON.stringify(p.annotations)) || same?.(q)) return { tag, written: false };
    }
  }
  const img = mutate.appendLayers(existing ?? emptyImage(), { layer: layerFromBytes(p.payload, p.mediaType), annotations: p.annotations });
  await transport.write(sidecarName(s, kind), { kind: "image", image: img }, o);
  return { tag, written: true };
}

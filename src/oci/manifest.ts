import { canonicalDescriptor, type Descriptor, parseDescriptor, sortKeys } from "./descriptor.js";
import { OciError } from "./errors.js";
import { isImageManifestMediaType, isIndexMediaType, MediaType } from "./media-type.js";

/** An OCI image manifest or a Docker v2 schema 2 manifest (same shape). */
export interface Manifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** An OCI image index or a Docker manifest list (same shape). */
export interface IndexManifest {
  schemaVersion: 2;
  mediaType: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

/** Manifests bigger than this are refused: the distribution spec suggests 4 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

function parseJson(raw: Uint8Array, what: string): Record<string, unknown> {
  if (raw.length > MAX_MANIFEST_BYTES) {
    throw new OciError("OCI_LIMIT_EXCEEDED", `${what} is ${raw.length} bytes, over the ${MAX_MANIFEST_BYTES} byte limit`);
  }
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw).toString("utf8"));
  } catch (e) {
    throw new OciError("OCI_INVALID_MANIFEST", `${what} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new OciError("OCI_INVALID_MANIFEST", `${what} is not a JSON object`);
  }
  return v as Record<string, unknown>;
}

/**
 * The media type of a manifest document: its own `mediaType` field, else what its shape says
 * (OCI allows the field to be absent), else the one the transport reported.
 */
export function sniffMediaType(raw: Uint8Array, reported?: string): string {
  const o = parseJson(raw, "manifest");
  if (typeof o.mediaType === "string") return o.mediaType;
  if (Array.isArray(o.manifests)) return MediaType.OciIndex;
  if (o.config) return MediaType.OciManifest;
  if (reported) return reported;
  throw new OciError("OCI_INVALID_MANIFEST", "manifest has neither a mediaType nor a recognisable shape");
}

export function parseManifest(raw: Uint8Array, what = "manifest"): Manifest {
  const o = parseJson(raw, what);
  if (o.schemaVersion !== 2) {
    throw new OciError("OCI_INVALID_MANIFEST", `${what}: schemaVersion ${JSON.stringify(o.schemaVersion)} is not supported`, {
      hint: "only schema 2 manifests (OCI and Docker v2.2) are supported",
    });
  }
  const mediaType = typeof o.mediaType === "string" ? o.mediaType : MediaType.OciManifest;
  if (!isImageManifestMediaType(mediaType)) {
    throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `${what}: media type ${mediaType} is not an image manifest`);
  }
  if (!Array.isArray(o.layers)) throw new OciError("OCI_INVALID_MANIFEST", `${what}: no layers array`);
  const m: Manifest = {
    schemaVersion: 2,
    mediaType,
    config: parseDescriptor(o.config, `${what} config`),
    layers: o.layers.map((l, i) => parseDescriptor(l, `${what} layer ${i}`)),
  };
  if (typeof o.artifactType === "string") m.artifactType = o.artifactType;
  if (o.subject) m.subject = parseDescriptor(o.subject, `${what} subject`);
  if (o.annotations && typeof o.annotations === "object") m.annotations = o.annotations as Record<string, string>;
  return m;
}

export function parseIndexManifest(raw: Uint8Array, what = "index"): IndexManifest {
  const o = parseJson(raw, what);
  if (o.schemaVersion !== 2) {
    throw new OciError("OCI_INVALID_MANIFEST", `${what}: schemaVersion ${JSON.stringify(o.schemaVersion)} is not supported`);
  }
  const mediaType = typeof o.mediaType === "string" ? o.mediaType : MediaType.OciIndex;
  if (!isIndexMediaType(mediaType)) {
    throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `${what}: media type ${mediaType} is not an image index`);
  }
  if (!Array.isArray(o.manifests)) throw new OciError("OCI_INVALID_MANIFEST", `${what}: no manifests array`);
  const m: IndexManifest = {
    schemaVersion: 2,
    mediaType,
    manifests: o.manifests.map((d, i) => parseDescriptor(d, `${what} entry ${i}`)),
  };
  if (typeof o.artifactType === "string") m.artifactType = o.artifactType;
  if (o.subject) m.subject = parseDescriptor(o.subject, `${what} subject`);
  if (o.annotations && typeof o.annotations === "object") m.annotations = o.annotations as Record<string, string>;
  return m;
}

/** Serialises a manifest with a fixed key order, so the same value always has the same digest. */
export function serializeManifest(m: Manifest): Uint8Array {
  const out: Record<string, unknown> = { schemaVersion: 2, mediaType: m.mediaType };
  if (m.artifactType) out.artifactType = m.artifactType;
  out.config = canonicalDescriptor(m.config);
  out.layers = m.layers.map(canonicalDescriptor);
  if (m.subject) out.subject = canonicalDescriptor(m.subject);
  if (m.annotations && Object.keys(m.annotations).length) out.annotations = sortKeys(m.annotations);
  return Buffer.from(JSON.stringify(out));
}

export function serializeIndexManifest(m: IndexManifest): Uint8Array {
  const out: Record<string, unknown> = { schemaVersion: 2, mediaType: m.mediaType };
  if (m.artifactType) out.artifactType = m.artifactType;
  out.manifests = m.manifests.map(canonicalDescriptor);
  if (m.subject) out.subject = canonicalDescriptor(m.subject);
  if (m.annotations && Object.keys(m.annotations).length) out.annotations = sortKeys(m.annotations);
  return Buffer.from(JSON.stringify(out));
}

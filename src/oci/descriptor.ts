import { type Digest, parseDigest } from "./digest.js";
import type { Platform } from "./platform.js";
import { OciError } from "./errors.js";

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
}

export function parseDescriptor(v: unknown, where: string): Descriptor {
  if (typeof v !== "object" || v === null) {
    throw new OciError("OCI_INVALID_MANIFEST", `${where}: descriptor is not an object`);
  }
  const o = v as Record<string, unknown>;
  if (typeof o.mediaType !== "string") {
    throw new OciError("OCI_INVALID_MANIFEST", `${where}: descriptor has no mediaType`);
  }
  if (typeof o.digest !== "string") {
    throw new OciError("OCI_INVALID_MANIFEST", `${where}: descriptor has no digest`);
  }
  if (typeof o.size !== "number" || !Number.isSafeInteger(o.size) || o.size < 0) {
    throw new OciError("OCI_INVALID_MANIFEST", `${where}: descriptor has an invalid size ${JSON.stringify(o.size)}`);
  }
  const d: Descriptor = { mediaType: o.mediaType, digest: parseDigest(o.digest, where), size: o.size };
  if (Array.isArray(o.urls)) d.urls = o.urls.map(String);
  if (o.annotations && typeof o.annotations === "object") d.annotations = o.annotations as Record<string, string>;
  if (o.platform && typeof o.platform === "object") d.platform = o.platform as Platform;
  if (typeof o.artifactType === "string") d.artifactType = o.artifactType;
  return d;
}

/** A descriptor with its keys in the canonical order paketo writes. */
export function canonicalDescriptor(d: Descriptor): Descriptor {
  const out: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (d.urls?.length) out.urls = d.urls;
  if (d.annotations && Object.keys(d.annotations).length) out.annotations = sortKeys(d.annotations);
  if (d.platform) out.platform = d.platform;
  if (d.artifactType) out.artifactType = d.artifactType;
  return out;
}

export function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k] as T;
  return out;
}

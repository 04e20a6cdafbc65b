import type { Readable } from "node:stream";
import type { ConfigFile } from "./config.js";
import type { Descriptor } from "./descriptor.js";
import type { Digest } from "./digest.js";
import type { IndexManifest, Manifest } from "./manifest.js";

/**
 * A layer: an immutable view of one filesystem change set, however it is stored.
 * Derived values are computed once. Implement the minimum and let partial.toLayer fill the rest.
 */
export interface Layer {
  /** Digest of the compressed (stored) bytes. */
  digest(): Promise<Digest>;
  /** Digest of the uncompressed tar. */
  diffId(): Promise<Digest>;
  /** Size of the compressed bytes. */
  size(): Promise<number>;
  mediaType(): Promise<string>;
  /** The stored bytes, as a fresh stream each call. */
  compressed(): Promise<Readable>;
  /** The tar, as a fresh stream each call. */
  uncompressed(): Promise<Readable>;
  /** Optional: a full descriptor (urls, annotations) when the source has one. */
  descriptor?(): Promise<Descriptor>;
  /** Optional: the registry repository this layer already lives in, for cross-repository mounts. */
  origin?(): RegistryOrigin | undefined;
  /**
   * Optional: a local file holding exactly the compressed bytes (a built layer or a store blob),
   * so a sink on the same filesystem can hard-link it instead of copying.
   */
  filePath?(): string | undefined;
}

export interface RegistryOrigin {
  /** host[:port] as the user wrote it (docker.io normalised). */
  registry: string;
  repository: string;
}

/** An image: a manifest, a config and layers. Immutable; mutate.* returns new images. */
export interface Image {
  mediaType(): Promise<string>;
  rawManifest(): Promise<Uint8Array>;
  manifest(): Promise<Manifest>;
  digest(): Promise<Digest>;
  size(): Promise<number>;
  rawConfigFile(): Promise<Uint8Array>;
  configFile(): Promise<ConfigFile>;
  configName(): Promise<Digest>;
  layers(): Promise<Layer[]>;
  layerByDigest(d: Digest): Promise<Layer>;
  layerByDiffId(d: Digest): Promise<Layer>;
}

/** An image index (OCI) or manifest list (Docker). */
export interface ImageIndex {
  mediaType(): Promise<string>;
  rawManifest(): Promise<Uint8Array>;
  indexManifest(): Promise<IndexManifest>;
  digest(): Promise<Digest>;
  size(): Promise<number>;
  image(d: Digest): Promise<Image>;
  imageIndex(d: Digest): Promise<ImageIndex>;
  /** Where it was read from, for messages (`OCI layout /x`, `127.0.0.1:5000/app`). */
  readonly source?: string;
}

/** What a source hands back for a reference: an image or an index, told apart by `kind`. */
export type Artifact = { kind: "image"; image: Image } | { kind: "index"; index: ImageIndex };

/** Media types paketo reads and writes. */
export const MediaType = {
  OciManifest: "application/vnd.oci.image.manifest.v1+json",
  OciIndex: "application/vnd.oci.image.index.v1+json",
  OciConfig: "application/vnd.oci.image.config.v1+json",
  OciLayer: "application/vnd.oci.image.layer.v1.tar",
  OciLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  OciLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  OciLayerNondistributableGzip: "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
  OciEmpty: "application/vnd.oci.empty.v1+json",
  DockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  DockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  DockerConfig: "application/vnd.docker.container.image.v1+json",
  DockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  DockerForeignLayer: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
} as const;
export type MediaType = string;

export function isIndexMediaType(mt: string | undefined): boolean {
  return mt === MediaType.OciIndex || mt === MediaType.DockerManifestList;
}

export function isImageManifestMediaType(mt: string | undefined): boolean {
  return mt === MediaType.OciManifest || mt === MediaType.DockerManifest;
}

export function isDockerMediaType(mt: string | undefined): boolean {
  return mt !== undefined && mt.startsWith("application/vnd.docker.");
}

export type Compression = "gzip" | "zstd" | "none";

export function layerCompression(mt: string): Compression {
  if (mt.endsWith("+gzip") || mt === MediaType.DockerLayer || mt === MediaType.DockerForeignLayer) return "gzip";
  if (mt.endsWith("+zstd")) return "zstd";
  return "none";
}

/** The Docker media type that corresponds to an OCI one, for transports that need Docker types. */
export function toDockerMediaType(mt: string): string {
  switch (mt) {
    case MediaType.OciManifest:
      return MediaType.DockerManifest;
    case MediaType.OciIndex:
      return MediaType.DockerManifestList;
    case MediaType.OciConfig:
      return MediaType.DockerConfig;
    case MediaType.OciLayerGzip:
      return MediaType.DockerLayer;
    case MediaType.OciLayerNondistributableGzip:
      return MediaType.DockerForeignLayer;
    default:
      return mt;
  }
}

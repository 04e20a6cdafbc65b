// Image archives: oci-archive (a tar of an OCI layout) and docker-archive (what `docker save`
// writes and `docker load` / `podman load` read). Both are read without extracting: the tar is
// scanned once and blobs are served, verified, as byte ranges of the file.
export { readOciArchive, writeOciArchive, type ReadOciArchiveOptions, type WriteOciArchiveOptions } from "./oci-archive.js";
export {
  readDockerArchive,
  writeDockerArchive,
  type ReadDockerArchiveOptions,
  type WriteDockerArchiveOptions,
} from "./docker-archive.js";

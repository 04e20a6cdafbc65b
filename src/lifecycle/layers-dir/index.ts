// Reading the layers dir that detect and build leave (the CNB on-disk layout: group.toml, layer
// tomls and dirs, store.toml, config/metadata.toml), for the phases after build. Buildpacks are
// untrusted: only regular files are read, and nothing is followed out of the layers dir.
export { kindOf, listDir, MAX_SPEC_FILE_BYTES, readSpecFile, realDir } from "./files.js";
export { readBuildMetadata, readGroup, readProjectMetadata, scanBuildpacks, type ScannedBuildpack, type ScannedLayer } from "./scan.js";

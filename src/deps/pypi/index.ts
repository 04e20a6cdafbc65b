// A Python package index as a verified dependency source (docs/architecture.md D4): pip, uv and
// the other Python tools buildpacks install. The index comes from pip's configuration (README.md);
// every file is verified against the index's SHA-256 into the shared content-addressed cache;
// offline mode uses the cache alone.
export { defaultCacheDir, normaliseIndex, parsePipConf, pipConfigFiles, pipDefaultIndex, pipSourceEnv, readPipConfig } from "./config.js";
export type { Env, IndexConfig, ReadConfigOptions } from "./config.js";
export { PypiError } from "./errors.js";
export type { PypiErrorCode } from "./errors.js";
export { ACCEPT, compareReleases, matchesVersion, normaliseName, parseProjectPage, parseWheelName, releaseOf, sdistVersion } from "./simple.js";
export type { ProjectFile, ProjectPage } from "./simple.js";
export { PypiSource } from "./source.js";
export type { DownloadedFile, FileQuery, PypiSourceOptions } from "./source.js";

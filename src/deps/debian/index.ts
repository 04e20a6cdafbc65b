// Debian package machinery: signed archive indexes, dpkg version rules, dependency resolution,
// verified downloads into a content-addressed cache, .deb unpacking, dpkg status entries, locks.
export { parseVersion, isValidVersion, compareVersions, satisfiesVersion, parseOp } from "./version.js";
export type { DebianVersion, VersionOp } from "./version.js";
export { parseRelations, formatRelation, formatGroup } from "./relation.js";
export type { Relation, RelationGroup } from "./relation.js";
export { Paragraph, parseDeb822, parseParagraph } from "./deb822.js";
export { parseRelease, checkFreshness, checkSuite } from "./release.js";
export type { Release, ReleaseFileEntry } from "./release.js";
export { parseStanza, splitStanzas } from "./packages.js";
export type { BinaryPackage, IndexOrigin } from "./packages.js";
export { PackageIndex } from "./package-index.js";
export type { Provider } from "./package-index.js";
export { resolve, parseWanted } from "./resolver.js";
export type { ResolveOptions, Resolution, SkippedDependency, InstalledPackage, ShadowedPackage, Wanted } from "./resolver.js";
export { readAptSources, parseSourcesList, parseDeb822Sources, mirrorsFromAptSources, baseUrlFor, findMirrors, mirrorEnv, MIRROR_ENV } from "./sources.js";
export type { AptSource, Mirrors } from "./sources.js";
export { gpgvVerifier, clearsignedTextUnverified, DEBIAN_ARCHIVE_KEYRING } from "./signature.js";
export type { SignatureVerifier } from "./signature.js";
export { defaultCacheDir, ContentCache } from "./cache.js";
export type { Expected } from "./cache.js";
export { isTransient, HttpStatusError } from "./http.js";
export type { FetchFn, HttpOptions } from "./http.js";
export { systemDecompressors, compressionOf } from "./decompress.js";
export type { Compression, Decompressors } from "./decompress.js";
export { fetchRelease, fetchReleases, indexFiles, loadPackageIndex } from "./archive.js";
export type { ArchiveOptions, Logger, SuiteRelease, IndexFile } from "./archive.js";
export { fetchPackages, lockPackages, packageUrl } from "./lock.js";
export type { LockedPackage, FetchPackagesOptions, CachedPackage } from "./lock.js";
export { openDeb } from "./deb.js";
export type { DebFile, DebControl, DataEntry, DataEntryType, OnDataEntry } from "./deb.js";
export { writeStatusEntry, statusFiles, parseStatus, formatStatus } from "./status.js";
export { codenameOf, multiarchOf } from "./distro.js";
export type { StatusFile } from "./status.js";

/** The product's default distribution (docs/architecture.md D3). */
export const DEFAULT_CODENAME = "trixie";

/** A release with its point updates and security updates: `trixie trixie-updates trixie-security`. */
export function suitesOf(codename: string = DEFAULT_CODENAME): string[] {
  return [codename, `${codename}-updates`, `${codename}-security`];
}
export { pathFilter, globToRegExp } from "./paths.js";

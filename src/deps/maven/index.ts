// Maven repositories as a verified dependency source (ARCHITECTURE.md D4): artifacts by
// coordinates, checked against the repository's .sha512/.sha1, in the shared content-addressed
// download cache; offline from the cache. The repository is Maven's configured one. README.md.
export { REPOSITORY_ENV, centralFromPom, findMavenHome, mirrorFromSettings, mirrorOfMatches, readZipEntry, repositoryFromConfig } from "./config.js";
export type { Env, MavenRepository, ReadConfigOptions } from "./config.js";
export { MavenRepoError } from "./errors.js";
export type { MavenRepoErrorCode } from "./errors.js";
export { MavenSource, artifactPath, defaultCacheDir, formatCoordinates, parseCoordinates } from "./source.js";
export type { Coordinates, FetchedArtifact, MavenSourceOptions } from "./source.js";

import { PaketoError } from "../../errors/index.js";

/** Error codes of the Maven repository source. */
export type MavenRepoErrorCode =
  | "MAVEN_CONFIG" // settings.xml unreadable or malformed, or no repository can be found in Maven's configuration
  | "MAVEN_COORDINATES" // a group:artifact:version[:classifier][@type] that does not parse
  | "MAVEN_UNREACHABLE" // the repository did not answer (connection refused, DNS, reset after retries)
  | "MAVEN_HTTP" // the repository answered with an error status
  | "MAVEN_NOT_FOUND" // the repository has no such artifact (404)
  | "MAVEN_CHECKSUM" // the bytes do not match the repository's .sha512/.sha1, or neither checksum is published
  | "MAVEN_VERSION" // no published version matches a wanted range
  | "MAVEN_OFFLINE"; // something is not cached and the network may not be used

export class MavenRepoError extends PaketoError {
  declare readonly code: MavenRepoErrorCode;
  constructor(code: MavenRepoErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "MavenRepoError";
  }
}

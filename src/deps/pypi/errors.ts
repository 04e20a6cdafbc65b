import { PaketoError } from "../../errors/index.js";

/** Error codes of the Python package index source. */
export type PypiErrorCode =
  | "PYPI_CONFIG" // no index URL in pip's configuration, or a malformed one
  | "PYPI_NAME" // not a valid Python project name
  | "PYPI_UNREACHABLE" // the index did not answer (connection refused, DNS, reset after retries)
  | "PYPI_HTTP" // the index answered with an error status
  | "PYPI_NOT_FOUND" // the index has no such project
  | "PYPI_METADATA" // a project page is malformed
  | "PYPI_NO_VERSION" // no file of the project matches the version spec and the platform
  | "PYPI_INTEGRITY" // downloaded (or cached) bytes do not match the index's sha256
  | "PYPI_OFFLINE"; // something is not cached and the network may not be used

export class PypiError extends PaketoError {
  declare readonly code: PypiErrorCode;
  constructor(code: PypiErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "PypiError";
  }
}

import { PaketoError } from "../errors/index.js";

/** Error codes owned by the cnb module (file formats and API versions). */
export type CnbErrorCode =
  | "CNB_INVALID_TOML"
  | "CNB_INVALID_JSON"
  | "CNB_MISSING_FIELD"
  | "CNB_INVALID_FIELD"
  | "CNB_UNKNOWN_FIELD"
  | "CNB_INVALID_API"
  | "CNB_UNSUPPORTED_BUILDPACK_API"
  | "CNB_UNSUPPORTED_PLATFORM_API"
  | "CNB_UNSUPPORTED_SCHEMA"
  | "CNB_INVALID_ID"
  | "CNB_INVALID_VERSION"
  | "CNB_INVALID_LAYER_NAME"
  | "CNB_INVALID_PROCESS_TYPE"
  | "CNB_DUPLICATE"
  | "CNB_CONFLICT"
  | "CNB_EXTENSIONS_UNSUPPORTED";

/**
 * A CNB file or value that does not follow the spec. The message names the file (or label) and
 * the offending field, e.g. `buildpack.toml: buildpack.id: "app" is reserved`.
 */
export class CnbError extends PaketoError {
  declare readonly code: CnbErrorCode;
  constructor(code: CnbErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "CnbError";
  }
}

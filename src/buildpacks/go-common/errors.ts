import { PaketoError } from "../../errors/index.js";

/** Error codes of the Go buildpacks. */
export type GoErrorCode =
  | "GO_SETTING" // a BP_GO_* / BP_KEEP_FILES setting is malformed or names what is not there
  | "GO_MOD" // go.mod cannot be read or parsed
  | "GO_TARGETS" // no build target: no *.go in the build directory or ./cmd/*, or BP_GO_TARGETS names none
  | "GO_VENDOR" // go mod vendor failed
  | "GO_BUILD" // go build (or go work) failed
  | "GO_TOOL"; // the go command is missing or could not run

/** An expected failure of a Go buildpack; the message names the setting or file and the cause. */
export class GoError extends PaketoError {
  declare readonly code: GoErrorCode;
  constructor(code: GoErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "GoError";
  }
}

import { PaketoError } from "../../errors/index.js";

/** Error codes of the Ruby buildpacks. */
export type RubyErrorCode =
  | "RUBY_BUNDLE" // bundle install failed (a gem missing from vendor/cache, a native extension that does not compile)
  | "RUBY_TOOL"; // ruby or bundle is missing or could not run

/** An expected failure of a Ruby buildpack; the message names the file and the cause. */
export class RubyError extends PaketoError {
  declare readonly code: RubyErrorCode;
  constructor(code: RubyErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "RubyError";
  }
}

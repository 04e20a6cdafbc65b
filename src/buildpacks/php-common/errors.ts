import { PaketoError } from "../../errors/index.js";

export type PhpErrorCode =
  | "PHP_CONFIG" // a BP_PHP_* / BP_COMPOSER_* setting is wrong
  | "PHP_EXTENSION" // an extension the app asks for has no Debian package, or does not load
  | "PHP_COMPOSER"; // composer.json / composer.lock unreadable, or `composer install` failed

export class PhpError extends PaketoError {
  declare readonly code: PhpErrorCode;
  constructor(code: PhpErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "PhpError";
  }
}

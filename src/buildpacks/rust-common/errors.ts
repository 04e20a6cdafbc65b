import { PaketoError } from "../../errors/index.js";

/** Error codes of the Rust buildpacks. */
export type RustErrorCode =
  | "RUST_TOOLCHAIN" // BP_RUST_TOOLCHAIN names nothing Debian has
  | "RUST_SETTING" // a BP_CARGO_* / BP_INCLUDE_FILES setting is malformed or names what is not there
  | "RUST_MANIFEST" // Cargo.toml / Cargo.lock cannot be read, or cargo metadata failed, or no lock offline
  | "RUST_BUILD" // cargo generate-lockfile / fetch / install failed
  | "RUST_TOOL"; // cargo is missing or could not run

/** An expected failure of a Rust buildpack; the message names the setting or file and the cause. */
export class RustError extends PaketoError {
  declare readonly code: RustErrorCode;
  constructor(code: RustErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "RustError";
  }
}

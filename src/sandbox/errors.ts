import { PaketoError } from "../errors/index.js";

export type SandboxErrorCode = "SANDBOX_UNAVAILABLE" | "SANDBOX_START" | "SANDBOX_ROOTFS" | "SANDBOX_NETWORK" | "SANDBOX_EMULATION";

export class SandboxError extends PaketoError {
  declare readonly code: SandboxErrorCode;
  constructor(code: SandboxErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "SandboxError";
  }
}

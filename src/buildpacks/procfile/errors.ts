import { PaketoError } from "../../errors/index.js";

/** Error codes of the procfile buildpack. */
export type ProcfileErrorCode =
  | "PROCFILE_READ" // the Procfile (app or binding) cannot be read
  | "PROCFILE_SYNTAX" // a line is not `<type>: <command>`
  | "PROCFILE_DIRECT" // with BP_DIRECT_PROCESS, a command cannot be split into words
  | "PROCFILE_CONFIG"; // a BP_* setting has a value that cannot be used

/** An expected failure of the procfile buildpack; the message names the file and line. */
export class ProcfileError extends PaketoError {
  declare readonly code: ProcfileErrorCode;
  constructor(code: ProcfileErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "ProcfileError";
  }
}

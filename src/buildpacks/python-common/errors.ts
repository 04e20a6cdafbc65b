import { PaketoError } from "../../errors/index.js";

/** Error codes of the Python buildpacks. */
export type PythonErrorCode =
  | "PYTHON_VERSION" // no CPython matches the requested version (the message lists what there is)
  | "PYTHON_SETTING" // a BP_* setting is malformed or names a file that is not there
  | "PYTHON_INSTALL" // a package manager (pip, pipenv, poetry, uv) failed to install the app's dependencies
  | "PYTHON_TOOL"; // a tool (python, pip, ...) is missing or could not run

/** An expected failure of a Python buildpack; the message names the setting or file and the cause. */
export class PythonError extends PaketoError {
  declare readonly code: PythonErrorCode;
  constructor(code: PythonErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "PythonError";
  }
}

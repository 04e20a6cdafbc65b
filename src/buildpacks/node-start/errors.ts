import { PaketoError } from "../../errors/index.js";

/** Error codes of the start buildpacks (node-start, npm-start). */
export type StartErrorCode =
  | "START_PROJECT" // BP_NODE_PROJECT_PATH is missing, not a directory, or leaves the app
  | "START_LAUNCHPOINT" // BP_LAUNCHPOINT names no file, or a path outside the app
  | "START_CONFIG" // a BP_* setting has a value that cannot be used (not a boolean, a combination not supported)
  | "START_PACKAGE_JSON" // package.json cannot be read or is not a JSON object with string scripts
  | "START_SCRIPT"; // the start script asked for is missing or cannot be run the way asked

/** An expected failure of a start buildpack; the message names the setting or file and the cause. */
export class StartError extends PaketoError {
  declare readonly code: StartErrorCode;
  constructor(code: StartErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "StartError";
  }
}

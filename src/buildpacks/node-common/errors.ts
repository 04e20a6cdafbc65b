import { PaketoError } from "../../errors/index.js";

/** Error codes of the Node.js package-manager buildpacks. */
export type NodeErrorCode =
  | "NODE_PROJECT" // BP_NODE_PROJECT_PATH is missing, not a directory, or leaves the app
  | "NODE_PACKAGE_JSON" // package.json cannot be read or is not a JSON object
  | "NODE_LOCKFILE" // a lockfile is unreadable, broken, or out of sync with package.json
  | "NODE_PACKAGE_MANAGER" // the package manager asked for cannot be found, verified or unpacked
  | "NODE_INSTALL" // the package install failed for another reason
  | "NODE_SCRIPT" // a BP_NODE_RUN_SCRIPTS script is missing or failed
  | "NODE_FRAMEWORK" // BP_NODE_FRAMEWORK names no framework, or a framework's build output is missing
  | "NODE_TOOL"; // node (or another tool the build needs) is missing or failed

/** An expected failure of a Node.js package-manager buildpack; the message names the file and the cause. */
export class NodeError extends PaketoError {
  declare readonly code: NodeErrorCode;
  constructor(code: NodeErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "NodeError";
  }
}

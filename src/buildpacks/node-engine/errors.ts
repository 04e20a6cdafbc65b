import { PaketoError } from "../../errors/index.js";

/** Error codes of the node-engine buildpack. */
export type NodeEngineErrorCode =
  | "NODE_ENGINE_VERSION" // a version spec (BP_NODE_VERSION, engines.node, .nvmrc, .node-version) is not one
  | "NODE_ENGINE_NO_MATCH" // no published Node.js release satisfies the chosen spec
  | "NODE_ENGINE_ARCH" // the target architecture has no Node.js build in the registry
  | "NODE_ENGINE_INSTALL"; // the runtime could not be unpacked (a broken tarball)

/** An expected failure of node-engine; the message names the source and the value. */
export class NodeEngineError extends PaketoError {
  declare readonly code: NodeEngineErrorCode;
  constructor(code: NodeEngineErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "NodeEngineError";
  }
}

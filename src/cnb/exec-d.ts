// The output of exec.d executables, read from fd 3 at launch (CNB-24).
import { CnbError } from "./errors.js";
import { describe, type Fields, readToml } from "./fields.js";

/**
 * Parses what an exec.d executable wrote to fd 3: top-level `NAME = "value"` pairs, in order. Each
 * value must be a string and each name a usable environment variable name (no `=`, no NUL).
 * The launcher sets each pair, overriding, before the next executable runs.
 */
export function parseExecDOutput(text: string, where = "exec.d output"): Record<string, string> {
  const f: Fields = readToml(text, where);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(f.table)) {
    if (name === "" || name.includes("=") || name.includes("\0")) {
      throw new CnbError("CNB_INVALID_FIELD", `${where}: ${JSON.stringify(name)} is not an environment variable name`);
    }
    if (typeof value !== "string") f.fail(name, `must be a string, got ${describe(value)}`);
    out[name] = value;
  }
  return out;
}

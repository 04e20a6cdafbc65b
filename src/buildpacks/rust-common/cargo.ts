// Running cargo from a Rust buildpack: output in the build log, its last lines in the error.
import type { Logger } from "../../buildpack-api/index.js";
import { runTool, type Env, type ToolRun } from "../common/exec.js";
import { splitWords } from "../procfile/shell-words.js";
import { RustError } from "./errors.js";

export { exitText, lastLines, type Env, type ToolRun } from "../common/exec.js";

export function runCargo(args: readonly string[], opts: { cwd: string; env: Env; logger?: Logger }): Promise<ToolRun> {
  return runTool(["cargo", ...args], {
    ...opts,
    startError: (cmd, e, missing) =>
      new RustError("RUST_TOOL", missing ? `${cmd} was not found on PATH` : `running ${cmd} failed: ${e.message}`, {
        hint: missing ? "rust-dist provides cargo at build time; it must run before this buildpack" : undefined,
        cause: e,
      }),
  });
}

/** A setting split like shell words (BP_CARGO_INSTALL_ARGS); nothing is expanded. */
export function words(env: Env, name: string): string[] {
  const value = env[name];
  if (value === undefined || value.trim() === "") return [];
  const r = splitWords(value, { operators: "literal" });
  if (!r.ok) throw new RustError("RUST_SETTING", `${name}: ${r.problem}`, { hint: `quote values with spaces: ${name}='--features "a b"'` });
  return r.words.map((w) => w.value);
}

/**
 * The environment cargo runs with: the build's (the user's CARGO_REGISTRIES_* and the app's
 * .cargo/config.toml choose where crates come from), plus the cache layers, no colours, the
 * platform's certificate bundle for downloads, and offline mode when the build is offline.
 */
export function cargoEnv(env: Env, extra: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  out.CARGO_TERM_COLOR = "never";
  out.CARGO_TERM_PROGRESS_WHEN = "never";
  if (!out.CARGO_HTTP_CAINFO && out.SSL_CERT_FILE) out.CARGO_HTTP_CAINFO = out.SSL_CERT_FILE;
  if (out.PAKETO_OFFLINE === "true") out.CARGO_NET_OFFLINE = "true";
  return { ...out, ...extra };
}

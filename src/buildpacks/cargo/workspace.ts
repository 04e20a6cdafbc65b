// The app's Cargo workspace as `cargo metadata --no-deps` describes it (no network, no lock
// needed): the members, their directories and binary targets, in the order the workspace lists them.
import { dirname, relative } from "node:path";
import { cargoEnv, exitText, lastLines, runCargo, type Env } from "../rust-common/cargo.js";
import { RustError } from "../rust-common/errors.js";

export interface Member {
  name: string;
  /** The member's directory, relative to the app ("" for the root package). */
  dir: string;
  /** Its binary targets' names. */
  bins: string[];
}

interface Metadata {
  packages: Array<{ id: string; name: string; manifest_path: string; targets: Array<{ name: string; kind: string[] }> }>;
  workspace_members: string[];
  workspace_root: string;
}

/** The members with binaries, in workspace order; `wanted` (BP_CARGO_WORKSPACE_MEMBERS) picks some by name. */
export async function workspaceMembers(appDir: string, env: Env, wanted: readonly string[]): Promise<Member[]> {
  const run = await runCargo(["metadata", "--no-deps", "--format-version", "1"], { cwd: appDir, env: cargoEnv(env, {}) });
  if (run.code !== 0) {
    throw new RustError("RUST_MANIFEST", `'cargo metadata' in the app ${exitText(run)}:\n${lastLines(run.output, 10).join("\n")}`, { hint: "fix Cargo.toml as cargo says above" });
  }
  let meta: Metadata;
  try {
    meta = JSON.parse(run.output.slice(run.output.indexOf("{"))) as Metadata;
  } catch (e) {
    throw new RustError("RUST_MANIFEST", `'cargo metadata' printed no JSON: ${lastLines(run.output, 3).join(" / ")}`, { cause: e });
  }
  const byId = new Map(meta.packages.map((p) => [p.id, p]));
  const members = meta.workspace_members.flatMap((id) => {
    const p = byId.get(id);
    return p ? [{ name: p.name, dir: relative(appDir, dirname(p.manifest_path)), bins: p.targets.filter((t) => t.kind.includes("bin")).map((t) => t.name) }] : [];
  });
  const unknown = wanted.filter((w) => !members.some((m) => m.name === w));
  if (unknown.length) {
    throw new RustError("RUST_SETTING", `BP_CARGO_WORKSPACE_MEMBERS: ${unknown.join(", ")} ${unknown.length === 1 ? "is not a member" : "are not members"} of the workspace (members: ${members.map((m) => m.name).join(", ")})`);
  }
  return members.filter((m) => m.bins.length > 0 && (wanted.length === 0 || wanted.includes(m.name)));
}

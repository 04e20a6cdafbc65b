// The SBOM of the installed binaries, from Cargo.lock: one component per locked package that came
// from a registry or a git repository (purl pkg:cargo/<name>@<version>, the registry's SHA-256
// when the lock has it, the source as a property). Workspace packages are the app itself.
import { parse } from "smol-toml";
import { purl, type Component, type SbomDocument } from "../../sbom/index.js";
import { RustError } from "../rust-common/errors.js";

interface LockPackage {
  name: string;
  version: string;
  source?: string;
  checksum?: string;
}

export function lockedPackages(text: string): LockPackage[] {
  let doc: { package?: LockPackage[] };
  try {
    doc = parse(text) as { package?: LockPackage[] };
  } catch (e) {
    throw new RustError("RUST_MANIFEST", `Cargo.lock is not valid TOML: ${(e as Error).message.split("\n")[0]}`, { cause: e, hint: "run 'cargo generate-lockfile' and commit Cargo.lock" });
  }
  return (doc.package ?? []).filter((p) => typeof p.name === "string" && typeof p.version === "string");
}

export function cargoSbom(text: string, o: { tool: { name: string; version: string }; timestamp: Date; name: string }): SbomDocument {
  const components: Component[] = lockedPackages(text)
    .filter((p) => p.source !== undefined)
    .map((p) => ({
      type: "library",
      name: p.name,
      version: p.version,
      purl: purl.cargo(p.name, p.version),
      ...(p.checksum && /^[0-9a-f]{64}$/.test(p.checksum) ? { hashes: [{ alg: "SHA-256" as const, content: p.checksum }] } : {}),
      properties: [{ name: "cargo:source", value: (p.source ?? "").replace(/#.*$/, "") }],
    }));
  return { name: o.name, timestamp: o.timestamp, tool: o.tool, components };
}

// SBOM files in the formats a buildpack.toml declares (`sbom-formats`), from one document.
import { toCycloneDx, toSpdx, type SbomDocument } from "../../sbom/index.js";

export function sbomFiles(doc: SbomDocument, declared: readonly string[]): { format: "cyclonedx" | "spdx"; content: string }[] {
  const out: { format: "cyclonedx" | "spdx"; content: string }[] = [];
  if (declared.includes("application/vnd.cyclonedx+json")) out.push({ format: "cyclonedx", content: toCycloneDx(doc) });
  if (declared.includes("application/spdx+json")) out.push({ format: "spdx", content: toSpdx(doc) });
  return out;
}

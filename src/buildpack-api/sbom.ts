// SBOM files a buildpack writes (CNB-22): format-agnostic bytes with a format tag. Generating
// CycloneDX or SPDX is the sbom module's job; this module only names and places the files.
import { SBOM_MEDIA_TYPES } from "../cnb/index.js";
import { BuildpackError } from "./errors.js";

/** The SBOM formats the spec accepts, by the name of their file extension. */
export type SbomFormat = "cyclonedx" | "spdx" | "syft";

/** One SBOM document: its format and its bytes (JSON text). */
export interface Sbom {
  format: SbomFormat;
  content: string | Uint8Array;
}

const EXTENSION: Record<SbomFormat, keyof typeof SBOM_MEDIA_TYPES> = {
  cyclonedx: "cdx.json",
  spdx: "spdx.json",
  syft: "syft.json",
};

/** `<owner>.sbom.<ext>`, e.g. `node.sbom.cdx.json` or `launch.sbom.spdx.json`. */
export function sbomFileName(owner: string, format: SbomFormat): string {
  const ext = EXTENSION[format];
  if (ext === undefined) throw new BuildpackError("BUILDPACK_SBOM", `${JSON.stringify(format)} is not an SBOM format (${Object.keys(EXTENSION).join(", ")})`);
  return `${owner}.sbom.${ext}`;
}

export function sbomMediaType(format: SbomFormat): string {
  return SBOM_MEDIA_TYPES[EXTENSION[format]];
}

/** Refuses a format buildpack.toml does not declare in `sbom-formats`: the lifecycle fails on it (CNB-22). */
export function checkSbomDeclared(format: SbomFormat, declared: readonly string[], owner: string): void {
  const media = sbomMediaType(format);
  if (!declared.includes(media)) {
    throw new BuildpackError("BUILDPACK_SBOM", `${sbomFileName(owner, format)}: buildpack.toml does not declare ${media} in [buildpack] sbom-formats`, {
      hint: `add sbom-formats = [${[...declared, media].map((m) => JSON.stringify(m)).join(", ")}] to the [buildpack] table`,
    });
  }
}

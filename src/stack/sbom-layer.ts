// The OS package SBOM of an image, CycloneDX and SPDX, made from the lock alone (so it is the
// same whatever the cache held) and kept in the image at /cnb/sbom/ for app SBOMs to include.
import type { debian } from "../deps/index.js";
import { layer, reproducibleDate } from "../oci/index.js";
import { type Component, debianPackageComponent, type SbomDocument, toCycloneDx, toSpdx } from "../sbom/index.js";
import type { FlavorName, StackDefinition } from "./stack-file.js";

export const SBOM_DIR = "cnb/sbom";
export const SBOM_FILES = { cyclonedx: `${SBOM_DIR}/sbom.cdx.json`, spdx: `${SBOM_DIR}/sbom.spdx.json` };
const TOOL = { name: "paketo", version: "0.1.0" };

/** `debian-13`: the distro qualifier of the packages' purls. */
export function distroQualifier(def: StackDefinition): string {
  return `${def.distro.name}-${def.distro.version}`;
}

/** One component per package: purl `pkg:deb/debian/NAME@VERSION?arch=ARCH&distro=debian-13`, the .deb's SHA-256. */
export function packageComponents(def: StackDefinition, pkgs: readonly debian.LockedPackage[]): Component[] {
  return pkgs.map((p) => debianPackageComponent(p, { vendor: def.distro.name, distro: distroQualifier(def) }));
}

export function sbomDocument(def: StackDefinition, flavor: FlavorName, arch: string, pkgs: readonly debian.LockedPackage[], sourceDateEpoch?: number): SbomDocument {
  const f = def.flavors[flavor];
  return {
    name: f.baseId,
    timestamp: reproducibleDate(sourceDateEpoch),
    tool: TOOL,
    subject: { type: "container", name: f.baseId, description: f.description, properties: [{ name: "paketo:stack:id", value: def.id }, { name: "paketo:stack:arch", value: arch }] },
    components: [
      { type: "operating-system", name: def.distro.name, version: def.distro.version, description: `${def.distro.name} ${def.distro.version} (${def.distro.codename})` },
      ...packageComponents(def, pkgs),
    ],
  };
}

/** The layer with /cnb/sbom/sbom.cdx.json and /cnb/sbom/sbom.spdx.json. */
export function buildSbomLayer(doc: SbomDocument, opts: { outputDir: string; sourceDateEpoch?: number }): Promise<layer.BuiltLayer> {
  return layer.layerFromFiles(
    [
      { path: SBOM_FILES.cyclonedx, content: toCycloneDx(doc) },
      { path: SBOM_FILES.spdx, content: toSpdx(doc) },
    ],
    { outputDir: opts.outputDir, label: "SBOM", ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}) },
  );
}

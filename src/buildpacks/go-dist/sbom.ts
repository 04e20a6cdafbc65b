// The go layer's SBOM: one component, the Go toolchain, identified both as the module it came from
// (`pkg:golang/golang.org/toolchain@v0.0.1-go1.26.11.linux-amd64`) and by the NVD CPE scanners
// match Go's own advisories with. The zip's SHA-256 is its hash; the h1 the checksum database
// proved is a property. No URL: the image stays the same whichever proxy served the bytes.
import { reproducibleDate } from "../../oci/index.js";
import { purl, type SbomDocument } from "../../sbom/index.js";

export interface GoSbomInput {
  version: string;
  moduleVersion: string;
  sha256: string;
  h1: string;
  verifiedBy: string;
  tool: { name: string; version: string };
  sourceDateEpoch: string | undefined;
}

export function goSbom(i: GoSbomInput): SbomDocument {
  return {
    name: "go",
    timestamp: reproducibleDate(i.sourceDateEpoch),
    tool: i.tool,
    components: [
      {
        type: "application",
        name: "go",
        version: i.version,
        purl: purl.golang("golang.org/toolchain", i.moduleVersion),
        cpe: `cpe:2.3:a:golang:go:${i.version}:*:*:*:*:*:*:*`,
        licenses: ["BSD-3-Clause"],
        description: "The Go toolchain",
        hashes: [{ alg: "SHA-256", content: i.sha256 }],
        properties: [
          { name: "paketo:go-sum", value: i.h1 },
          { name: "paketo:verified-by", value: i.verifiedBy },
        ],
      },
    ],
  };
}

// The neutral SBOM model: what a stack, a buildpack or the exporter knows about the software in an
// image. Writers (cyclonedx.ts, spdx.ts) turn it into bytes; nothing here knows a format.

/** CycloneDX 1.6 component types; SPDX maps them onto primaryPackagePurpose. */
export type ComponentType =
  | "application"
  | "framework"
  | "library"
  | "container"
  | "platform"
  | "operating-system"
  | "device"
  | "device-driver"
  | "firmware"
  | "file"
  | "machine-learning-model"
  | "data"
  | "cryptographic-asset";

export type HashAlgorithm = "SHA-256" | "SHA-512" | "SHA-1" | "MD5";

/** A digest of the component's artifact; `content` is hex (either case; written lowercase). */
export interface Hash {
  alg: HashAlgorithm;
  content: string;
}

/** A person or organisation: a supplier (Debian: Maintainer) or an author. */
export interface Party {
  name: string;
  email?: string;
  url?: string;
}

/** CycloneDX external reference types we carry (SPDX: website → homepage, distribution → downloadLocation). */
export type ExternalRefType =
  | "website"
  | "vcs"
  | "issue-tracker"
  | "distribution"
  | "documentation"
  | "license"
  | "build-meta"
  | "other";

export interface ExternalRef {
  type: ExternalRefType;
  url: string;
  comment?: string;
}

export interface Property {
  name: string;
  value: string;
}

export interface Component {
  type: ComponentType;
  name: string;
  /** Optional because some things have none (an app); give it whenever it is known. */
  version?: string;
  /**
   * The component's identifier inside its document, which `dependsOn` lists. Defaults to the
   * (canonical) purl, else `type/name@version` (see `componentRef`). Give one only when two
   * components would otherwise share a default.
   */
  ref?: string;
  /** A package URL (spec: github.com/package-url/purl-spec); build it with `purl.*`. */
  purl?: string;
  /** A CPE 2.3 (`cpe:2.3:...`) or 2.2 (`cpe:/...`) name. */
  cpe?: string;
  /**
   * Declared licenses, each an SPDX expression (`MIT`, `GPL-2.0-or-later WITH ...`) or a free name
   * (`GPL-2+`, `public-domain`). Several entries all apply (they are joined with AND).
   */
  licenses?: readonly string[];
  hashes?: readonly Hash[];
  supplier?: Party;
  author?: Party;
  description?: string;
  externalRefs?: readonly ExternalRef[];
  properties?: readonly Property[];
  /**
   * Refs of the components this one depends on. `undefined` means unknown; `[]` means none.
   */
  dependsOn?: readonly string[];
}

/** The tool that produced the document. */
export interface Tool {
  name: string;
  version: string;
}

export interface SbomDocument {
  /** Names the document (SPDX `name`); usually the image or app name. */
  name: string;
  /** Creation time, fixed by the caller (e.g. SOURCE_DATE_EPOCH) so output is reproducible. Whole seconds are written. */
  timestamp: Date;
  tool: Tool;
  /** What the document describes: the image or app. Every component is part of it. */
  subject?: Component;
  components: readonly Component[];
}

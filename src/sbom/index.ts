// SBOMs: a neutral model, purl builders, CycloneDX 1.6 and SPDX 2.3 JSON writers, a CycloneDX
// reader and merge. A pure format module: values in, bytes out, no I/O. See README.md.
export type {
  Component,
  ComponentType,
  ExternalRef,
  ExternalRefType,
  Hash,
  HashAlgorithm,
  Party,
  Property,
  SbomDocument,
  Tool,
} from "./model.js";
export { purl, formatPurl, parsePurl, canonicalPurl, encodePurlComponent } from "./purl.js";
export type { PackageUrl } from "./purl.js";
export { licenseExpression } from "./license.js";
export { debianPackageComponent } from "./debian.js";
export type { DebianPackageFacts } from "./debian.js";
export { componentRef } from "./normalize.js";
export { toCycloneDx, CYCLONEDX_SPEC_VERSION } from "./cyclonedx.js";
export { parseCycloneDx } from "./cyclonedx-parse.js";
export { toSpdx, SPDX_VERSION } from "./spdx.js";
export type { SpdxOptions } from "./spdx.js";
export { merge } from "./merge.js";
export { SbomError } from "./errors.js";
export type { SbomErrorCode } from "./errors.js";

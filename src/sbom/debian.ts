// The SBOM component of an installed Debian package, the same wherever packages are installed (a
// stack's OS layer, a buildpack's layer), so scanners match both the same way.
import type { Component } from "./model.js";
import { purl } from "./purl.js";

/** What a Debian package component is made of: the facts a lock records. */
export interface DebianPackageFacts {
  name: string;
  version: string;
  architecture: string;
  /** Lowercase hex SHA-256 of the .deb. */
  sha256: string;
  suite: string;
  source?: string;
  sourceVersion?: string;
}

/**
 * One component per package: purl `pkg:deb/<vendor>/NAME@VERSION?arch=ARCH&distro=<distro>`
 * (`distro` like `debian-13`), the .deb's SHA-256, and the suite and source as properties.
 */
export function debianPackageComponent(p: DebianPackageFacts, opts: { vendor: string; distro: string }): Component {
  const properties = [{ name: "paketo:debian:suite", value: p.suite }];
  if (p.source) properties.push({ name: "paketo:debian:source", value: p.source });
  if (p.sourceVersion) properties.push({ name: "paketo:debian:source-version", value: p.sourceVersion });
  return {
    type: "library",
    name: p.name,
    version: p.version,
    purl: purl.deb(p.name, p.version, { vendor: opts.vendor, arch: p.architecture, distro: opts.distro }),
    hashes: [{ alg: "SHA-256", content: p.sha256 }],
    properties,
  };
}

// SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/). Written by hand from the normal form,
// with a fixed key order, so the same document always gives the same bytes.
import { createHash } from "node:crypto";
import { andAll, classifyLicense, licenseRefFor, renderExpression, type LicenseNode } from "./license.js";
import type { ComponentType, HashAlgorithm, Party, SbomDocument } from "./model.js";
import { compare, contentUuid, normalizeDocument, type NormalComponent, type NormalDocument } from "./normalize.js";

export const SPDX_VERSION = "SPDX-2.3";

export interface SpdxOptions {
  /**
   * The URI the documentNamespace starts with; the document name and its content-derived UUID
   * follow. Default "https://spdx.org/spdxdocs/", the form SPDX's own tools use.
   */
  namespaceBase?: string;
}

type Json = Record<string, unknown>;

const PURPOSE: Record<ComponentType, string> = {
  application: "APPLICATION",
  framework: "FRAMEWORK",
  library: "LIBRARY",
  container: "CONTAINER",
  platform: "OTHER",
  "operating-system": "OPERATING_SYSTEM", // the 2.3 JSON schema spells it with "_"
  device: "DEVICE",
  "device-driver": "OTHER",
  firmware: "FIRMWARE",
  file: "FILE",
  "machine-learning-model": "OTHER",
  data: "OTHER",
  "cryptographic-asset": "OTHER",
};

const CHECKSUM: Record<HashAlgorithm, string> = { "SHA-1": "SHA1", "SHA-256": "SHA256", "SHA-512": "SHA512", MD5: "MD5" };

/** SPDX 2.3 JSON, two-space indented, ending in a newline. */
export function toSpdx(doc: SbomDocument, opts: SpdxOptions = {}): string {
  const n = normalizeDocument(doc);
  const ids = spdxIds(n);
  const id = (ref: string): string => ids.get(ref) ?? ref; // normalizeDocument checked every ref
  const extracted = new Map<string, string>(); // LicenseRef id -> the text it stands for
  const packages = [...(n.subject ? [n.subject] : []), ...n.components].map((c) => spdxPackage(c, n, id(c.ref), extracted));

  const relationships: Json[] = [];
  const rel = (from: string, type: string, to: string): void => {
    relationships.push({ spdxElementId: from, relationshipType: type, relatedSpdxElement: to });
  };
  if (n.subject) {
    rel("SPDXRef-DOCUMENT", "DESCRIBES", id(n.subject.ref));
    for (const c of n.components) rel(id(n.subject.ref), "CONTAINS", id(c.ref));
  } else {
    for (const c of n.components) rel("SPDXRef-DOCUMENT", "DESCRIBES", id(c.ref));
  }
  for (const c of n.subject ? [n.subject, ...n.components] : n.components) {
    for (const d of c.dependsOn ?? []) rel(id(c.ref), "DEPENDS_ON", id(d));
  }

  const base = opts.namespaceBase ?? "https://spdx.org/spdxdocs/";
  const out = {
    spdxVersion: SPDX_VERSION,
    dataLicense: "CC0-1.0",
    SPDXID: "SPDXRef-DOCUMENT",
    name: n.name,
    documentNamespace: undefined as string | undefined, // set below, from everything else
    creationInfo: { created: n.timestamp, creators: [`Tool: ${n.tool.name}-${n.tool.version}`] },
    packages,
    relationships,
    hasExtractedLicensingInfos:
      extracted.size === 0
        ? undefined
        : [...extracted.entries()]
            .sort(([a], [b]) => compare(a, b))
            .map(([licenseId, text]) => ({ licenseId, extractedText: text, name: text })),
  };
  out.documentNamespace = `${base}${idString(n.name)}-${contentUuid(out)}`;
  return `${JSON.stringify(out, null, 2)}\n`;
}

/** `[A-Za-z0-9.-]+`, as SPDX ids allow. */
function idString(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "") || "unnamed";
}

/** SPDXRef-Package-<name>-<first 16 hex of sha256(ref)>: readable, and unique because refs are. */
function spdxIds(n: NormalDocument): Map<string, string> {
  const ids = new Map<string, string>();
  for (const c of n.subject ? [n.subject, ...n.components] : n.components) {
    const h = createHash("sha256").update(c.ref, "utf8").digest("hex").slice(0, 16);
    ids.set(c.ref, `SPDXRef-Package-${idString(c.name)}-${h}`);
  }
  return ids;
}

function actor(kind: "Organization" | "Person", p: Party): string {
  // "(" and ")" delimit the email in SPDX's actor syntax, so they cannot appear in the name.
  const name = p.name.replace(/[()]/g, "").trim();
  return `${kind}: ${name}${p.email === undefined ? "" : ` (${p.email})`}`;
}

function spdxPackage(c: NormalComponent, n: NormalDocument, spdxId: string, extracted: Map<string, string>): Json {
  const refs = c.externalRefs ?? [];
  const homepage = refs.find((e) => e.type === "website")?.url;
  const download = refs.find((e) => e.type === "distribution")?.url;
  const externalRefs: Json[] = [];
  if (c.purl) externalRefs.push({ referenceCategory: "PACKAGE-MANAGER", referenceType: "purl", referenceLocator: c.purl });
  if (c.cpe) {
    const type = c.cpe.startsWith("cpe:2.3:") ? "cpe23Type" : "cpe22Type";
    externalRefs.push({ referenceCategory: "SECURITY", referenceType: type, referenceLocator: c.cpe });
  }
  for (const e of refs) {
    if (e.url === homepage || e.url === download) continue;
    externalRefs.push({ referenceCategory: "OTHER", referenceType: e.type, referenceLocator: e.url, comment: e.comment });
  }
  const tool = `Tool: ${n.tool.name}-${n.tool.version}`;
  return {
    name: c.name,
    SPDXID: spdxId,
    versionInfo: c.version,
    supplier: c.supplier && actor("Organization", c.supplier),
    originator: c.author && actor("Person", c.author),
    downloadLocation: download ?? "NOASSERTION",
    filesAnalyzed: false,
    checksums: c.hashes?.map((h) => ({ algorithm: CHECKSUM[h.alg], checksumValue: h.content })),
    homepage,
    // We read what packages declare; we conclude nothing about them.
    licenseConcluded: "NOASSERTION",
    licenseDeclared: c.licenses ? declared(c.licenses, extracted) : "NOASSERTION",
    description: c.description,
    externalRefs: externalRefs.length === 0 ? undefined : externalRefs,
    primaryPackagePurpose: PURPOSE[c.type],
    // SPDX 2.3 has no key/value properties on a package; annotations carry them.
    annotations: c.properties?.map((p) => ({
      annotationDate: n.timestamp,
      annotationType: "OTHER",
      annotator: tool,
      comment: `${p.name}=${p.value}`,
    })),
  };
}

/**
 * One expression: every entry joined with AND. A name that is not an SPDX expression becomes a
 * `LicenseRef-` whose extracted text is the name itself (the license text is not known); a
 * LicenseRef the caller wrote is defined the same way.
 */
function declared(entries: readonly string[], extracted: Map<string, string>): string {
  const nodes: LicenseNode[] = entries.map((entry) => {
    const l = classifyLicense(entry);
    if (l.kind === "expression") {
      for (const ref of l.licenseRefs) if (!extracted.has(ref)) extracted.set(ref, ref.slice("LicenseRef-".length));
      return l.node;
    }
    const ref = licenseRefFor(l.name);
    extracted.set(ref, l.name);
    return { license: ref };
  });
  const all = andAll(nodes);
  return all === undefined ? "NOASSERTION" : renderExpression(all);
}

// CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/). Written by hand from the normal form,
// with a fixed key order, so the same document always gives the same bytes.
import { andAll, classifyLicense, renderExpression, type LicenseNode } from "./license.js";
import type { SbomDocument } from "./model.js";
import { compare, contentUuid, normalizeDocument, type NormalComponent } from "./normalize.js";

export const CYCLONEDX_SPEC_VERSION = "1.6";

type Json = Record<string, unknown>;

/** CycloneDX 1.6 JSON, two-space indented, ending in a newline. */
export function toCycloneDx(doc: SbomDocument): string {
  const n = normalizeDocument(doc);
  const withDeps = [...(n.subject ? [n.subject] : []), ...n.components].filter((c) => c.dependsOn !== undefined);
  const bom = {
    $schema: `http://cyclonedx.org/schema/bom-${CYCLONEDX_SPEC_VERSION}.schema.json`,
    bomFormat: "CycloneDX",
    specVersion: CYCLONEDX_SPEC_VERSION,
    serialNumber: undefined as string | undefined, // set below, from everything else
    version: 1,
    metadata: {
      timestamp: n.timestamp,
      tools: { components: [{ type: "application", name: n.tool.name, version: n.tool.version }] },
      component: n.subject && component(n.subject),
    },
    components: n.components.map(component),
    dependencies:
      withDeps.length === 0
        ? undefined
        : withDeps
            .map((c) => ({ ref: c.ref, dependsOn: c.dependsOn }))
            .sort((a, b) => compare(a.ref, b.ref)),
  };
  bom.serialNumber = `urn:uuid:${contentUuid(bom)}`;
  return `${JSON.stringify(bom, null, 2)}\n`;
}

function component(c: NormalComponent): Json {
  return {
    type: c.type,
    "bom-ref": c.ref,
    supplier: c.supplier && {
      name: c.supplier.name,
      url: c.supplier.url === undefined ? undefined : [c.supplier.url],
      contact: c.supplier.email === undefined ? undefined : [{ email: c.supplier.email }],
    },
    authors: c.author && [{ name: c.author.name, email: c.author.email }],
    name: c.name,
    version: c.version,
    description: c.description,
    hashes: c.hashes?.map((h) => ({ alg: h.alg, content: h.content })),
    licenses: c.licenses && licenses(c.licenses),
    cpe: c.cpe,
    purl: c.purl,
    externalReferences: c.externalRefs?.map((e) => ({ url: e.url, comment: e.comment, type: e.type })),
    properties: c.properties?.map((p) => ({ name: p.name, value: p.value })),
  };
}

/**
 * All entries SPDX expressions: one `expression`, the entries joined with AND. Otherwise the
 * schema allows no expression beside other entries, so each entry is a `license`: `id` for a
 * bare license-list id, `name` for anything else (kept as written).
 */
export function licenses(entries: readonly string[]): Json[] {
  const classified = entries.map(classifyLicense);
  const nodes: LicenseNode[] = [];
  for (const l of classified) if (l.kind === "expression") nodes.push(l.node);
  const all = andAll(nodes);
  if (all !== undefined && nodes.length === classified.length) {
    return [{ expression: renderExpression(all), acknowledgement: "declared" }];
  }
  return classified.map((l, i) =>
    l.kind === "expression" && l.singleId
      ? { license: { id: l.expression, acknowledgement: "declared" } }
      : { license: { name: entries[i], acknowledgement: "declared" } },
  );
}

// One canonical form of a document that both writers start from: checked, de-duplicated, every
// list sorted by code units (never by locale), every component with its ref, and an id derived
// from the content. Same document in, same NormalDocument out, whatever the input order.
import { createHash } from "node:crypto";
import { SbomError } from "./errors.js";
import type { Component, ExternalRef, Hash, HashAlgorithm, Property, SbomDocument, Tool } from "./model.js";
import { canonicalPurl } from "./purl.js";

export interface NormalComponent extends Component {
  ref: string;
}

export interface NormalDocument {
  name: string;
  /** `YYYY-MM-DDThh:mm:ssZ`: both formats accept it, SPDX accepts nothing finer. */
  timestamp: string;
  tool: Tool;
  subject?: NormalComponent;
  components: NormalComponent[];
}

const HEX_LENGTH: Record<HashAlgorithm, number> = { "SHA-1": 40, "SHA-256": 64, "SHA-512": 128, MD5: 32 };

/** paketo's namespace for UUIDv5 ids of SBOM documents (fixed forever: changing it changes every id). */
const UUID_NAMESPACE = "e161b938-a705-4e8f-a60a-1fa8a55a8b36";

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBy<T>(...keys: Array<(x: T) => string>): (a: T, b: T) => number {
  return (a, b) => {
    for (const k of keys) {
      const c = compare(k(a), k(b));
      if (c !== 0) return c;
    }
    return 0;
  };
}

/** Sorted, without duplicates (by canonical JSON); undefined when empty. */
function sortedSet<T>(items: readonly T[] | undefined, order: (a: T, b: T) => number): T[] | undefined {
  if (items === undefined || items.length === 0) return undefined;
  const seen = new Map<string, T>();
  for (const it of items) seen.set(canonicalJson(it), it);
  return [...seen.values()].sort(order);
}

/**
 * The ref a component is known by in its document: its `ref`, else its canonical purl, else
 * `type/name@version`. `dependsOn` lists these.
 */
export function componentRef(c: Component): string {
  if (c.ref !== undefined) return c.ref;
  if (c.purl !== undefined) return canonicalPurl(c.purl);
  return `${c.type}/${c.name}${c.version === undefined ? "" : `@${c.version}`}`;
}

export function formatTimestamp(d: Date): string {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new SbomError("SBOM_INVALID", `SBOM timestamp ${String(d)} is not a valid date`);
  }
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}

function normalizeComponent(c: Component, where: string): NormalComponent {
  const what = `${where} component ${JSON.stringify(c.name)}${c.version === undefined ? "" : `@${c.version}`}`;
  if (c.name.trim() === "") throw new SbomError("SBOM_INVALID", `${where}: a component has an empty name`);
  const hashes = c.hashes?.map((h): Hash => {
    const content = h.content.toLowerCase();
    const len = HEX_LENGTH[h.alg];
    if (len === undefined) throw new SbomError("SBOM_INVALID", `${what}: unknown hash algorithm ${JSON.stringify(h.alg)}`);
    if (content.length !== len || !/^[0-9a-f]+$/.test(content)) {
      throw new SbomError("SBOM_INVALID", `${what}: ${h.alg} ${JSON.stringify(h.content)} is not ${len} hex digits`);
    }
    return { alg: h.alg, content };
  });
  if (c.cpe !== undefined && !/^cpe:(2\.3:|\/)\S+$/.test(c.cpe)) {
    throw new SbomError("SBOM_INVALID", `${what}: CPE ${JSON.stringify(c.cpe)} is neither "cpe:2.3:..." nor "cpe:/..."`);
  }
  for (const e of c.externalRefs ?? []) {
    if (e.url === "" || /\s/.test(e.url)) {
      throw new SbomError("SBOM_INVALID", `${what}: ${e.type} reference ${JSON.stringify(e.url)} is not a URL`, {
        hint: "percent-encode spaces in URLs (%20)",
      });
    }
  }
  const licenses = c.licenses?.map((l) => l.trim()).filter((l) => l !== "");
  const ref = componentRef(c);
  const out: NormalComponent = {
    type: c.type,
    name: c.name,
    version: c.version,
    ref,
    purl: c.purl === undefined ? undefined : canonicalPurl(c.purl),
    cpe: c.cpe,
    licenses: sortedSet(licenses, compare),
    hashes: sortedSet(hashes, compareBy((h) => h.alg, (h) => h.content)),
    supplier: c.supplier === undefined ? undefined : { ...c.supplier },
    author: c.author === undefined ? undefined : { ...c.author },
    description: c.description,
    externalRefs: sortedSet<ExternalRef>(c.externalRefs, compareBy((e) => e.type, (e) => e.url, (e) => e.comment ?? "")),
    properties: sortedSet<Property>(c.properties, compareBy((p) => p.name, (p) => p.value)),
    dependsOn: c.dependsOn === undefined ? undefined : [...new Set(c.dependsOn)].filter((d) => d !== ref).sort(compare),
  };
  return JSON.parse(canonicalJson(out)) as NormalComponent; // drops the undefined fields
}

const componentOrder = compareBy<NormalComponent>(
  (c) => c.purl ?? "",
  (c) => c.name,
  (c) => c.version ?? "",
  (c) => c.ref,
);

export function normalizeDocument(doc: SbomDocument): NormalDocument {
  const where = `SBOM ${JSON.stringify(doc.name)}`;
  if (doc.name.trim() === "") throw new SbomError("SBOM_INVALID", "an SBOM has an empty name");
  const timestamp = formatTimestamp(doc.timestamp);
  const subject = doc.subject === undefined ? undefined : normalizeComponent(doc.subject, where);

  const byRef = new Map<string, { c: NormalComponent; json: string }>();
  for (const raw of doc.components) {
    const c = normalizeComponent(raw, where);
    const json = canonicalJson(c);
    const prev = byRef.get(c.ref);
    if (prev !== undefined && prev.json !== json) {
      throw new SbomError("SBOM_DUPLICATE_REF", `${where}: two different components have the ref ${JSON.stringify(c.ref)}`, {
        hint: "give one of them its own `ref` (or merge them into one component)",
      });
    }
    byRef.set(c.ref, { c, json });
  }
  if (subject !== undefined && byRef.has(subject.ref)) {
    throw new SbomError("SBOM_DUPLICATE_REF", `${where}: the subject and a component have the ref ${JSON.stringify(subject.ref)}`, {
      hint: "give the subject its own `ref`",
    });
  }
  const components = [...byRef.values()].map((e) => e.c).sort(componentOrder);
  for (const c of subject === undefined ? components : [subject, ...components]) {
    for (const d of c.dependsOn ?? []) {
      if (!byRef.has(d) && d !== subject?.ref) {
        throw new SbomError("SBOM_UNKNOWN_REF", `${where}: ${JSON.stringify(c.ref)} depends on ${JSON.stringify(d)}, which is not in the document`, {
          hint: "dependsOn lists refs of components in the same document (a component's ref defaults to its purl)",
        });
      }
    }
  }
  return { name: doc.name, timestamp, tool: { name: doc.tool.name, version: doc.tool.version }, subject, components };
}

/**
 * The id of a document whose content (everything but the id) is `body`: a version-5 UUID of the
 * SHA-256 of its canonical JSON. Derived from what is written, so two inputs that say the same
 * thing get the same id; never random, never the clock.
 */
export function contentUuid(body: unknown): string {
  return uuidV5(UUID_NAMESPACE, createHash("sha256").update(canonicalJson(body), "utf8").digest("hex"));
}

/** JSON with object keys sorted and undefined members left out. */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonicalJson(x))).join(",")}]`;
  const entries = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .sort(([a], [b]) => compare(a, b));
  return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
}

/** RFC 9562 version-5 UUID (SHA-1 of namespace + name). */
export function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const h = createHash("sha1").update(ns).update(name, "utf8").digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

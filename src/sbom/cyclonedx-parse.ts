// Reads CycloneDX JSON (1.4 to 1.6; ours and other tools') back into the model, so a run image's
// /cnb/sbom/bom.cdx.json can be merged into an app's SBOM. Lenient where the model allows:
// fields we do not model are dropped, unknown hash algorithms and reference types too.
import { SbomError } from "./errors.js";
import type { Component, ComponentType, ExternalRef, ExternalRefType, Hash, HashAlgorithm, Party, SbomDocument, Tool } from "./model.js";

const TYPES: ReadonlySet<string> = new Set<ComponentType>([
  "application",
  "framework",
  "library",
  "container",
  "platform",
  "operating-system",
  "device",
  "device-driver",
  "firmware",
  "file",
  "machine-learning-model",
  "data",
  "cryptographic-asset",
]);
const ALGS: ReadonlySet<string> = new Set<HashAlgorithm>(["SHA-256", "SHA-512", "SHA-1", "MD5"]);
const REF_TYPES: ReadonlySet<string> = new Set<ExternalRefType>([
  "website",
  "vcs",
  "issue-tracker",
  "distribution",
  "documentation",
  "license",
  "build-meta",
  "other",
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const objs = (v: unknown): Obj[] => arr(v).filter(isObj);

/** Parses CycloneDX JSON text. Throws SBOM_PARSE when it is not a CycloneDX JSON BOM. */
export function parseCycloneDx(text: string, opts: { source?: string } = {}): SbomDocument {
  const where = opts.source ?? "CycloneDX document";
  let bom: unknown;
  try {
    bom = JSON.parse(text);
  } catch (cause) {
    throw new SbomError("SBOM_PARSE", `${where} is not JSON`, { cause });
  }
  if (!isObj(bom) || bom["bomFormat"] !== "CycloneDX") {
    throw new SbomError("SBOM_PARSE", `${where} is not a CycloneDX BOM (no "bomFormat": "CycloneDX")`);
  }
  const metadata = isObj(bom["metadata"]) ? bom["metadata"] : {};
  const ts = str(metadata["timestamp"]);
  const timestamp = ts === undefined ? new Date(0) : new Date(ts);
  if (Number.isNaN(timestamp.getTime())) {
    throw new SbomError("SBOM_PARSE", `${where}: metadata.timestamp ${JSON.stringify(ts)} is not a date`);
  }

  // Flatten nested components (assemblies): the model has one list, the subject contains all.
  const flat: Obj[] = [];
  const walk = (list: unknown): void => {
    for (const c of objs(list)) {
      flat.push(c);
      walk(c["components"]);
    }
  };
  walk(bom["components"]);
  const subjectJson = isObj(metadata["component"]) ? metadata["component"] : undefined;
  if (subjectJson) walk(subjectJson["components"]);

  const dependsOn = new Map<string, string[]>();
  for (const d of objs(bom["dependencies"])) {
    const ref = str(d["ref"]);
    if (ref !== undefined) dependsOn.set(ref, arr(d["dependsOn"]).filter((x): x is string => typeof x === "string"));
  }
  const known = new Set(
    [...flat, ...(subjectJson ? [subjectJson] : [])].map((c) => str(c["bom-ref"])).filter((r) => r !== undefined),
  );
  const toComponent = (c: Obj, i: number): Component => {
    const name = str(c["name"]);
    if (name === undefined || name === "") throw new SbomError("SBOM_PARSE", `${where}: component #${i} has no name`);
    const type = str(c["type"]) ?? "library";
    const ref = str(c["bom-ref"]);
    const out: Component = { type: TYPES.has(type) ? (type as ComponentType) : "library", name };
    const version = str(c["version"]);
    if (version !== undefined && version !== "") out.version = version;
    if (ref !== undefined) out.ref = ref;
    const purl = str(c["purl"]);
    if (purl !== undefined) out.purl = purl;
    const cpe = str(c["cpe"]);
    if (cpe !== undefined) out.cpe = cpe;
    const description = str(c["description"]);
    if (description !== undefined) out.description = description;
    const licenses = objs(c["licenses"])
      .map((l) => (isObj(l["license"]) ? (str(l["license"]["id"]) ?? str(l["license"]["name"])) : str(l["expression"])))
      .filter((l) => l !== undefined);
    if (licenses.length > 0) out.licenses = licenses;
    const hashes = objs(c["hashes"])
      .filter((h) => ALGS.has(str(h["alg"]) ?? "") && typeof h["content"] === "string")
      .map((h): Hash => ({ alg: h["alg"] as HashAlgorithm, content: h["content"] as string }));
    if (hashes.length > 0) out.hashes = hashes;
    const supplier = isObj(c["supplier"]) ? party(c["supplier"], str(arr(c["supplier"]["url"])[0])) : undefined;
    if (supplier) out.supplier = supplier;
    const authorObj = objs(c["authors"])[0];
    const author = authorObj ? party(authorObj) : str(c["author"]) !== undefined ? { name: str(c["author"]) ?? "" } : undefined;
    if (author) out.author = author;
    const externalRefs = objs(c["externalReferences"])
      .filter((e) => typeof e["url"] === "string")
      .map((e): ExternalRef => {
        const t = str(e["type"]) ?? "other";
        const ref: ExternalRef = { type: REF_TYPES.has(t) ? (t as ExternalRefType) : "other", url: e["url"] as string };
        const comment = str(e["comment"]);
        if (comment !== undefined) ref.comment = comment;
        return ref;
      });
    if (externalRefs.length > 0) out.externalRefs = externalRefs;
    const properties = objs(c["properties"])
      .filter((p) => typeof p["name"] === "string")
      .map((p) => ({ name: p["name"] as string, value: str(p["value"]) ?? "" }));
    if (properties.length > 0) out.properties = properties;
    const deps = ref === undefined ? undefined : dependsOn.get(ref);
    if (deps !== undefined) out.dependsOn = deps.filter((d) => known.has(d));
    return out;
  };

  const doc: SbomDocument = {
    name: str(subjectJson?.["name"]) ?? str(bom["serialNumber"]) ?? "cyclonedx",
    timestamp,
    tool: tool(metadata["tools"]),
    components: flat.map(toComponent),
  };
  if (subjectJson) doc.subject = toComponent(subjectJson, -1);
  return doc;
}

function party(o: Obj, url?: string): Party | undefined {
  const name = str(o["name"]);
  if (name === undefined) return undefined;
  const p: Party = { name };
  const email = str(o["email"]) ?? str(objs(o["contact"])[0]?.["email"]);
  if (email !== undefined) p.email = email;
  if (url !== undefined) p.url = url;
  return p;
}

/** 1.5+: `tools.components[]`; 1.4: `tools[]` with name/version. The first one. */
function tool(tools: unknown): Tool {
  const first = isObj(tools) ? objs(tools["components"])[0] : objs(tools)[0];
  return { name: str(first?.["name"]) ?? "unknown", version: str(first?.["version"]) ?? "unknown" };
}

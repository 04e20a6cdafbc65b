// The distributions installed in a layer, read from their `*.dist-info/METADATA` (the core
// metadata every installer writes), for the layer's SBOM: name, version, purl `pkg:pypi/...`,
// license (License-Expression, else License when it is a short name, else the OSI classifiers).
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { reproducibleDate } from "../../oci/index.js";
import { purl, type Component, type SbomDocument } from "../../sbom/index.js";

export interface Distribution {
  name: string;
  version: string;
  licenses: string[];
  summary?: string;
}

/** Headers of a METADATA file (up to the blank line before the description). */
function headers(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === "") break;
    if (/^\s/.test(line) && out.length) {
      out[out.length - 1]![1] += `\n${line.trim()}`;
      continue;
    }
    const i = line.indexOf(":");
    if (i > 0) out.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  return out;
}

/** Every `*.dist-info` directly in `dirs`, sorted by name. */
export async function installedDistributions(dirs: readonly string[]): Promise<Distribution[]> {
  const found = new Map<string, Distribution>();
  for (const dir of dirs) {
    for (const e of await readdir(dir).catch(() => [] as string[])) {
      if (!e.endsWith(".dist-info")) continue;
      const text = await readFile(join(dir, e, "METADATA"), "utf8").catch(() => undefined);
      if (text === undefined) continue;
      const h = headers(text);
      const get = (k: string) => h.find(([n]) => n === k)?.[1];
      const name = get("name");
      const version = get("version");
      if (!name || !version) continue;
      const expr = get("license-expression");
      const lic = get("license");
      const classifiers = h.filter(([n, v]) => n === "classifier" && v.startsWith("License :: ")).map(([, v]) => v.split(" :: ").pop()!);
      const licenses = expr ? [expr] : lic && lic.length <= 60 && !lic.includes("\n") && lic !== "UNKNOWN" ? [lic] : classifiers;
      const summary = get("summary");
      found.set(name.toLowerCase(), { name, version, licenses, ...(summary ? { summary } : {}) });
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function distributionsSbom(layer: string, dists: readonly Distribution[], o: { tool: { name: string; version: string }; sourceDateEpoch: string | undefined }): SbomDocument {
  return {
    name: layer,
    timestamp: reproducibleDate(o.sourceDateEpoch),
    tool: o.tool,
    components: dists.map(
      (d): Component => ({
        type: "library",
        name: d.name,
        version: d.version,
        purl: purl.pypi(d.name, d.version),
        ...(d.licenses.length ? { licenses: d.licenses } : {}),
        ...(d.summary ? { description: d.summary } : {}),
      }),
    ),
  };
}

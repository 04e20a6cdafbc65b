// What the exporter appends to the run image, in which order, and which layers it can take from
// the previous image without looking at their files (CNB-43, CNB-49). Pure: the scan of the layers
// dir and the previous image's io.buildpacks.lifecycle.metadata in, decisions out.
import type { LifecycleMetadata } from "../../cnb/index.js";
import { ExportError } from "./errors.js";

/** What the exporter found on disk, reduced to what the decisions need. */
export interface CurrentLayers {
  /** The group, in order; per buildpack its `<layer>.toml` files. */
  buildpacks: Array<{
    id: string;
    version: string;
    layers: Array<{ name: string; launch: boolean; build: boolean; cache: boolean; hasContents: boolean }>;
  }>;
  /** Slices of metadata.toml (CNB-20): the app dir becomes `slices + 1` layers. */
  slices: number;
  /** `<layers>/sbom/launch` exists. */
  sbom: boolean;
  /** Processes in metadata.toml: none means no process-types layer. */
  processes: number;
}

/** Where a layer goes in the io.buildpacks.lifecycle.metadata label. */
export type LayerRole =
  | { kind: "buildpack"; buildpackId: string; layer: string }
  | { kind: "sbom" }
  | { kind: "app"; index: number }
  | { kind: "launcher" }
  | { kind: "config" }
  | { kind: "process-types" };

export interface PlannedLayer {
  /** For messages and stats: `acme/node:node`, `app`, `slice 1`, `sbom`, `launcher`, `config`, `process-types`. */
  id: string;
  role: LayerRole;
  /** The image config history's created_by (CNB-43). */
  createdBy: string;
  /**
   * `reuse`: a launch layer kept without contents: the previous image's layer `previous[0]`, by
   * diffID, never read. `build`: build it from its files (or take it from the content cache); if
   * its diffID is one of `previous`, the previous image's layer is used, so nothing is uploaded.
   */
  action: "reuse" | "build";
  /** The diffIDs this layer had in the previous image (app slices: any previous app layer). */
  previous: string[];
}

/**
 * The layers to append, in CNB-43 order: each buildpack's launch layers (group order, names
 * sorted), the SBOM layer, the app slices and the rest of the app, the launcher, the launcher
 * config and the process types. Throws ExportError for a launch layer with no contents that the
 * previous image does not have (EXPORT_REUSE) and for a cache=true layer without contents
 * (EXPORT_CACHE_NO_CONTENTS).
 */
export function planExport(current: CurrentLayers, previous: LifecycleMetadata | undefined): PlannedLayer[] {
  const out: PlannedLayer[] = [];
  const sha = (s: string | undefined) => (s ? [s] : []);
  for (const bp of current.buildpacks) {
    const prevBp = previous?.buildpacks.find((b) => b.key === bp.id);
    const launch = bp.layers.filter((l) => l.launch).sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
    for (const l of launch) {
      const id = `${bp.id}:${l.name}`;
      const prevSha = prevBp?.layers[l.name]?.sha;
      const role: LayerRole = { kind: "buildpack", buildpackId: bp.id, layer: l.name };
      const createdBy = `Layer: '${l.name}', Created by buildpack: ${bp.id}@${bp.version}`;
      if (l.hasContents) {
        out.push({ id, role, createdBy, action: "build", previous: sha(prevSha) });
        continue;
      }
      if (l.cache) {
        throw new ExportError("EXPORT_CACHE_NO_CONTENTS", `layer ${id} is cache=true but has no contents`, {
          hint: `the buildpack must create the directory of layer ${l.name} or set cache = false`,
        });
      }
      if (!prevSha) {
        throw new ExportError("EXPORT_REUSE", `cannot reuse layer ${id}: the previous image has no layer ${l.name} for ${bp.id}`, {
          hint: "the buildpack kept only the layer's metadata; it must create the layer when the previous image does not have it",
        });
      }
      out.push({ id, role, createdBy, action: "reuse", previous: [prevSha] });
    }
  }
  for (const bp of current.buildpacks) {
    for (const l of bp.layers) {
      if (!l.launch && l.cache && !l.hasContents) {
        throw new ExportError("EXPORT_CACHE_NO_CONTENTS", `layer ${bp.id}:${l.name} is cache=true but has no contents`);
      }
    }
  }
  if (current.sbom) out.push({ id: "sbom", role: { kind: "sbom" }, createdBy: "Software Bill-of-Materials", action: "build", previous: sha(previous?.sbom?.sha) });
  const prevApp = (previous?.app ?? []).map((a) => a.sha).filter((s) => s !== "");
  for (let i = 0; i <= current.slices; i++) {
    const last = i === current.slices;
    const createdBy = current.slices === 0 ? "Application Layer" : `Application Slice: ${i + 1}`;
    out.push({ id: last && current.slices === 0 ? "app" : `slice ${i + 1}`, role: { kind: "app", index: i }, createdBy, action: "build", previous: prevApp });
  }
  out.push({ id: "launcher", role: { kind: "launcher" }, createdBy: "Buildpacks Application Launcher", action: "build", previous: sha(previous?.launcher?.sha) });
  out.push({ id: "config", role: { kind: "config" }, createdBy: "Buildpacks Launcher Config", action: "build", previous: sha(previous?.config?.sha) });
  if (current.processes > 0) {
    out.push({ id: "process-types", role: { kind: "process-types" }, createdBy: "Buildpacks Process Types", action: "build", previous: sha(previous?.processTypes?.sha) });
  }
  return out;
}

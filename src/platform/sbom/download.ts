// `paketo sbom download`: the image's SBOM layer (CNB-22) written into a folder, keeping the
// paths it has in the image (`layers/sbom/launch/<escaped-bp>/[<layer>/]sbom.<ext>`), as
// `pack sbom download` does. The layer is the one whose diffID the lifecycle metadata label
// records as `sbom.sha`; an image whose label does not say is scanned, top down, among the layers
// the label does not account for. Only entries under `<layers>/sbom` are written, through the
// safe extractor (nothing lands outside the folder, whatever the tar says).
import { PaketoError } from "../../errors/index.js";
import { LIFECYCLE_METADATA_LABEL, type LifecycleMetadata, parseLifecycleMetadataLabel } from "../../cnb/index.js";
import { type Digest, extract, type Image, type Layer } from "../../oci/index.js";

export type SbomErrorCode =
  /** The image has no SBOM layer (or is no CNB app image at all). */
  | "SBOM_MISSING"
  /** The lifecycle metadata label is malformed or names a layer the image does not have. */
  | "SBOM_LABEL";

export class SbomError extends PaketoError {
  declare readonly code: SbomErrorCode;
  constructor(code: SbomErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = "SbomError";
  }
}

export interface SbomDownloadOptions {
  /** The image's name, for messages. */
  name?: string;
}

export interface SbomDownloadResult {
  /** diffID of the SBOM layer. */
  layer: Digest;
  /** Whether the label named the layer or it was found by scanning. */
  foundBy: "label" | "scan";
  /** Regular files written, relative to the output folder, sorted (`layers/sbom/launch/...`). */
  files: string[];
}

/** Where the image keeps its layers (`CNB_LAYERS_DIR` of its Env, else /layers), without the leading slash. */
function layersDirOf(env: readonly string[] | null | undefined): string {
  let dir = "/layers";
  for (const e of env ?? []) if (e.startsWith("CNB_LAYERS_DIR=")) dir = e.slice("CNB_LAYERS_DIR=".length);
  return dir.split("/").filter((c) => c !== "" && c !== ".").join("/");
}

/** Extracts the entries of `layer` under `prefix` into `outputDir`; the regular files written. */
async function extractSbomEntries(layer: Layer, outputDir: string, root: string): Promise<{ placed: number; files: string[] }> {
  let placed = 0;
  const files: string[] = [];
  await extract.extractLayer(layer, outputDir, {
    whiteouts: "ignore",
    devices: "skip",
    onEntry: (e) => {
      let name: string;
      try {
        name = extract.normalizeEntryName(e.name);
      } catch {
        return false; // a name that would leave the folder is no SBOM file
      }
      if (name !== root && !name.startsWith(`${root}/`)) return false;
      placed++;
      if (e.type === "file") files.push(name);
      return undefined;
    },
  });
  return { placed, files };
}

function noSbom(name: string, why: string): SbomError {
  return new SbomError("SBOM_MISSING", `${name} has no SBOM: ${why}`, {
    hint: "SBOMs come from buildpacks that write <layer>.sbom.<ext> or launch.sbom.<ext> files (CNB-22) and declare sbom-formats in buildpack.toml",
  });
}

/** The diffIDs of layers the label accounts for that are not the SBOM layer. */
function knownLayers(md: LifecycleMetadata): Set<string> {
  const known = new Set<string>();
  for (const d of [...md.app, md.config, md.launcher, md.processTypes]) if (d?.sha) known.add(d.sha);
  for (const b of md.buildpacks) for (const l of Object.values(b.layers)) if (l.sha) known.add(l.sha);
  return known;
}

/** Writes the SBOM layer's `<layers>/sbom/...` tree of `image` into `outputDir` (created if missing). */
export async function downloadSbom(image: Image, outputDir: string, opts: SbomDownloadOptions = {}): Promise<SbomDownloadResult> {
  const name = opts.name ?? "the image";
  const config = await image.configFile();
  const label = config.config.Labels?.[LIFECYCLE_METADATA_LABEL];
  if (label === undefined) throw noSbom(name, `it has no ${LIFECYCLE_METADATA_LABEL} label, so no CNB lifecycle exported it`);
  let md: LifecycleMetadata;
  try {
    md = parseLifecycleMetadataLabel(label);
  } catch (e) {
    throw new SbomError("SBOM_LABEL", `${name}: ${(e as Error).message}`, { cause: e });
  }
  const root = `${layersDirOf(config.config.Env)}/sbom`;
  const diffIds = config.rootfs.diff_ids;
  const layers = await image.layers();

  if (md.sbom?.sha) {
    const i = diffIds.indexOf(md.sbom.sha as Digest);
    if (i < 0 || !layers[i]) {
      throw new SbomError("SBOM_LABEL", `${name}: ${LIFECYCLE_METADATA_LABEL} names the SBOM layer ${md.sbom.sha}, but the image has no layer with that diffID`);
    }
    const got = await extractSbomEntries(layers[i], outputDir, root);
    if (got.placed === 0) throw noSbom(name, `its SBOM layer ${md.sbom.sha} holds nothing under /${root}`);
    return { layer: md.sbom.sha as Digest, foundBy: "label", files: got.files.sort() };
  }

  // No sbom entry in the label: look at the layers above the run image that the label does not
  // account for, the topmost first (the exporter puts the SBOM layer last).
  const known = knownLayers(md);
  const top = md.runImage?.topLayer ? diffIds.indexOf(md.runImage.topLayer as Digest) : -1;
  for (let i = diffIds.length - 1; i > top; i--) {
    const diffId = diffIds[i] as Digest;
    const layer = layers[i];
    if (!layer || known.has(diffId)) continue;
    const got = await extractSbomEntries(layer, outputDir, root);
    if (got.placed > 0) return { layer: diffId, foundBy: "scan", files: got.files.sort() };
  }
  throw noSbom(name, `its ${LIFECYCLE_METADATA_LABEL} label records no SBOM layer and no layer holds /${root}`);
}

// `paketo sbom download`: the image's SBOM layer (CNB-22) written into a folder, keeping the
// paths it has in the image (`layers/sbom/launch/<escaped-bp>/[<layer>/]sbom.<ext>`), as
// `pack sbom download` does. The layer is the one whose diffID the lifecycle metadata label
// records as `sbom.sha`; an image whose label does not say is scanned, top down, among the layers
// the label does not account for. Only entries under `<layers>/sbom` are written, through the
// safe extractor (nothing lands outside the folder, whatever the tar says).
import { PaketoError } from "../../errors/index.js";
import { LIFECYCLE_METADATA_LABEL, type LifecycleMetadata, parseLifecycleMetadataLabel } from "../../cnb/index.js";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Digest, extract, type Image, type Layer } from "../../oci/index.js";
import * as sbom from "../../sbom/index.js";
import type { SbomDocument } from "../../sbom/index.js";
import { PAKETO_VERSION } from "../distribution/index.js";

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

export interface ImageSbomResult {
  /** Relative paths written: `sbom.cdx.json`, `sbom.spdx.json`. */
  files: string[];
  /** How many components the merged document lists. */
  components: number;
  /** CycloneDX files that could not be read (a buildpack's own format), left out of the merge. */
  skipped: string[];
}

/**
 * The run image's OS package SBOM (`/cnb/sbom/sbom.cdx.json`, as our stacks write it): from the
 * layer the `io.buildpacks.base.sbom` label names, else the run image's layers, top down.
 */
async function runImageSbom(image: Image, md: LifecycleMetadata): Promise<string | undefined> {
  const config = await image.configFile();
  const diffIds = config.rootfs.diff_ids;
  const layers = await image.layers();
  const top = md.runImage?.topLayer ? diffIds.indexOf(md.runImage.topLayer as Digest) : -1;
  const labelled = diffIds.indexOf((config.config.Labels?.["io.buildpacks.base.sbom"] ?? "") as Digest);
  const candidates = labelled >= 0 ? [labelled] : Array.from({ length: top + 1 }, (_, i) => top - i);
  const tmp = await mkdtemp(join(tmpdir(), "paketo-sbom-"));
  try {
    for (const i of candidates) {
      await extract.extractLayer(layers[i] as Layer, tmp, {
        whiteouts: "ignore",
        devices: "skip",
        onEntry: (e) => {
          try {
            return extract.normalizeEntryName(e.name) === RUN_IMAGE_SBOM ? undefined : false;
          } catch {
            return false;
          }
        },
      });
      const text = await readFile(join(tmp, RUN_IMAGE_SBOM), "utf8").catch(() => undefined);
      if (text !== undefined) return text;
    }
    return undefined;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

const RUN_IMAGE_SBOM = "cnb/sbom/sbom.cdx.json";

/**
 * One SBOM for the whole image, in CycloneDX and SPDX: every buildpack's CycloneDX document from
 * the SBOM layer (already written to `outputDir` by downloadSbom) merged with the run image's OS
 * packages. The subject is the image, by digest; the time is the image's (1980 for CNB images),
 * so the same image always gives the same bytes.
 */
export async function writeImageSbom(image: Image, outputDir: string, downloaded: readonly string[], opts: { name: string }): Promise<ImageSbomResult> {
  const config = await image.configFile();
  const md = parseLifecycleMetadataLabel(config.config.Labels?.[LIFECYCLE_METADATA_LABEL] ?? "{}");
  const digest = await image.digest();
  const docs: SbomDocument[] = [
    {
      name: opts.name,
      timestamp: new Date(config.created ?? "1980-01-01T00:00:01Z"),
      tool: { name: "paketo", version: PAKETO_VERSION },
      subject: { type: "container", name: opts.name, version: digest },
      components: [],
    },
  ];
  const skipped: string[] = [];
  for (const f of [...downloaded].filter((f) => f.endsWith(".cdx.json")).sort()) {
    try {
      docs.push(sbom.parseCycloneDx(await readFile(join(outputDir, f), "utf8"), { source: f }));
    } catch {
      skipped.push(f);
    }
  }
  const os = await runImageSbom(image, md);
  if (os !== undefined) {
    try {
      docs.push(sbom.parseCycloneDx(os, { source: `run image /${RUN_IMAGE_SBOM}` }));
    } catch {
      skipped.push(`run image /${RUN_IMAGE_SBOM}`);
    }
  }
  const merged = sbom.merge(docs);
  await writeFile(join(outputDir, "sbom.cdx.json"), sbom.toCycloneDx(merged));
  await writeFile(join(outputDir, "sbom.spdx.json"), sbom.toSpdx(merged));
  return { files: ["sbom.cdx.json", "sbom.spdx.json"], components: merged.components.length, skipped };
}

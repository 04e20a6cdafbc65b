// analyzed.toml (CNB-32).
import { type Fields, readToml, strip, type Table, writeToml } from "./fields.js";
import { type LifecycleMetadata, lifecycleMetadataObject, readLifecycleMetadata } from "./lifecycle-metadata.js";
import { type RunImageTarget } from "./targets.js";

/** The run image the build will export onto. */
export interface AnalyzedRunImage {
  /** Digest reference (or daemon image id, or layout path) once resolved. */
  reference: string;
  /** The platform- or extension-provided image name. */
  image?: string;
  /** true when an extension extends the run image (never with paketo, CNB-73). */
  extend: boolean;
  /** Platform API 0.12: target data of the run image (CNB-31). */
  target?: RunImageTarget;
}

/**
 * analyzed.toml. Written by the analyzer (`CNB_ANALYZED_PATH`, default `<layers>/analyzed.toml`);
 * updated by the detector and restorer (run-image reference and target); read by the restorer
 * (previous layer metadata), the builder (target env, CNB-6) and the exporter.
 */
export interface AnalyzedFile {
  /** `[image]`: the previous image, when there is one. */
  previousImage?: { reference: string };
  /** `[build-image]`: only used with extensions. */
  buildImage?: { reference: string };
  /** `[metadata]`: the previous image's io.buildpacks.lifecycle.metadata label, in TOML spelling. */
  metadata: LifecycleMetadata;
  runImage?: AnalyzedRunImage;
}

/** Reads a run-image target table; the variant is `arch-variant` (reference) or `variant` (spec). */
function readRunImageTarget(t: Fields): RunImageTarget {
  const d = t.sub("distro");
  return strip({
    id: t.optStr("id"),
    os: t.optStr("os") ?? "",
    arch: t.optStr("arch") ?? "",
    variant: t.optStr("arch-variant") ?? t.optStr("variant"),
    distro: d && { name: d.optStr("name") ?? "", version: d.optStr("version") ?? "" },
  });
}

function runImageTargetToToml(t: RunImageTarget): Table {
  return {
    id: t.id,
    os: t.os,
    arch: t.arch,
    "arch-variant": t.variant,
    distro: t.distro && { name: t.distro.name, version: t.distro.version },
  };
}

function ref(f: Fields | undefined): { reference: string } | undefined {
  return f && { reference: f.optStr("reference") ?? "" };
}

export function parseAnalyzedToml(text: string, where = "analyzed.toml"): AnalyzedFile {
  const f = readToml(text, where);
  const meta = f.sub("metadata");
  const ri = f.sub("run-image");
  const target = ri?.sub("target");
  return strip({
    previousImage: ref(f.sub("image")),
    buildImage: ref(f.sub("build-image")),
    metadata: meta ? readLifecycleMetadata(meta, "toml") : { app: [], buildpacks: [] },
    runImage: ri && strip({ reference: ri.optStr("reference") ?? "", image: ri.optStr("image"), extend: ri.bool("extend"), target: target && readRunImageTarget(target) }),
  });
}

export function stringifyAnalyzedToml(a: AnalyzedFile): string {
  const ri = a.runImage;
  return writeToml({
    image: a.previousImage && { reference: a.previousImage.reference },
    "build-image": a.buildImage && { reference: a.buildImage.reference },
    metadata: lifecycleMetadataObject(a.metadata, "toml"),
    "run-image": ri && {
      reference: ri.reference,
      image: ri.image,
      extend: ri.extend ? true : undefined,
      target: ri.target && runImageTargetToToml(ri.target),
    },
  });
}

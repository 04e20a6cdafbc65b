// run.toml and the legacy stack.toml (CNB-33, CNB-62).
import { type Fields, readToml, strip, type Table, writeToml } from "./fields.js";

/** A run image and its mirrors (tag references, ideally one per registry). */
export interface RunImageRef {
  image?: string;
  mirrors: string[];
}

/**
 * run.toml (Platform API ≥0.12). Written by the platform or builder (`/cnb/run.toml`,
 * `CNB_RUN_PATH`); read by the analyzer (run-image selection, CNB-33) and the exporter (the
 * label's runImage image and mirrors).
 */
export interface RunFile {
  images: RunImageRef[];
}

function readRunImageRef(f: Fields): RunImageRef {
  const ref = strip({ image: f.optStr("image"), mirrors: f.strs("mirrors") });
  if (ref.mirrors.length > 0 && !ref.image) f.fail("mirrors", "must not be set without image", "CNB_MISSING_FIELD");
  return ref;
}

function runImageRefToToml(r: RunImageRef): Table {
  return { image: r.image, mirrors: r.mirrors.length === 0 ? undefined : r.mirrors };
}

export function parseRunToml(text: string, where = "run.toml"): RunFile {
  return { images: readToml(text, where).tables("images").map(readRunImageRef) };
}

export function stringifyRunToml(r: RunFile): string {
  return writeToml({ images: r.images.map(runImageRefToToml) });
}

/**
 * stack.toml (Platform API <0.12, `/cnb/stack.toml`, `CNB_STACK_PATH`). Written by the builder;
 * read by the analyzer and exporter in place of run.toml.
 */
export interface StackFile {
  runImage: RunImageRef;
  buildImage?: RunImageRef;
}

export function parseStackToml(text: string, where = "stack.toml"): StackFile {
  const f = readToml(text, where);
  const run = f.sub("run-image");
  const build = f.sub("build-image");
  return strip({ runImage: run ? readRunImageRef(run) : { mirrors: [] }, buildImage: build && readRunImageRef(build) });
}

export function stringifyStackToml(s: StackFile): string {
  return writeToml({
    "run-image": runImageRefToToml(s.runImage),
    "build-image": s.buildImage && runImageRefToToml(s.buildImage),
  });
}

/** run.toml's view of a legacy stack.toml, so callers handle one shape. */
export function runFileFromStack(s: StackFile): RunFile {
  return { images: s.runImage.image ? [s.runImage] : [] };
}

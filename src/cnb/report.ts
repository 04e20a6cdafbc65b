// report.toml (CNB-50).
import { readBom, type BomEntry, bomToToml } from "./bom.js";
import { readToml, strip, writeToml } from "./fields.js";

/**
 * report.toml. Written by the exporter and rebaser (`CNB_REPORT_PATH`, default
 * `<layers>/report.toml`); read by the platform to tell the user what was pushed.
 */
export interface ReportFile {
  image: {
    /** Every tag the image was written to (CNB-52). */
    tags: string[];
    /** Registry export: the manifest digest. */
    digest?: string;
    /** Daemon export: the image id. */
    imageId?: string;
    /** Registry export: the manifest size in bytes (an integer; the spec's example quotes it, which is accepted). */
    manifestSize?: number;
  };
  /** Platform API <0.9 only: `[build]` with the legacy BOM. */
  build?: { bom: BomEntry[] };
}

export function parseReportToml(text: string, where = "report.toml"): ReportFile {
  const f = readToml(text, where);
  const img = f.sub("image") ?? f.fail("image", "table is required", "CNB_MISSING_FIELD");
  let manifestSize: number | undefined;
  const raw = img.raw("manifest-size");
  if (typeof raw === "string" && /^\d+$/.test(raw)) manifestSize = Number(raw);
  else manifestSize = img.optInt("manifest-size");
  const build = f.sub("build");
  return strip({
    image: strip({ tags: img.strs("tags"), digest: img.optStr("digest"), imageId: img.optStr("image-id"), manifestSize }),
    build: build && { bom: readBom(build) },
  });
}

export function stringifyReportToml(r: ReportFile): string {
  return writeToml({
    image: { tags: r.image.tags, "image-id": r.image.imageId, digest: r.image.digest, "manifest-size": r.image.manifestSize },
    build: r.build && { bom: bomToToml(r.build.bom) },
  });
}

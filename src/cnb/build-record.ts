// What one bin/build depended on beyond its inputs on disk: a paketo extension, not part of the
// CNB spec. Written by the buildpack-api runtime (our buildpacks) beside the buildpack plan when
// paketo's platform left an empty `paketo-build-record.json` there; read by the platform's build
// memo (src/platform/creator/build-memo.ts). Under other platforms nothing is written.
import { CnbError } from "./errors.js";

export const BUILD_RECORD_FILE = "paketo-build-record.json";

/**
 * Dependency metadata the build used, as its source published it (deps/npm: `{ source: "npm",
 * name, registry, full, offline, digest }`); the platform asks the same source again and compares.
 */
export interface MetadataUse {
  source: string;
  [k: string]: unknown;
}

/**
 * Either the build depended on nothing the platform cannot check again (only its inputs and the
 * listed metadata), or why not (it started a process, say).
 */
export type BuildRecord = { memoisable: true; metadata: MetadataUse[] } | { memoisable: false; reason: string; metadata?: MetadataUse[] };

const FORMAT = 1;

export function stringifyBuildRecord(r: BuildRecord): string {
  return `${JSON.stringify({ format: FORMAT, ...r })}\n`;
}

/** Parses what a buildpack wrote; empty text (untouched placeholder) is not memoisable. */
export function parseBuildRecord(text: string, where: string): BuildRecord {
  if (text.trim() === "") return { memoisable: false, reason: "the buildpack did not say what its build depended on" };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CnbError("CNB_INVALID_JSON", `${where}: ${(e as Error).message}`, { cause: e });
  }
  const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
  if (o.format !== FORMAT) throw new CnbError("CNB_UNSUPPORTED_SCHEMA", `${where}: format ${JSON.stringify(o.format)} (expected ${FORMAT})`);
  if (o.memoisable === false) {
    const metadata = Array.isArray(o.metadata) ? o.metadata.filter((m): m is MetadataUse => typeof m === "object" && m !== null && typeof (m as MetadataUse).source === "string") : [];
    return { memoisable: false, reason: typeof o.reason === "string" ? o.reason : "not memoisable", metadata };
  }
  if (o.memoisable !== true || !Array.isArray(o.metadata)) throw new CnbError("CNB_INVALID_FIELD", `${where}: memoisable/metadata missing`);
  const metadata = o.metadata.map((m, i) => {
    if (typeof m !== "object" || m === null || typeof (m as MetadataUse).source !== "string") throw new CnbError("CNB_INVALID_FIELD", `${where}: metadata[${i}] has no source`);
    return m as MetadataUse;
  });
  return { memoisable: true, metadata };
}

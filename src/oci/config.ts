import { type Digest, parseDigest } from "./digest.js";
import { OciError } from "./errors.js";

/** One entry of an image's history. */
export interface History {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The runtime part of an image config (OCI `config`, Docker `config`). */
export interface RunConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  [k: string]: unknown;
}

/** An OCI image config / Docker image JSON. Unknown fields are kept as they were read. */
export interface ConfigFile {
  created?: string;
  author?: string;
  architecture: string;
  os: string;
  "os.version"?: string;
  variant?: string;
  config: RunConfig;
  rootfs: { type: "layers"; diff_ids: Digest[] };
  history?: History[];
  [k: string]: unknown;
}

const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

export function parseConfigFile(raw: Uint8Array, what = "image config"): ConfigFile {
  if (raw.length > MAX_CONFIG_BYTES) {
    throw new OciError("OCI_LIMIT_EXCEEDED", `${what} is ${raw.length} bytes, over the ${MAX_CONFIG_BYTES} byte limit`);
  }
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw).toString("utf8"));
  } catch (e) {
    throw new OciError("OCI_INVALID_CONFIG", `${what} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new OciError("OCI_INVALID_CONFIG", `${what} is not a JSON object`);
  }
  const c = v as Record<string, unknown>;
  const rootfs = c.rootfs as { type?: unknown; diff_ids?: unknown } | undefined;
  if (!rootfs || !Array.isArray(rootfs.diff_ids)) {
    throw new OciError("OCI_INVALID_CONFIG", `${what} has no rootfs.diff_ids`);
  }
  rootfs.diff_ids.forEach((d, i) => parseDigest(String(d), `${what} rootfs.diff_ids[${i}]`));
  if (typeof c.config !== "object" || c.config === null) c.config = {};
  if (typeof c.architecture !== "string") c.architecture = "";
  if (typeof c.os !== "string") c.os = "";
  return c as ConfigFile;
}

export function serializeConfigFile(c: ConfigFile): Uint8Array {
  return Buffer.from(JSON.stringify(c));
}

/** A deep copy, for mutations that must not touch the original value. */
export function cloneConfigFile(c: ConfigFile): ConfigFile {
  return structuredClone(c);
}

/** The fixed timestamp reproducible artifacts carry (what the CNB lifecycle uses). */
export const REPRODUCIBLE_EPOCH_SECONDS = 315532801; // 1980-01-01T00:00:01Z

/** The time reproducible artifacts are stamped with: SOURCE_DATE_EPOCH when the caller passes it. */
export function reproducibleDate(sourceDateEpoch?: string | number): Date {
  if (sourceDateEpoch !== undefined && sourceDateEpoch !== "") {
    const n = Number(sourceDateEpoch);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new OciError("OCI_INVALID_CONFIG", `SOURCE_DATE_EPOCH=${String(sourceDateEpoch)} is not a count of seconds`);
    }
    return new Date(n * 1000);
  }
  return new Date(REPRODUCIBLE_EPOCH_SECONDS * 1000);
}

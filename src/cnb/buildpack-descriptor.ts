// buildpack.toml, the buildpack descriptor (CNB-1, CNB-2, CNB-4, CNB-5).
import { type ApiVersion, parseApiVersion } from "./api-version.js";
import { type Fields, readToml, strip, type Table, writeToml } from "./fields.js";
import { type BuildpackId, type BuildpackVersion, parseBuildpackId, parseBuildpackVersion, parseExecEnvName } from "./ids.js";
import { type Order, orderToToml, readOrder } from "./order.js";
import { readStacks, readTargets, type StackRef, stacksToToml, type Target, targetsToToml } from "./targets.js";

/** SBOM file extensions and the media types `sbom-formats` names them by (CNB-22). */
export const SBOM_MEDIA_TYPES = {
  "cdx.json": "application/vnd.cyclonedx+json",
  "spdx.json": "application/spdx+json",
  "syft.json": "application/vnd.syft+json",
} as const;

export interface License {
  /** Usually an SPDX expression. At least one of type and uri is set. */
  type?: string;
  uri?: string;
}

/** The `[buildpack]` table. */
export interface BuildpackInfo {
  id: BuildpackId;
  version: BuildpackVersion;
  name?: string;
  homepage?: string;
  description?: string;
  keywords: string[];
  /** true: the buildpack sees no user env (`<platform>/env`) applied to its own env (CNB-9). */
  clearEnv: boolean;
  /** Media types of the SBOM files it writes (CNB-22). */
  sbomFormats: string[];
  licenses: License[];
  /**
   * Buildpack API 0.12: the execution environments it supports (CNB-26); empty = all. The spec
   * writes `[[buildpack.exec-env]] name = ...`, the reference lifecycle reads `exec-env = [...]`;
   * both are accepted, the array form is written.
   */
  execEnv: string[];
}

/**
 * buildpack.toml. Written by the buildpack author; read by the lifecycle (detector, builder: API,
 * clear-env, targets, order of composites), by packagers (pack, paketo) and by registries.
 */
export interface BuildpackDescriptor {
  /** The Buildpack API the buildpack implements (CNB-1). Not checked for support here: see `requireBuildpackApi`. */
  api: ApiVersion;
  buildpack: BuildpackInfo;
  /** `[[targets]]` as written; see `inferTargets` for the effective list (CNB-4). */
  targets: Target[];
  /** Legacy `[[stacks]]`. */
  stacks: StackRef[];
  /** A composite's `[[order]]` (CNB-5); empty for a component buildpack. */
  order: Order;
  /** `[metadata]`: free-form, belongs to the buildpack. */
  metadata: Table;
}

export function isComposite(d: BuildpackDescriptor): boolean {
  return d.order.length > 0;
}

/** Reads the top-level `api` string; an unquoted number is refused because TOML would read 0.10 as 0.1. */
export function readApi(f: Fields): ApiVersion {
  if (typeof f.table.api === "number") {
    f.fail("api", `must be a quoted string, got the number ${String(f.table.api)}`, "CNB_INVALID_API", 'write api = "0.10"');
  }
  return f.parsed("api", parseApiVersion);
}

export function readLicenses(f: Fields, key = "licenses"): License[] {
  return f.tables(key).map((l) => {
    const license = strip({ type: l.optStr("type"), uri: l.optStr("uri") });
    if (!license.type && !license.uri) l.fail(undefined, "needs a type or a uri", "CNB_MISSING_FIELD");
    return license;
  });
}

function readExecEnv(b: Fields): string[] {
  const raw = b.raw("exec-env");
  if (raw === undefined) return [];
  const names = Array.isArray(raw) && raw.every((x) => typeof x === "string") ? b.strs("exec-env") : b.tables("exec-env").map((t) => t.str("name"));
  return names.map((n, i) => parseExecEnvName(n, b.where(`exec-env[${i}]`)));
}

function readInfo(f: Fields): BuildpackInfo {
  const b = f.sub("buildpack") ?? f.fail("buildpack", "table is required", "CNB_MISSING_FIELD");
  const sbomFormats = b.strs("sbom-formats");
  const known = Object.values(SBOM_MEDIA_TYPES) as string[];
  sbomFormats.forEach((m, i) => {
    if (!known.includes(m)) b.fail(`sbom-formats[${i}]`, `${JSON.stringify(m)} is not an SBOM media type (${known.join(", ")})`);
  });
  return strip({
    id: b.parsed("id", parseBuildpackId),
    version: b.parsed("version", parseBuildpackVersion),
    name: b.optStr("name"),
    homepage: b.optStr("homepage"),
    description: b.optStr("description"),
    keywords: b.strs("keywords"),
    clearEnv: b.bool("clear-env"),
    sbomFormats,
    licenses: readLicenses(b),
    execEnv: readExecEnv(b),
  });
}

export function parseBuildpackDescriptor(text: string, where = "buildpack.toml"): BuildpackDescriptor {
  const f = readToml(text, where);
  const d: BuildpackDescriptor = {
    api: readApi(f),
    buildpack: readInfo(f),
    targets: readTargets(f),
    stacks: readStacks(f),
    order: readOrder(f),
    metadata: f.freeform("metadata"),
  };
  if (d.order.length > 0 && d.stacks.length > 0) {
    f.fail("stacks", "must not be set on a composite buildpack (one with [[order]])", "CNB_CONFLICT");
  }
  d.order.forEach((g, i) => {
    if (g.group.length === 0) f.fail(`order[${i}].group`, "is empty", "CNB_MISSING_FIELD");
  });
  return d;
}

export function stringifyBuildpackDescriptor(d: BuildpackDescriptor): string {
  const b = d.buildpack;
  return writeToml({
    api: d.api,
    buildpack: {
      id: b.id,
      version: b.version,
      name: b.name,
      homepage: b.homepage,
      description: b.description,
      keywords: b.keywords.length === 0 ? undefined : b.keywords,
      "clear-env": b.clearEnv ? true : undefined,
      "sbom-formats": b.sbomFormats.length === 0 ? undefined : b.sbomFormats,
      "exec-env": b.execEnv.length === 0 ? undefined : b.execEnv,
      licenses: b.licenses.length === 0 ? undefined : b.licenses.map((l) => ({ type: l.type, uri: l.uri })),
    },
    targets: d.targets.length === 0 ? undefined : targetsToToml(d.targets),
    stacks: d.stacks.length === 0 ? undefined : stacksToToml(d.stacks),
    order: d.order.length === 0 ? undefined : orderToToml(d.order),
    metadata: Object.keys(d.metadata).length === 0 ? undefined : d.metadata,
  });
}

// `<layers>/config/metadata.toml` (CNB-41) and the `io.buildpacks.build.metadata` label (CNB-47).
import { type ApiVersion, parseApiVersion } from "./api-version.js";
import { readBom, type BomEntry, bomToToml } from "./bom.js";
import { platformFeatures } from "./features.js";
import { describe, type Fields, readJson, readToml, sortKeys, strip, type Table, writeToml } from "./fields.js";
import { type BuildpackId, type BuildpackVersion, parseBuildpackId, parseBuildpackVersion, parseProcessType, type ProcessType } from "./ids.js";
import { type ImageLabel, type Slice } from "./launch.js";

/** A buildpack of the build (the group). `api` is required in metadata.toml; the label leaves it out. */
export interface BuildpackRef {
  id: BuildpackId;
  version: BuildpackVersion;
  api?: ApiVersion;
  homepage?: string;
}

/** A process of the image, merged from the group's launch.toml files (CNB-19). */
export interface MetadataProcess {
  type: ProcessType;
  /** Always a list here; Platform API <0.10 files hold one string (extra entries go to args). */
  command: string[];
  args: string[];
  direct: boolean;
  buildpackId: BuildpackId;
  workingDir?: string;
  execEnv?: string[];
}

/**
 * `<layers>/config/metadata.toml`. Written by the builder; exported in the image (config layer,
 * CNB-43) and read at run time by the launcher (processes, buildpack APIs), and by the exporter
 * (slices, labels, default process).
 */
export interface BuildMetadata {
  buildpacks: BuildpackRef[];
  extensions: BuildpackRef[];
  /** In the order given; the reference builder sorts them by type (CNB-19). */
  processes: MetadataProcess[];
  slices: Slice[];
  labels: ImageLabel[];
  /** Legacy BOM (CNB-23). */
  bom: BomEntry[];
  buildpackDefaultProcessType?: ProcessType;
}

function readRef(e: Fields, apiRequired: boolean): BuildpackRef {
  return strip({
    id: e.parsed("id", parseBuildpackId),
    version: e.parsed("version", parseBuildpackVersion),
    api: apiRequired ? e.parsed("api", parseApiVersion) : e.optParsed("api", parseApiVersion),
    homepage: e.optStr("homepage"),
  });
}

function readProcess(p: Fields, idKey: string): MetadataProcess {
  const raw = p.raw("command");
  let command: string[];
  if (typeof raw === "string") command = [raw];
  else if (Array.isArray(raw)) command = p.strs("command");
  else p.fail("command", raw === undefined ? "is required" : `must be a string or an array, got ${describe(raw)}`);
  if (command.length === 0 || command[0] === "") p.fail("command", "is empty");
  return strip({
    type: p.parsed("type", parseProcessType),
    command,
    args: p.strs("args"),
    direct: p.bool("direct"),
    buildpackId: p.parsed(idKey, parseBuildpackId),
    workingDir: p.optStr("working-dir"),
    execEnv: p.optStrs("exec-env"),
  });
}

/** The process fields shared by both spellings; `command` in the form the Platform API wants. */
function processObject(p: MetadataProcess, platformApi: ApiVersion, idKey: string): Table {
  const asArray = platformFeatures(platformApi).processCommandIsArray;
  return {
    type: p.type,
    command: asArray ? p.command : p.command[0],
    args: asArray ? p.args : [...p.command.slice(1), ...p.args],
    direct: p.direct,
    [idKey]: p.buildpackId,
    "working-dir": p.workingDir,
    "exec-env": p.execEnv,
  };
}

export function parseBuildMetadata(text: string, where = "metadata.toml"): BuildMetadata {
  const f = readToml(text, where);
  return strip({
    buildpacks: f.tables("buildpacks").map((e) => readRef(e, true)),
    extensions: f.tables("extensions").map((e) => readRef(e, true)),
    processes: f.tables("processes").map((p) => readProcess(p, "buildpack-id")),
    slices: f.tables("slices").map((s) => ({ paths: s.strs("paths") })),
    labels: f.tables("labels").map((l) => ({ key: l.str("key"), value: l.optStr("value") ?? "" })),
    bom: readBom(f),
    buildpackDefaultProcessType: f.optParsed("buildpack-default-process-type", parseProcessType),
  });
}

export function stringifyBuildMetadata(m: BuildMetadata, platformApi: ApiVersion): string {
  const ref = (r: BuildpackRef) => ({ id: r.id, version: r.version, api: r.api, homepage: r.homepage });
  return writeToml({
    "buildpack-default-process-type": m.buildpackDefaultProcessType,
    bom: bomToToml(m.bom),
    buildpacks: m.buildpacks.map(ref),
    extensions: m.extensions.length === 0 ? undefined : m.extensions.map(ref),
    labels: m.labels.map((l) => ({ key: l.key, value: l.value })),
    processes: m.processes.map((p) => processObject(p, platformApi, "buildpack-id")),
    slices: m.slices.map((s) => ({ paths: s.paths })),
  });
}

/** Where the launcher came from. */
export interface LauncherInfo {
  version: string;
  source: { git: { repository: string; commit: string } };
}

/**
 * `io.buildpacks.build.metadata`. Written by the exporter from metadata.toml; read by tools such as
 * `pack inspect` and by the rebaser (which keeps it).
 */
export interface BuildMetadataLabel {
  buildpacks: BuildpackRef[];
  extensions?: BuildpackRef[];
  launcher: LauncherInfo;
  processes: MetadataProcess[];
  buildpackDefaultProcessType?: ProcessType;
  /** Platform API <0.9 only: the legacy BOM. */
  bom?: BomEntry[];
}

export const BUILD_METADATA_LABEL = "io.buildpacks.build.metadata";

/** The label for a build: metadata.toml's group and processes plus the launcher's provenance. */
export function buildMetadataLabel(m: BuildMetadata, launcher: LauncherInfo): BuildMetadataLabel {
  return strip({
    buildpacks: m.buildpacks,
    extensions: m.extensions.length === 0 ? undefined : m.extensions,
    launcher,
    processes: m.processes,
    buildpackDefaultProcessType: m.buildpackDefaultProcessType,
    bom: m.bom.length === 0 ? undefined : m.bom,
  });
}

export function parseBuildMetadataLabel(json: string, where = BUILD_METADATA_LABEL): BuildMetadataLabel {
  const f = readJson(json, where);
  const l = f.sub("launcher");
  const git = l?.sub("source")?.sub("git");
  const extensions = f.tables("extensions").map((e) => readRef(e, false));
  const bom = readBom(f);
  return strip({
    buildpacks: f.tables("buildpacks").map((e) => readRef(e, false)),
    extensions: extensions.length === 0 ? undefined : extensions,
    launcher: {
      version: l?.optStr("version") ?? "",
      source: { git: { repository: git?.optStr("repository") ?? "", commit: git?.optStr("commit") ?? "" } },
    },
    processes: f.tables("processes").map((p) => readProcess(p, "buildpackID")),
    buildpackDefaultProcessType: f.optParsed("buildpack-default-process-type", parseProcessType),
    bom: bom.length === 0 ? undefined : bom,
  });
}

/** The label value: the reference's key order; `bom` only for Platform API <0.9 (CNB-47). */
export function stringifyBuildMetadataLabel(m: BuildMetadataLabel, platformApi: ApiVersion): string {
  const ref = (r: BuildpackRef) => ({ id: r.id, version: r.version, homepage: r.homepage });
  const bom = (m.bom ?? []).map((e) => ({ name: e.name, metadata: sortKeys(e.metadata), buildpack: e.buildpack && { id: e.buildpack.id, version: e.buildpack.version } }));
  const g = m.launcher.source.git;
  return JSON.stringify({
    bom: platformFeatures(platformApi).legacyBom ? bom : undefined,
    buildpacks: m.buildpacks.map(ref),
    extensions: m.extensions && m.extensions.length > 0 ? m.extensions.map(ref) : undefined,
    launcher: { version: m.launcher.version, source: { git: { repository: g.repository, commit: g.commit } } },
    processes: m.processes.map((p) => processObject(p, platformApi, "buildpackID")),
    "buildpack-default-process-type": m.buildpackDefaultProcessType,
  });
}

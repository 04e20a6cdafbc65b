// project.toml, the project descriptor (CNB-70): schema 0.2 (and pack's 0.3 draft), and 0.1 when unambiguous.
import { type ApiVersion, parseApiVersion } from "./api-version.js";
import { type License, readLicenses } from "./buildpack-descriptor.js";
import { CnbError } from "./errors.js";
import { type Fields, readToml, strip, type Table, writeToml } from "./fields.js";
import { type BuildpackId, type BuildpackVersion, parseBuildpackId, parseBuildpackVersion, parseExecEnvName } from "./ids.js";

export type ProjectSchemaVersion = "0.1" | "0.2" | "0.3";

/** An inline buildpack: its bin/build is `inline`, run with `shell`. */
export interface ProjectScript {
  api: ApiVersion;
  inline: string;
  /** Default `/bin/sh`. */
  shell: string;
}

/** A buildpack reference: `id` (+ `version`), a `uri`, or an inline `script` (exactly one of version, uri, script). */
export interface ProjectBuildpack {
  id?: BuildpackId;
  version?: BuildpackVersion;
  uri?: string;
  script?: ProjectScript;
  /** Schema 0.3 draft only. */
  execEnv?: string[];
}

/** A build-time env var; becomes a `<platform>/env/<name>` file (CNB-60). */
export interface ProjectEnv {
  name: string;
  value: string;
  /** Schema 0.3 draft only. */
  execEnv?: string[];
}

export interface ProjectInfo {
  id?: string;
  name?: string;
  version?: string;
  authors: string[];
  documentationUrl?: string;
  sourceUrl?: string;
  licenses: License[];
}

/**
 * project.toml. Written by the app author at the root of the app; read by the platform (pack,
 * paketo) only: builder, source filtering, buildpacks and build env. The lifecycle never sees it.
 */
export interface ProjectDescriptor {
  schemaVersion: ProjectSchemaVersion;
  project: ProjectInfo;
  /** `[_.metadata]` (0.2) or `[metadata]` (0.1): free-form. */
  metadata: Table;
  builder?: string;
  /** gitignore-style patterns; at most one of include and exclude is set. Filter before the build. */
  include?: string[];
  exclude?: string[];
  /** The buildpacks to use instead of the builder's order. */
  group: ProjectBuildpack[];
  /** Inserted at the start (`pre`) and end (`post`) of every group. */
  pre: ProjectBuildpack[];
  post: ProjectBuildpack[];
  env: ProjectEnv[];
}

function readExecEnv(e: Fields, schema: ProjectSchemaVersion): string[] | undefined {
  if (e.has("exec-env") && schema !== "0.3") e.fail("exec-env", `needs schema-version "0.3" (this file is ${schema})`);
  return e.optStrs("exec-env")?.map((s, i) => parseExecEnvName(s, e.where(`exec-env[${i}]`)));
}

function readBuildpack(e: Fields, schema: ProjectSchemaVersion): ProjectBuildpack {
  const s = e.sub("script");
  const script = s && { api: s.parsed("api", parseApiVersion), inline: s.str("inline"), shell: s.optStr("shell") ?? "/bin/sh" };
  const bp = strip({
    id: e.optParsed("id", parseBuildpackId),
    version: e.optParsed("version", parseBuildpackVersion),
    uri: e.optStr("uri") || undefined,
    script,
    execEnv: readExecEnv(e, schema),
  });
  const set = (["version", "uri", "script"] as const).filter((k) => bp[k] !== undefined);
  if (set.length > 1) e.fail(undefined, `sets ${set.join(" and ")}; use exactly one of version, uri and script`, "CNB_CONFLICT");
  if (bp.id === undefined && (bp.uri === undefined || bp.script !== undefined)) {
    e.fail("id", bp.script ? "is required for an inline (script) buildpack" : "is required unless uri is set", "CNB_MISSING_FIELD");
  }
  return bp;
}

function readEnv(e: Fields, schema: ProjectSchemaVersion): ProjectEnv {
  return strip({ name: e.str("name"), value: e.optStr("value") ?? "", execEnv: readExecEnv(e, schema) });
}

function readInfo(p: Fields | undefined): ProjectInfo {
  if (!p) return { authors: [], licenses: [] };
  return strip({
    id: p.optStr("id"),
    name: p.optStr("name"),
    version: p.optStr("version"),
    authors: p.strs("authors"),
    documentationUrl: p.optStr("documentation-url"),
    sourceUrl: p.optStr("source-url"),
    licenses: readLicenses(p),
  });
}

function filters(f: Fields | undefined): { include?: string[]; exclude?: string[] } {
  const r = { include: f?.optStrs("include"), exclude: f?.optStrs("exclude") };
  if (f && r.include && r.exclude) f.fail(undefined, "sets both include and exclude; use one", "CNB_CONFLICT");
  return r;
}

function readV2(f: Fields, under: Fields, schema: ProjectSchemaVersion): ProjectDescriptor {
  for (const legacy of ["project", "build"]) {
    if (f.has(legacy)) f.fail(legacy, `is the schema 0.1 spelling; schema ${schema} uses [_] and [io.buildpacks]`, "CNB_CONFLICT");
  }
  const io = f.sub("io")?.sub("buildpacks");
  const env = io?.sub("build")?.tables("env");
  const legacyEnv = io?.sub("env")?.tables("build");
  if (env && env.length > 0 && legacyEnv && legacyEnv.length > 0) {
    io?.fail("env.build", "is the deprecated spelling of io.buildpacks.build.env; set only one", "CNB_CONFLICT");
  }
  const group = (g: Fields | undefined) => g?.tables("group").map((e) => readBuildpack(e, schema)) ?? [];
  return strip({
    schemaVersion: schema,
    project: readInfo(under),
    metadata: under.freeform("metadata"),
    builder: io?.optStr("builder"),
    ...filters(io),
    group: group(io),
    pre: group(io?.sub("pre")),
    post: group(io?.sub("post")),
    env: (env && env.length > 0 ? env : (legacyEnv ?? [])).map((e) => readEnv(e, schema)),
  });
}

function readV1(f: Fields): ProjectDescriptor {
  const b = f.sub("build");
  return strip({
    schemaVersion: "0.1" as const,
    project: readInfo(f.sub("project")),
    metadata: f.freeform("metadata"),
    builder: b?.optStr("builder"),
    ...filters(b),
    group: b?.tables("buildpacks").map((e) => readBuildpack(e, "0.1")) ?? [],
    pre: [],
    post: [],
    env: b?.tables("env").map((e) => readEnv(e, "0.1")) ?? [],
  });
}

/**
 * Parses project.toml. With `[_] schema-version` it is 0.2 (or 0.3); without a `[_]` table it is
 * 0.1 (`[project]`, `[build]`), as pack assumes, unless it has `[io.buildpacks]`, which is ambiguous.
 */
export function parseProjectDescriptor(text: string, where = "project.toml"): ProjectDescriptor {
  const f = readToml(text, where);
  const under = f.sub("_");
  if (!under) {
    if (f.sub("io")?.has("buildpacks")) {
      f.fail("_", "is missing: [io.buildpacks] needs [_] schema-version", "CNB_MISSING_FIELD", 'add [_] schema-version = "0.2"');
    }
    return readV1(f);
  }
  const raw = under.optStr("schema-version") ?? under.fail("schema-version", "is required", "CNB_MISSING_FIELD", 'add schema-version = "0.2"');
  const v = parseApiVersion(raw, under.where("schema-version"));
  if (v === "0.1") return readV1(f);
  if (v !== "0.2" && v !== "0.3") return under.fail("schema-version", `${JSON.stringify(raw)} is not a known schema (0.1, 0.2, 0.3)`, "CNB_UNSUPPORTED_SCHEMA");
  return readV2(f, under, v as ProjectSchemaVersion);
}

function buildpackToToml(b: ProjectBuildpack): Table {
  const s = b.script;
  return { id: b.id, version: b.version, uri: b.uri, "exec-env": b.execEnv, script: s && { api: s.api, inline: s.inline, shell: s.shell } };
}

function infoToToml(p: ProjectInfo): Table {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    authors: p.authors.length === 0 ? undefined : p.authors,
    "documentation-url": p.documentationUrl,
    "source-url": p.sourceUrl,
    licenses: p.licenses.length === 0 ? undefined : p.licenses.map((l) => ({ type: l.type, uri: l.uri })),
  };
}

/** project.toml in the descriptor's own schema. */
export function stringifyProjectDescriptor(d: ProjectDescriptor): string {
  const list = (bps: ProjectBuildpack[]) => (bps.length === 0 ? undefined : bps.map(buildpackToToml));
  const env = d.env.length === 0 ? undefined : d.env.map((e) => ({ name: e.name, value: e.value, "exec-env": e.execEnv }));
  const meta = Object.keys(d.metadata).length === 0 ? undefined : d.metadata;
  if (d.schemaVersion === "0.1") {
    if (d.pre.length > 0 || d.post.length > 0) throw new CnbError("CNB_CONFLICT", "project.toml: schema 0.1 has no pre/post groups; write schema 0.2");
    return writeToml({
      project: infoToToml(d.project),
      build: { builder: d.builder, include: d.include, exclude: d.exclude, buildpacks: list(d.group), env },
      metadata: meta,
    });
  }
  return writeToml({
    _: { "schema-version": d.schemaVersion, ...infoToToml(d.project), metadata: meta },
    io: {
      buildpacks: {
        builder: d.builder,
        include: d.include,
        exclude: d.exclude,
        group: list(d.group),
        pre: d.pre.length === 0 ? undefined : { group: list(d.pre) },
        post: d.post.length === 0 ? undefined : { group: list(d.post) },
        build: env && { env },
      },
    },
  });
}

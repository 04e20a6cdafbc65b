// Labels of buildpackages (CNB-67) and builders (CNB-68), in pack's JSON shapes.
import { type ApiVersion, parseApiVersion } from "./api-version.js";
import { type License } from "./buildpack-descriptor.js";
import { type BuilderOrder } from "./builder-config.js";
import { Fields, parseJsonValue, readJson, strip, type Table } from "./fields.js";
import { parseBuildpackId, parseBuildpackVersion } from "./ids.js";
import { readStacks, readTargets, type StackRef, type Target, targetsToJson } from "./targets.js";

export const BUILDPACKAGE_METADATA_LABEL = "io.buildpacks.buildpackage.metadata";
export const BUILDPACK_LAYERS_LABEL = "io.buildpacks.buildpack.layers";
export const BUILDER_METADATA_LABEL = "io.buildpacks.builder.metadata";
export const BUILDPACK_ORDER_LABEL = "io.buildpacks.buildpack.order";
export const BUILDPACK_ORDER_EXTENSIONS_LABEL = "io.buildpacks.buildpack.order-extensions";

/** pack's description of a buildpack in labels (`dist.ModuleInfo`). */
export interface ModuleInfo {
  id: string;
  name?: string;
  version?: string;
  description?: string;
  homepage?: string;
  keywords?: string[];
  execEnv?: string[];
  licenses?: License[];
  clearEnv?: boolean;
}

function readModuleInfo(m: Fields): ModuleInfo {
  // pack writes licenses with Go's default field names (`Type`, `URI`); accept both spellings.
  const licenses = m.tables("licenses").map((l) => strip({ type: l.optStr("type") ?? l.optStr("Type"), uri: l.optStr("uri") ?? l.optStr("URI") }));
  return strip({
    id: m.str("id"),
    name: m.optStr("name"),
    version: m.optStr("version"),
    description: m.optStr("description"),
    homepage: m.optStr("homepage"),
    keywords: m.optStrs("keywords"),
    execEnv: m.optStrs("exec-env"),
    licenses: licenses.length === 0 ? undefined : licenses,
    clearEnv: m.optBool("clear-env"),
  });
}

function moduleInfoJson(m: ModuleInfo): Table {
  return {
    id: m.id,
    name: m.name,
    version: m.version,
    description: m.description,
    homepage: m.homepage,
    keywords: m.keywords,
    "exec-env": m.execEnv,
    licenses: m.licenses?.map((l) => ({ type: l.type, uri: l.uri })),
    "clear-env": m.clearEnv || undefined,
  };
}

/**
 * `io.buildpacks.buildpackage.metadata`: the entry buildpack of a buildpackage and the stacks it
 * supports. Written by the packager (pack, paketo); read by builder-creating tools and platforms
 * to find the buildpack an image or `.cnb` file holds.
 */
export interface BuildpackageMetadata extends ModuleInfo {
  stacks: StackRef[];
}

export function parseBuildpackageMetadataLabel(json: string, where = BUILDPACKAGE_METADATA_LABEL): BuildpackageMetadata {
  const f = readJson(json, where);
  return { ...readModuleInfo(f), stacks: readStacks(f) };
}

export function stringifyBuildpackageMetadataLabel(m: BuildpackageMetadata): string {
  return JSON.stringify({ ...moduleInfoJson(m), stacks: m.stacks.map((s) => ({ id: s.id, mixins: s.mixins.length === 0 ? undefined : s.mixins })) });
}

/** One buildpack version in `io.buildpacks.buildpack.layers`. */
export interface BuildpackLayerInfo {
  api: ApiVersion;
  stacks?: StackRef[];
  targets?: Target[];
  /** A composite's order. */
  order?: BuilderOrder;
  /** diffID of the layer holding `/cnb/buildpacks/<escaped-id>/<version>/` (CNB-66). */
  layerDiffId: string;
  homepage?: string;
  name?: string;
}

/**
 * `io.buildpacks.buildpack.layers`: id → version → layer info. Written by the packager on
 * buildpackages and by the builder creator on builders; read by both to reuse each buildpack's
 * layer (by diffID) when composing a builder.
 */
export type BuildpackLayers = Record<string, Record<string, BuildpackLayerInfo>>;

function readOrderJson(f: Fields, key: string): BuilderOrder {
  return f.tables(key).map((g) => ({
    group: g.tables("group").map((e) => strip({ id: e.parsed("id", parseBuildpackId), version: e.optParsed("version", parseBuildpackVersion), optional: e.bool("optional") })),
  }));
}

function orderJson(o: BuilderOrder): Table[] {
  return o.map((g) => ({ group: g.group.map((e) => ({ id: e.id, version: e.version, optional: e.optional || undefined })) }));
}

export function parseBuildpackLayersLabel(json: string, where = BUILDPACK_LAYERS_LABEL): BuildpackLayers {
  const f = readJson(json, where);
  const out: BuildpackLayers = {};
  for (const id of Object.keys(f.table)) {
    const versions = f.sub(id) as Fields;
    out[id] = {};
    for (const version of Object.keys(versions.table)) {
      const v = versions.sub(version) as Fields;
      const stacks = v.has("stacks") ? readStacks(v) : undefined;
      const targets = v.has("targets") ? readTargets(v) : undefined;
      const order = v.has("order") ? readOrderJson(v, "order") : undefined;
      out[id][version] = strip({ api: v.parsed("api", parseApiVersion), stacks, targets, order, layerDiffId: v.str("layerDiffID"), homepage: v.optStr("homepage"), name: v.optStr("name") });
    }
  }
  return out;
}

/** The label value with ids and versions sorted (as Go's encoder does), so it is reproducible. */
export function stringifyBuildpackLayersLabel(layers: BuildpackLayers): string {
  const out: Table = {};
  for (const id of Object.keys(layers).sort()) {
    const versions = layers[id] ?? {};
    const vs: Table = {};
    for (const version of Object.keys(versions).sort()) {
      const i = versions[version] as BuildpackLayerInfo;
      vs[version] = {
        api: i.api,
        stacks: i.stacks?.map((s) => ({ id: s.id, mixins: s.mixins.length === 0 ? undefined : s.mixins })),
        targets: i.targets && targetsToJson(i.targets),
        order: i.order && orderJson(i.order),
        layerDiffID: i.layerDiffId,
        homepage: i.homepage,
        name: i.name,
      };
    }
    out[id] = vs;
  }
  return JSON.stringify(out);
}

/** The Buildpack and Platform API versions a lifecycle supports. */
export interface ApiSupport {
  deprecated: string[];
  supported: string[];
}

/** `io.buildpacks.builder.metadata`. Written by the builder-creating tool; read by platforms (pack, paketo). */
export interface BuilderMetadata {
  description: string;
  buildpacks: ModuleInfo[];
  extensions: ModuleInfo[];
  /** Deprecated: the first run image. */
  stack: { runImage: { image: string; mirrors: string[] } };
  lifecycle: {
    version: string;
    /** Deprecated: the lowest supported of each. */
    api: { buildpack: string; platform: string };
    apis: { buildpack: ApiSupport; platform: ApiSupport };
  };
  createdBy: { name: string; version: string };
  images: { image: string; mirrors: string[] }[];
}

export function parseBuilderMetadataLabel(json: string, where = BUILDER_METADATA_LABEL): BuilderMetadata {
  const f = readJson(json, where);
  const runImage = (r: Fields | undefined) => ({ image: r?.optStr("image") ?? "", mirrors: r?.strs("mirrors") ?? [] });
  const l = f.sub("lifecycle");
  const apis = (k: string) => ({ deprecated: l?.sub("apis")?.sub(k)?.strs("deprecated") ?? [], supported: l?.sub("apis")?.sub(k)?.strs("supported") ?? [] });
  const created = f.sub("createdBy");
  return {
    description: f.optStr("description") ?? "",
    buildpacks: f.tables("buildpacks").map(readModuleInfo),
    extensions: f.tables("extensions").map(readModuleInfo),
    stack: { runImage: runImage(f.sub("stack")?.sub("runImage")) },
    lifecycle: {
      version: l?.optStr("version") ?? "",
      api: { buildpack: l?.sub("api")?.optStr("buildpack") ?? "", platform: l?.sub("api")?.optStr("platform") ?? "" },
      apis: { buildpack: apis("buildpack"), platform: apis("platform") },
    },
    createdBy: { name: created?.optStr("name") ?? "", version: created?.optStr("version") ?? "" },
    images: f.tables("images").map(runImage),
  };
}

export function stringifyBuilderMetadataLabel(m: BuilderMetadata): string {
  const l = m.lifecycle;
  const run = (r: { image: string; mirrors: string[] }) => ({ image: r.image, mirrors: r.mirrors });
  return JSON.stringify({
    description: m.description,
    buildpacks: m.buildpacks.map(moduleInfoJson),
    extensions: m.extensions.map(moduleInfoJson),
    stack: { runImage: run(m.stack.runImage) },
    lifecycle: {
      version: l.version,
      api: { buildpack: l.api.buildpack, platform: l.api.platform },
      apis: {
        buildpack: { deprecated: l.apis.buildpack.deprecated, supported: l.apis.buildpack.supported },
        platform: { deprecated: l.apis.platform.deprecated, supported: l.apis.platform.supported },
      },
    },
    createdBy: { name: m.createdBy.name, version: m.createdBy.version },
    images: m.images.map(run),
  });
}

/**
 * `io.buildpacks.buildpack.order` (and `.order-extensions`): the builder's order as JSON. Written
 * by the builder creator; read by platforms to show it (the lifecycle reads /cnb/order.toml).
 */
export function parseBuildpackOrderLabel(json: string, where = BUILDPACK_ORDER_LABEL): BuilderOrder {
  return readOrderJson(new Fields(where, "", { "": parseJsonValue(json, where) }), "");
}

export function stringifyBuildpackOrderLabel(order: BuilderOrder): string {
  return JSON.stringify(orderJson(order));
}

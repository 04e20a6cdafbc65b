// Reading a builder (ours or pack's, e.g. a Paketo builder from a registry) for the build command.
// pack's labels are enough: io.buildpacks.builder.metadata (run images, lifecycle APIs),
// io.buildpacks.buildpack.layers (each buildpack's API, layer diffID, order) and
// io.buildpacks.buildpack.order. pack writes the order label as builder.toml gave it, so entries
// may lack a version; they are resolved as /cnb/order.toml has them. Without an order label,
// /cnb/order.toml is read from the top layers.
import {
  type ApiSupport,
  type ApiVersion,
  BUILDER_METADATA_LABEL,
  type BuilderMetadata,
  type BuilderOrder,
  BUILDPACK_LAYERS_LABEL,
  BUILDPACK_ORDER_LABEL,
  type BuildpackId,
  type BuildpackVersion,
  type Order,
  type OrderEntry,
  parseBuilderMetadataLabel,
  parseBuildpackId,
  parseBuildpackLayersLabel,
  parseBuildpackOrderLabel,
  parseBuildpackVersion,
  parseOrderToml,
  type RunImageRef,
  type StackRef,
  type SystemFile,
  type Target,
} from "../../cnb/index.js";
import { type Digest, type Image, parseDigest } from "../../oci/index.js";
import { buildImageUser, envOf } from "./build-image.js";
import { resolveBuilderOrder } from "./builder-order.js";
import { DistributionError } from "./errors.js";
import { readImageFile } from "./image-files.js";
import { buildpackDir } from "./module.js";
import { SYSTEM_LABEL } from "./builder-image.js";

/** A buildpack on a builder, as the lifecycle needs it. */
export interface BuilderBuildpack {
  id: BuildpackId;
  version: BuildpackVersion;
  api: ApiVersion;
  /** diffID of the layer holding it. */
  layerDiffId: Digest;
  /** Its folder in the builder's root filesystem: /cnb/buildpacks/<escaped-id>/<version>. */
  path: string;
  /** A composite's order; empty for a component. */
  order: BuilderOrder;
  stacks: StackRef[];
  targets: Target[];
  name?: string;
  homepage?: string;
}

export interface BuilderInfo {
  description: string;
  /** Every buildpack on the builder, sorted by id then version. */
  buildpacks: BuilderBuildpack[];
  /** The detection order, every entry with its version. */
  order: Order;
  /** System buildpacks (Platform API 0.15), empty when there are none. */
  system: SystemFile;
  /** The run images; the first is the default. */
  runImages: RunImageRef[];
  /** The build image's runtime: its CNB user and Env, as the sandbox needs them (CNB-31). */
  build: {
    user: string;
    uid: number;
    gid: number;
    env: Record<string, string>;
    workingDir?: string;
    os: string;
    architecture: string;
    variant?: string;
  };
  lifecycle: { version: string; apis: { buildpack: ApiSupport; platform: ApiSupport } };
  createdBy: { name: string; version: string };
  /** Legacy io.buildpacks.stack.id, when set. */
  stackId?: string;
  /** The metadata label as read. */
  metadata: BuilderMetadata;
}

async function readOrder(image: Image, labels: Record<string, string>, name: string): Promise<BuilderOrder> {
  const text = labels[BUILDPACK_ORDER_LABEL];
  if (text !== undefined && text !== "null") return parseBuildpackOrderLabel(text, `${name}: label ${BUILDPACK_ORDER_LABEL}`);
  const file = await readImageFile(image, "/cnb/order.toml");
  if (file === undefined) return [];
  return parseOrderToml(file.toString("utf8"), `${name}: /cnb/order.toml`).order;
}

function readSystem(labels: Record<string, string>, name: string): SystemFile {
  const text = labels[SYSTEM_LABEL];
  if (text === undefined || text === "null") return { pre: [], post: [] };
  const where = `${name}: label ${SYSTEM_LABEL}`;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new DistributionError("DIST_BUILDER", `${where}: not valid JSON`, { cause: err });
  }
  const side = (k: "pre" | "post"): OrderEntry[] => {
    const list = (v as Record<string, { buildpacks?: unknown } | undefined> | null)?.[k]?.buildpacks ?? [];
    if (!Array.isArray(list)) throw new DistributionError("DIST_BUILDER", `${where}: ${k}.buildpacks is not an array`);
    return list.map((e: { id?: unknown; version?: unknown; optional?: unknown }, i) => ({
      id: parseBuildpackId(String(e?.id ?? ""), `${where}: ${k}.buildpacks[${i}].id`),
      version: parseBuildpackVersion(String(e?.version ?? ""), `${where}: ${k}.buildpacks[${i}].version`),
      optional: e?.optional === true,
    }));
  };
  return { pre: side("pre"), post: side("post") };
}

/** pack's compat rule for builders of old lifecycles: without `apis`, the single `api` versions are the supported ones. */
function apisOf(l: BuilderMetadata["lifecycle"]): { buildpack: ApiSupport; platform: ApiSupport } {
  const fill = (s: ApiSupport, single: string): ApiSupport => (s.supported.length === 0 && s.deprecated.length === 0 && single ? { deprecated: [], supported: [single] } : s);
  return { buildpack: fill(l.apis.buildpack, l.api.buildpack), platform: fill(l.apis.platform, l.api.platform) };
}

/** Reads a builder image: labels first, /cnb/order.toml only when the order label is missing. */
export async function readBuilder(image: Image, name: string): Promise<BuilderInfo> {
  const config = await image.configFile();
  const labels = config.config.Labels ?? {};
  const metaText = labels[BUILDER_METADATA_LABEL];
  if (metaText === undefined) {
    throw new DistributionError("DIST_BUILDER", `${name} is not a builder: it has no ${BUILDER_METADATA_LABEL} label`, {
      hint: "create one with `paketo builder create`, or name a builder such as docker://docker.io/paketobuildpacks/builder-jammy-base",
    });
  }
  const metadata = parseBuilderMetadataLabel(metaText, `${name}: label ${BUILDER_METADATA_LABEL}`);
  const layersText = labels[BUILDPACK_LAYERS_LABEL];
  const layers = layersText === undefined ? {} : parseBuildpackLayersLabel(layersText, `${name}: label ${BUILDPACK_LAYERS_LABEL}`);
  const diffIds = new Set<string>(config.rootfs.diff_ids);
  const buildpacks: BuilderBuildpack[] = [];
  for (const id of Object.keys(layers).sort()) {
    for (const version of Object.keys(layers[id] ?? {}).sort()) {
      const info = layers[id]?.[version];
      if (!info) continue;
      const where = `${name}: label ${BUILDPACK_LAYERS_LABEL}: ${id}@${version}`;
      const diffId = parseDigest(info.layerDiffId, `${where}: layerDiffID`);
      if (!diffIds.has(diffId)) throw new DistributionError("DIST_BUILDER", `${where}: layerDiffID ${diffId} is not a layer of the image`);
      const bp: BuilderBuildpack = {
        id: parseBuildpackId(id, where),
        version: parseBuildpackVersion(version, where),
        api: info.api,
        layerDiffId: diffId,
        path: buildpackDir(id, version),
        order: info.order ?? [],
        stacks: info.stacks ?? [],
        targets: info.targets ?? [],
      };
      if (info.name !== undefined) bp.name = info.name;
      if (info.homepage !== undefined) bp.homepage = info.homepage;
      buildpacks.push(bp);
    }
  }
  const order = resolveBuilderOrder(await readOrder(image, labels, name), buildpacks, `${name}: label ${BUILDPACK_ORDER_LABEL}`);
  const user = buildImageUser(config, name);
  const runImages: RunImageRef[] =
    metadata.images.length > 0
      ? metadata.images.map((r) => ({ image: r.image, mirrors: r.mirrors }))
      : metadata.stack.runImage.image
        ? [{ image: metadata.stack.runImage.image, mirrors: metadata.stack.runImage.mirrors }]
        : [];
  const info: BuilderInfo = {
    description: metadata.description,
    buildpacks,
    order,
    system: readSystem(labels, name),
    runImages,
    build: { ...user, env: envOf(config), os: config.os, architecture: config.architecture },
    lifecycle: { version: metadata.lifecycle.version, apis: apisOf(metadata.lifecycle) },
    createdBy: metadata.createdBy,
    metadata,
  };
  if (config.config.WorkingDir) info.build.workingDir = config.config.WorkingDir;
  if (config.variant) info.build.variant = config.variant;
  const stackId = labels["io.buildpacks.stack.id"];
  if (stackId) info.stackId = stackId;
  return info;
}

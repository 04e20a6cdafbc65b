// A buildpack as distribution handles it: what the labels say about it, plus the one layer that
// holds it at /cnb/buildpacks/<escaped-id>/<version>/ (CNB-66). Folders, .tgz files and
// buildpackage images all become this, so packaging and builder creation treat them alike.
import {
  type ApiVersion,
  type BuilderOrder,
  type BuildpackDescriptor,
  type BuildpackId,
  type BuildpackLayerInfo,
  type BuildpackLayers,
  type BuildpackVersion,
  escapeId,
  type ModuleInfo,
  type StackRef,
  type Target,
} from "../../cnb/index.js";
import type { Layer } from "../../oci/index.js";

export interface PackagedBuildpack {
  id: BuildpackId;
  version: BuildpackVersion;
  api: ApiVersion;
  /** What builder metadata lists (`io.buildpacks.builder.metadata` buildpacks[]). */
  info: ModuleInfo;
  /** `[[stacks]]` as written (legacy). */
  stacks: StackRef[];
  /** `[[targets]]` as written. */
  targets: Target[];
  /** A composite's order; empty for a component buildpack. */
  order: BuilderOrder;
  /** The layer holding the buildpack (and, in flattened buildpackages, others too). */
  layer: Layer;
  /** Where it came from, for messages: a folder, a .tgz, an image name. */
  source: string;
}

export const BUILDPACKS_DIR = "/cnb/buildpacks";

/** `/cnb/buildpacks/<escaped-id>/<version>`: where a buildpack lives in a buildpackage or builder. */
export function buildpackDir(id: string, version: string): string {
  return `${BUILDPACKS_DIR}/${escapeId(id)}/${version}`;
}

export function fullName(bp: { id: string; version?: string | undefined }): string {
  return bp.version ? `${bp.id}@${bp.version}` : bp.id;
}

/** pack's order of buildpacks in layers and lists: by `id@version`, as strings. */
export function byFullName(a: { id: string; version: string }, b: { id: string; version: string }): number {
  const x = fullName(a);
  const y = fullName(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The `[buildpack]` table as pack's ModuleInfo: empty lists and false flags left out. */
export function moduleInfoOf(d: BuildpackDescriptor): ModuleInfo {
  const b = d.buildpack;
  const info: ModuleInfo = { id: b.id };
  if (b.name !== undefined) info.name = b.name;
  info.version = b.version;
  if (b.description !== undefined) info.description = b.description;
  if (b.homepage !== undefined) info.homepage = b.homepage;
  if (b.keywords.length > 0) info.keywords = b.keywords;
  if (b.execEnv.length > 0) info.execEnv = b.execEnv;
  if (b.licenses.length > 0) info.licenses = b.licenses;
  if (b.clearEnv) info.clearEnv = true;
  return info;
}

/** The entry of `io.buildpacks.buildpack.layers` for a buildpack whose layer has `diffId`. */
export function layerInfoOf(bp: PackagedBuildpack, diffId: string): BuildpackLayerInfo {
  const info: BuildpackLayerInfo = { api: bp.api, layerDiffId: diffId };
  if (bp.stacks.length > 0) info.stacks = bp.stacks;
  if (bp.targets.length > 0) info.targets = bp.targets;
  if (bp.order.length > 0) info.order = bp.order;
  if (bp.info.homepage !== undefined) info.homepage = bp.info.homepage;
  if (bp.info.name !== undefined) info.name = bp.info.name;
  return info;
}

/** The `io.buildpacks.buildpack.layers` value for these buildpacks. */
export async function buildpackLayersOf(bps: readonly PackagedBuildpack[]): Promise<BuildpackLayers> {
  const out: BuildpackLayers = {};
  for (const bp of bps) {
    const versions = (out[bp.id] ??= {});
    versions[bp.version] = layerInfoOf(bp, await bp.layer.diffId());
  }
  return out;
}

/**
 * One buildpack per `id@version`. The same id@version with the same layer is dropped silently; with
 * different contents the later one wins, as in pack, and `onConflict` hears about it.
 */
export async function dedupeBuildpacks(
  bps: readonly PackagedBuildpack[],
  onConflict: (kept: PackagedBuildpack, dropped: PackagedBuildpack) => void = () => {},
): Promise<PackagedBuildpack[]> {
  const byName = new Map<string, PackagedBuildpack>();
  for (const bp of bps) {
    const key = fullName(bp);
    const prev = byName.get(key);
    if (prev && (await prev.layer.diffId()) !== (await bp.layer.diffId())) onConflict(bp, prev);
    if (!prev || (await prev.layer.diffId()) !== (await bp.layer.diffId())) byName.set(key, bp);
  }
  return [...byName.values()];
}

/** Layers of these buildpacks, each diffID once, in the order given. */
export async function distinctLayers(bps: readonly PackagedBuildpack[]): Promise<Array<{ layer: Layer; buildpacks: PackagedBuildpack[] }>> {
  const byDiffId = new Map<string, { layer: Layer; buildpacks: PackagedBuildpack[] }>();
  for (const bp of bps) {
    const d = await bp.layer.diffId();
    const have = byDiffId.get(d);
    if (have) have.buildpacks.push(bp);
    else byDiffId.set(d, { layer: bp.layer, buildpacks: [bp] });
  }
  return [...byDiffId.values()];
}

// Buildpackages (CNB-66, CNB-67): an OCI image whose every layer holds one buildpack at
// /cnb/buildpacks/<escaped-id>/<version>/, described by two labels:
//   io.buildpacks.buildpackage.metadata  the entry buildpack's info and the stacks all support
//   io.buildpacks.buildpack.layers       id → version → {api, stacks?, targets?, order?, layerDiffID, ...}
// Making one is pure composition of layers already built; reading one reads only the config.
import {
  BUILDPACK_LAYERS_LABEL,
  BUILDPACKAGE_METADATA_LABEL,
  type BuildpackageMetadata,
  type BuildpackLayers,
  parseBuildpackageMetadataLabel,
  parseBuildpackId,
  parseBuildpackLayersLabel,
  parseBuildpackVersion,
  type ModuleInfo,
  stringifyBuildpackageMetadataLabel,
  stringifyBuildpackLayersLabel,
} from "../../cnb/index.js";
import { emptyImage, type Image, mutate, parseDigest, reproducibleDate } from "../../oci/index.js";
import { DistributionError } from "./errors.js";
import { buildpackLayersOf, byFullName, dedupeBuildpacks, distinctLayers, fullName, type PackagedBuildpack } from "./module.js";
import { resolveStacks } from "./stacks.js";

export interface BuildpackageSpec {
  /** The entry buildpack (a composite, or a component packaged alone). */
  main: PackagedBuildpack;
  /** A composite's components (and theirs, for nested composites), each once. */
  dependencies: readonly PackagedBuildpack[];
  /** os / architecture of the image config (CNB-66: from the targets). */
  platform: { os: string; architecture: string; variant?: string };
  /** The config's created time (default 1980-01-01T00:00:01Z). */
  sourceDateEpoch?: number;
}

/**
 * Checks what pack checks before packaging (`validateBuildpacks`): every order entry of every
 * buildpack names a buildpack that is in the package, with a version; every dependency is used.
 */
export function checkPackageReferences(main: PackagedBuildpack, deps: readonly PackagedBuildpack[]): void {
  const present = new Map(deps.map((d) => [fullName(d), false]));
  for (const bp of [main, ...deps]) {
    bp.order.forEach((g, i) =>
      g.group.forEach((e, j) => {
        const where = `${bp.source}: order[${i}].group[${j}]`;
        if (!e.version) {
          throw new DistributionError("DIST_PACKAGE", `${where}: buildpack ${fullName(bp)} must give the version of ${e.id}`);
        }
        const key = fullName(e);
        if (!present.has(key)) {
          throw new DistributionError("DIST_PACKAGE", `${where}: buildpack ${fullName(bp)} needs ${key}, which is not in the package`, {
            hint: "add it to package.toml as a [[dependencies]] uri (a folder, .tgz or buildpackage image)",
          });
        }
        present.set(key, true);
      }),
    );
  }
  for (const [key, used] of present) {
    if (!used) {
      throw new DistributionError("DIST_PACKAGE", `buildpack ${key} is in the package but no order of ${fullName(main)} uses it`, {
        hint: "remove it from package.toml's [[dependencies]]",
      });
    }
  }
}

/** The buildpackage image: one layer per buildpack (sorted by id@version), the two labels, the platform. */
export async function buildpackageImage(spec: BuildpackageSpec): Promise<Image> {
  const deps = (await dedupeBuildpacks(spec.dependencies)).filter((d) => fullName(d) !== fullName(spec.main));
  checkPackageReferences(spec.main, deps);
  const stacks = resolveStacks(
    { stacks: spec.main.stacks, composite: spec.main.order.length > 0 },
    deps.map((d) => ({ stacks: d.stacks, composite: d.order.length > 0 })),
  );
  if (stacks.length === 0) {
    throw new DistributionError("DIST_PACKAGE", `the buildpacks of ${fullName(spec.main)} share no stack`, {
      hint: "give them a common [[stacks]] id, or use [[targets]] (which count as any stack)",
    });
  }
  const all = [spec.main, ...deps].sort(byFullName);
  const layers = await distinctLayers(all);
  const metadata: BuildpackageMetadata = { ...spec.main.info, stacks };
  let img = mutate.withCreatedAt(emptyImage({ os: spec.platform.os, architecture: spec.platform.architecture }), reproducibleDate(spec.sourceDateEpoch));
  if (spec.platform.variant) img = mutate.withPlatform(img, spec.platform);
  img = mutate.appendLayers(
    img,
    ...layers.map((l) => ({ layer: l.layer, history: { created_by: `paketo buildpack package: ${l.buildpacks.map(fullName).join(", ")}` } })),
  );
  return mutate.withLabels(img, {
    [BUILDPACKAGE_METADATA_LABEL]: stringifyBuildpackageMetadataLabel(metadata),
    [BUILDPACK_LAYERS_LABEL]: stringifyBuildpackLayersLabel(await buildpackLayersOf(all)),
  });
}

/** What a buildpackage holds. */
export interface Buildpackage {
  metadata: BuildpackageMetadata;
  layers: BuildpackLayers;
  /** The entry buildpack. */
  main: PackagedBuildpack;
  /** Every buildpack in it, the entry one included, sorted by id@version. */
  buildpacks: PackagedBuildpack[];
}

/**
 * Reads a buildpackage from its labels (CNB-67); no layer is read. Each buildpack's layer is the
 * image's layer with the label's diffID, so it can be reused by digest without re-tarring.
 */
export async function readBuildpackage(image: Image, name: string): Promise<Buildpackage> {
  const config = await image.configFile();
  const labels = config.config.Labels ?? {};
  const metaText = labels[BUILDPACKAGE_METADATA_LABEL];
  const layersText = labels[BUILDPACK_LAYERS_LABEL];
  if (metaText === undefined || layersText === undefined) {
    const missing = metaText === undefined ? BUILDPACKAGE_METADATA_LABEL : BUILDPACK_LAYERS_LABEL;
    throw new DistributionError("DIST_PACKAGE", `${name} is not a buildpackage: it has no ${missing} label`, {
      hint: "make one with `paketo buildpack package`, or name a buildpack folder or .tgz",
    });
  }
  const metadata = parseBuildpackageMetadataLabel(metaText, `${name}: label ${BUILDPACKAGE_METADATA_LABEL}`);
  const layers = parseBuildpackLayersLabel(layersText, `${name}: label ${BUILDPACK_LAYERS_LABEL}`);
  const diffIds = new Set<string>(config.rootfs.diff_ids);
  const buildpacks: PackagedBuildpack[] = [];
  let main: PackagedBuildpack | undefined;
  for (const id of Object.keys(layers).sort()) {
    for (const [version, info] of Object.entries(layers[id] ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const where = `${name}: label ${BUILDPACK_LAYERS_LABEL}: ${id}@${version}`;
      if (!diffIds.has(info.layerDiffId)) {
        throw new DistributionError("DIST_PACKAGE", `${where}: layerDiffID ${info.layerDiffId} is not a layer of the image`);
      }
      const isMain = id === metadata.id && version === metadata.version;
      const moduleInfo: ModuleInfo = isMain ? { ...metadata } : { id, version };
      if (!isMain) {
        if (info.name !== undefined) moduleInfo.name = info.name;
        if (info.homepage !== undefined) moduleInfo.homepage = info.homepage;
      }
      delete (moduleInfo as { stacks?: unknown }).stacks;
      const bp: PackagedBuildpack = {
        id: parseBuildpackId(id, where),
        version: parseBuildpackVersion(version, where),
        api: info.api,
        info: moduleInfo,
        stacks: info.stacks ?? [],
        targets: info.targets ?? [],
        order: info.order ?? [],
        layer: await image.layerByDiffId(parseDigest(info.layerDiffId, where)),
        source: name,
      };
      buildpacks.push(bp);
      if (isMain) main = bp;
    }
  }
  if (!main) {
    throw new DistributionError("DIST_PACKAGE", `${name}: label ${BUILDPACKAGE_METADATA_LABEL} names ${fullName(metadata)}, which label ${BUILDPACK_LAYERS_LABEL} does not list`);
  }
  return { metadata, layers, main, buildpacks };
}

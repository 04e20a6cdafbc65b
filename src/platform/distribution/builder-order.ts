// Pure decisions of builder creation: resolving builder.toml's order against the buildpacks that
// ended up on the builder (pack's `resolveRef`), and checking that the buildpacks fit the lifecycle,
// each other and the build image.
import {
  apiSupported,
  type BuilderOrder,
  type BuilderOrderEntry,
  BUILDPACK_APIS,
  type Order,
  type OrderEntry,
  parseBuildpackVersion,
  type RunImageTarget,
  targetMatches,
} from "../../cnb/index.js";
import { DistributionError } from "./errors.js";
import { fullName, type PackagedBuildpack } from "./module.js";

/**
 * One order entry with its version filled in: the entry's own, else the only version of that id
 * on the builder. `where` names the field, e.g. `builder.toml: order[0].group[1]`.
 */
export function resolveOrderEntry(e: BuilderOrderEntry, on: readonly { id: string; version: string }[], where: string): OrderEntry {
  const versions = [...new Set(on.filter((b) => b.id === e.id).map((b) => b.version))];
  const listed = [...new Set(on.map(fullName))].sort().join(", ") || "none";
  if (versions.length === 0) {
    throw new DistributionError("DIST_BUILDER_CONFIG", `${where}.id: buildpack ${JSON.stringify(e.id)} is not on the builder`, {
      hint: `add it to [[buildpacks]]; the builder has: ${listed}`,
    });
  }
  let version = e.version as string | undefined;
  if (version === undefined) {
    if (versions.length > 1) {
      throw new DistributionError("DIST_BUILDER_CONFIG", `${where}.version: is required: the builder has ${versions.length} versions of ${e.id} (${versions.sort().join(", ")})`);
    }
    version = versions[0] as string;
  } else if (!versions.includes(version)) {
    throw new DistributionError("DIST_BUILDER_CONFIG", `${where}.version: ${e.id}@${version} is not on the builder (it has ${versions.sort().join(", ")})`);
  }
  const out: OrderEntry = { id: e.id, version: parseBuildpackVersion(version, `${where}.version`), optional: e.optional };
  return out;
}

/** The order of /cnb/order.toml: every entry resolved. `where` is the file, `field` the table (`order`). */
export function resolveBuilderOrder(order: BuilderOrder, on: readonly { id: string; version: string }[], where: string, field = "order"): Order {
  return order.map((g, i) => {
    if (g.group.length === 0) throw new DistributionError("DIST_BUILDER_CONFIG", `${where}: ${field}[${i}].group: is empty`);
    return { group: g.group.map((e, j) => resolveOrderEntry(e, on, `${where}: ${field}[${i}].group[${j}]`)) };
  });
}

/**
 * What pack checks of the buildpacks on a builder: a Buildpack API the lifecycle speaks; every
 * composite's order entries on the builder; component targets (and legacy stacks) that accept the
 * build image.
 */
export function checkBuilderBuildpacks(bps: readonly PackagedBuildpack[], build: { target: RunImageTarget; stackId?: string | undefined; name: string }): void {
  const present = new Set(bps.map(fullName));
  for (const bp of bps) {
    const name = `${fullName(bp)} (from ${bp.source})`;
    if (!apiSupported(bp.api, BUILDPACK_APIS)) {
      throw new DistributionError("DIST_BUILDER_CONFIG", `buildpack ${name} implements Buildpack API ${bp.api}, which paketo's lifecycle does not speak`, {
        hint: `supported: ${BUILDPACK_APIS.join(", ")}`,
      });
    }
    for (const g of bp.order) {
      for (const e of g.group) {
        if (!present.has(fullName(e))) {
          throw new DistributionError("DIST_BUILDER_CONFIG", `buildpack ${name} needs ${fullName(e)}, which is not on the builder`, {
            hint: "add it (or a buildpackage holding it) to [[buildpacks]]",
          });
        }
      }
    }
    if (bp.order.length > 0) continue;
    if (!targetMatches(bp.targets, build.target)) {
      const t = build.target;
      throw new DistributionError("DIST_BUILDER_CONFIG", `buildpack ${name} has no target for the build image ${build.name} (${t.os}/${t.arch}${t.distro ? ` ${t.distro.name}@${t.distro.version}` : ""})`);
    }
    if (bp.stacks.length > 0 && bp.targets.length === 0 && build.stackId && !bp.stacks.some((s) => s.id === "*" || s.id === build.stackId)) {
      throw new DistributionError("DIST_BUILDER_CONFIG", `buildpack ${name} does not support the build image's stack ${build.stackId} (it lists ${bp.stacks.map((s) => s.id).join(", ")})`);
    }
  }
}

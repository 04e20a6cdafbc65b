// The image config of each flavor (CNB-31): user, environment and labels; pure functions of the
// stack definition, so they are tested with literals.
import { emptyImage, type Image, type Layer, mutate, reproducibleDate } from "../oci/index.js";
import type { FlavorName, StackDefinition } from "./stack-file.js";

export const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The tag each flavor gets when all three are created from one destination name. */
export const FLAVOR_TAGS: Record<FlavorName, string> = { build: "build", base: "run", tiny: "run-tiny" };

export interface ImageSettings {
  def: StackDefinition;
  flavor: FlavorName;
  arch: string;
  /** Seconds since the epoch for `created` and `io.buildpacks.base.released` (default 1980-01-01T00:00:01Z). */
  sourceDateEpoch?: number;
  /** diffID of the layer holding /cnb/sbom. */
  sbomDiffId: string;
  packages: number;
}

/** The user (`uid:gid`, numeric so Kubernetes' runAsNonRoot can check it) and environment. */
export function runtimeOf(s: Pick<ImageSettings, "def" | "flavor">): { user: string; env: Record<string, string> } {
  const u = s.flavor === "build" ? s.def.user.build : s.def.user.run;
  const env: Record<string, string> = { PATH };
  if (s.flavor === "build") {
    Object.assign(env, {
      CNB_USER_ID: String(u.uid),
      CNB_GROUP_ID: String(u.gid),
      CNB_STACK_ID: s.def.id,
      HOME: `/${s.def.user.home}`,
    });
  }
  return { user: `${u.uid}:${u.gid}`, env };
}

/** The labels CNB-31 asks for, plus the legacy stack id. */
export function labelsOf(s: ImageSettings): Record<string, string> {
  const f = s.def.flavors[s.flavor];
  const labels: Record<string, string> = {
    "io.buildpacks.stack.id": s.def.id,
    "io.buildpacks.stack.mixins": "[]",
    "io.buildpacks.base.id": f.baseId,
    "io.buildpacks.base.distro.name": s.def.distro.name,
    "io.buildpacks.base.distro.version": s.def.distro.version,
    "io.buildpacks.base.maintainer": s.def.maintainer,
    "io.buildpacks.base.homepage": s.def.homepage,
    "io.buildpacks.base.description": f.description,
    "io.buildpacks.base.released": createdOf(s.sourceDateEpoch),
    "io.buildpacks.base.metadata": JSON.stringify({ stack: s.def.name, flavor: s.flavor, codename: s.def.distro.codename, packages: s.packages }),
    "io.buildpacks.base.sbom": s.sbomDiffId,
  };
  if (s.flavor !== "build") labels["io.buildpacks.rebasable"] = "true";
  return labels;
}

export function createdOf(sourceDateEpoch?: number): string {
  return reproducibleDate(sourceDateEpoch).toISOString().replace(/\.000Z$/, "Z");
}

/** The image: layers (each with the history line that says what it is), then the config. */
export function stackImage(s: ImageSettings, layers: ReadonlyArray<{ layer: Layer; createdBy: string }>): Image {
  const { user, env } = runtimeOf(s);
  let img = emptyImage({ architecture: s.arch, os: "linux" });
  img = mutate.appendLayers(img, ...layers.map((l) => ({ layer: l.layer, history: { created_by: l.createdBy } })));
  img = mutate.withRunConfig(img, (rc) => ({ ...rc, User: user, Env: Object.entries(env).map(([k, v]) => `${k}=${v}`), Labels: labelsOf(s) }));
  return mutate.withCreatedAt(img, reproducibleDate(s.sourceDateEpoch), { history: true });
}

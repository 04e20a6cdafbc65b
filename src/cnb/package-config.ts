// package.toml, pack's buildpackage configuration (CNB-66; not in the spec).
import { readToml, strip, writeToml } from "./fields.js";
import { readTargets, type Target, targetsToToml } from "./targets.js";

/**
 * package.toml. Written by the buildpack author; read by the packaging tool (`pack buildpack
 * package`, paketo), which builds a buildpackage image or `.cnb` file from it (CNB-66).
 */
export interface PackageConfig {
  /** `[buildpack] uri`: the buildpack to package (a dir, tgz or URL). One of buildpack and extension is set. */
  buildpack?: { uri: string };
  extension?: { uri: string };
  /** A composite's component buildpacks: each a `uri` or an `image`. */
  dependencies: { uri?: string; image?: string }[];
  /** Deprecated `[platform] os`, default linux. */
  platform: { os: "linux" | "windows" };
  /** `[[targets]]` for composites. */
  targets: Target[];
}

export function parsePackageConfig(text: string, where = "package.toml"): PackageConfig {
  const f = readToml(text, where);
  const uriOf = (key: string) => {
    const t = f.sub(key);
    if (!t) return undefined;
    const uri = t.str("uri");
    t.rejectUnknown();
    return { uri };
  };
  const buildpack = uriOf("buildpack");
  const extension = uriOf("extension");
  if (!buildpack && !extension) f.fail("buildpack.uri", "is required", "CNB_MISSING_FIELD");
  if (buildpack && extension) f.fail("extension", "must not be set together with buildpack", "CNB_CONFLICT");
  const dependencies = f.tables("dependencies").map((d) => {
    const dep = strip({ uri: d.optStr("uri") || undefined, image: d.optStr("image") || undefined });
    d.rejectUnknown();
    if (dep.uri && dep.image) d.fail(undefined, "sets both uri and image; use one", "CNB_CONFLICT");
    if (!dep.uri && !dep.image) d.fail("uri", "is required (or image)", "CNB_MISSING_FIELD");
    return dep;
  });
  const p = f.sub("platform");
  const os = p?.optStr("os") || "linux";
  if (os !== "linux" && os !== "windows") p?.fail("os", `${JSON.stringify(os)} is not linux or windows`);
  p?.rejectUnknown();
  const targets = readTargets(f);
  f.rejectUnknown();
  return strip({ buildpack, extension, dependencies, platform: { os: os as "linux" | "windows" }, targets });
}

export function stringifyPackageConfig(c: PackageConfig): string {
  return writeToml({
    buildpack: c.buildpack && { uri: c.buildpack.uri },
    extension: c.extension && { uri: c.extension.uri },
    dependencies: c.dependencies.length === 0 ? undefined : c.dependencies.map((d) => ({ uri: d.uri, image: d.image })),
    platform: { os: c.platform.os },
    targets: c.targets.length === 0 ? undefined : targetsToToml(c.targets),
  });
}

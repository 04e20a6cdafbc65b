// From a stack file to exact packages: the closure of each flavor, resolved against one package
// index. Pure: the caller loads the index.
import { debian } from "../deps/index.js";
import { StackError } from "./errors.js";
import { flavorInputs, type LockedFlavor } from "./lockfile.js";
import type { FlavorName, StackDefinition } from "./stack-file.js";

export interface FlavorResolution extends LockedFlavor {
  /** Dependencies left unsatisfied because only excluded packages provide them. */
  skipped: debian.SkippedDependency[];
}

/**
 * Resolves the three flavors. The build flavor is resolved with the base closure pinned to its
 * exact versions, so base ⊆ build holds and the build image can reuse the base OS layer.
 */
export function resolveFlavors(def: StackDefinition, arch: string, index: debian.PackageIndex): Record<FlavorName, FlavorResolution> {
  const one = (flavor: FlavorName, wanted: readonly string[]): FlavorResolution => {
    const r = debian.resolve(index, wanted, { exclude: def.flavors[flavor].exclude, onExcluded: "skip" });
    return { inputs: flavorInputs(def, arch, flavor), packages: debian.lockPackages(r.packages), skipped: r.skipped };
  };
  const base = one("base", def.flavors.base.packages);
  const tiny = one("tiny", def.flavors.tiny.packages);
  const pinned = base.packages.map((p) => `${p.name}=${p.version}`);
  // A wanted package that is not in the index fails here with the deps module's own error, which
  // names the package, the suites searched and near names.
  const build = one("build", [...pinned, ...def.flavors.build.packages.filter((n) => !base.packages.some((p) => p.name === debian.parseWanted(n).name))]);
  checkSubset(base.packages, build.packages, arch);
  return { build, base, tiny };
}

/** Every base package must be in build, at the same version and file. */
export function checkSubset(base: readonly debian.LockedPackage[], build: readonly debian.LockedPackage[], arch: string): void {
  const byName = new Map(build.map((p) => [p.name, p]));
  for (const p of base) {
    const b = byName.get(p.name);
    if (!b || b.sha256 !== p.sha256) {
      throw new StackError("STACK_RESOLVE", `base package ${p.name} ${p.version} is ${b ? `at ${b.version}` : "missing"} in the build flavor (${arch})`, {
        hint: "the build image is the base OS layer plus a toolchain layer: the build flavor must contain base's packages unchanged; re-resolve with --update",
      });
    }
  }
}

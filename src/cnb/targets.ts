// Targets (CNB-4, CNB-37): what a buildpack runs on, and what a run image is.
import { type ApiVersion } from "./api-version.js";
import { buildpackFeatures } from "./features.js";
import { strip, type Fields, type Table } from "./fields.js";

/** An OS distribution a buildpack supports; a field left out matches anything. */
export interface Distro {
  name?: string;
  version?: string;
}

/** One `[[targets]]` entry of buildpack.toml / extension.toml / package.toml; omitted fields match anything. */
export interface Target {
  os?: string;
  arch?: string;
  /** `variant` in the spec and pack; the reference lifecycle reads `arch-variant`. Both are accepted. */
  variant?: string;
  distros: Distro[];
}

/** A legacy `[[stacks]]` entry (deprecated in Buildpack API 0.10). `id = "*"` matches any target. */
export interface StackRef {
  id: string;
  mixins: string[];
}

/** A run image's target data (analyzed.toml `[run-image.target]`, image config + `io.buildpacks.base.*` labels). */
export interface RunImageTarget {
  /** `io.buildpacks.base.id` */
  id?: string;
  os: string;
  arch: string;
  variant?: string;
  distro?: { name: string; version: string };
}

export const BIONIC_STACK_ID = "io.buildpacks.stacks.bionic";

/** Reads `[[key]]` targets; accepts `variant` and the lifecycle's `arch-variant` (must agree if both). */
export function readTargets(f: Fields, key = "targets"): Target[] {
  return f.tables(key).map((t) => {
    const variant = t.optStr("variant");
    const archVariant = t.optStr("arch-variant");
    if (variant !== undefined && archVariant !== undefined && variant !== archVariant) {
      t.fail("arch-variant", `is ${JSON.stringify(archVariant)} but variant is ${JSON.stringify(variant)}; set only one`, "CNB_CONFLICT");
    }
    const distros = t.tables("distros").map((d) => strip({ name: d.optStr("name"), version: d.optStr("version") }));
    return strip({ os: t.optStr("os"), arch: t.optStr("arch"), variant: variant ?? archVariant, distros });
  });
}

/** TOML tables for `[[targets]]`. A variant is written under both spellings so the lifecycle and pack both see it. */
export function targetsToToml(targets: readonly Target[]): Table[] {
  return targets.map((t) => ({
    os: t.os,
    arch: t.arch,
    variant: t.variant,
    "arch-variant": t.variant,
    distros: t.distros.length === 0 ? undefined : t.distros.map((d) => ({ name: d.name, version: d.version })),
  }));
}

/** The JSON shape pack uses in labels: `{os, arch, variant?, distros?}`. */
export function targetsToJson(targets: readonly Target[]): Table[] {
  return targets.map((t) => ({
    os: t.os ?? "",
    arch: t.arch ?? "",
    variant: t.variant,
    distros: t.distros.length === 0 ? undefined : t.distros.map((d) => ({ name: d.name, version: d.version })),
  }));
}

export function readStacks(f: Fields, key = "stacks"): StackRef[] {
  return f.tables(key).map((s) => ({ id: s.str("id"), mixins: s.strs("mixins") }));
}

export function stacksToToml(stacks: readonly StackRef[]): Table[] {
  return stacks.map((s) => ({ id: s.id, mixins: s.mixins.length === 0 ? undefined : s.mixins }));
}

/**
 * The targets a buildpack effectively declares (CNB-4):
 * - its `[[targets]]` when present;
 * - else from `[[stacks]]`: `*` matches anything, `io.buildpacks.stacks.bionic` is linux/amd64 ubuntu
 *   18.04 (for API < 0.10 only when it is the sole stack, as in the reference), other ids add nothing;
 * - else from `bin/`: `build` → linux, `build.bat`/`build.exe` → windows;
 * - else none, which matches any run image (composites).
 */
export function inferTargets(
  d: { api: ApiVersion; targets: readonly Target[]; stacks: readonly StackRef[] },
  binFiles: readonly string[] = [],
): Target[] {
  if (d.targets.length > 0) return [...d.targets];
  const out: Target[] = [];
  const bionicAlways = buildpackFeatures(d.api).bionicStackAlwaysTranslated;
  for (const s of d.stacks) {
    if (s.id === "*") out.push({ distros: [] });
    else if (s.id === BIONIC_STACK_ID && (bionicAlways || d.stacks.length === 1)) {
      out.push({ os: "linux", arch: "amd64", distros: [{ name: "ubuntu", version: "18.04" }] });
    }
  }
  if (out.length > 0) return out;
  if (binFiles.includes("build")) out.push({ os: "linux", distros: [] });
  if (binFiles.includes("build.bat") || binFiles.includes("build.exe")) out.push({ os: "windows", distros: [] });
  return out;
}

function fieldMatches(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || a === "" || b === undefined || b === "" || a === b;
}

/** Whether one buildpack target accepts the run image: os/arch/variant match, and one distro if any are listed. */
export function targetSatisfied(t: Target, run: RunImageTarget): boolean {
  if (!fieldMatches(t.os, run.os) || !fieldMatches(t.arch, run.arch) || !fieldMatches(t.variant, run.variant)) return false;
  if (t.distros.length === 0) return true;
  const rd = run.distro;
  if (rd === undefined) return false;
  return t.distros.some((d) => fieldMatches(d.name, rd.name) && fieldMatches(d.version, rd.version));
}

/**
 * Whether a buildpack with these (inferred) targets may run against the run image (CNB-4, CNB-37).
 * An empty list matches anything. Empty fields on either side match anything.
 */
export function targetMatches(buildpackTargets: readonly Target[], runTarget: RunImageTarget): boolean {
  return buildpackTargets.length === 0 || buildpackTargets.some((t) => targetSatisfied(t, runTarget));
}


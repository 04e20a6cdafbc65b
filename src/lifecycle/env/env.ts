// The environment buildpack processes see (CNB-9, CNB-15, CNB-16, CNB-17, CNB-60): pure functions
// from an env and file contents to a new env. Reading the files is the caller's job.
import { type EnvAction, parseEnvFileName } from "../../cnb/index.js";

/** An environment: variable name → value. Functions here never modify one; they return a new one. */
export type Env = Readonly<Record<string, string>>;

/** One env file: its name in the directory and its contents, verbatim. */
export interface EnvFileContent {
  name: string;
  content: string;
}

/** Variables of the lifecycle's own env that reach buildpacks (CNB-9; the reference's include list). */
export const BUILD_ENV_INCLUDE = [
  "CNB_STACK_ID",
  "HOSTNAME",
  "HOME",
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
] as const;

/** Layer subdirectories and the path variables they are prepended to (CNB-15). */
export const POSIX_BUILD_DIRS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ["bin", ["PATH"]],
  ["lib", ["LD_LIBRARY_PATH", "LIBRARY_PATH"]],
  ["include", ["CPATH"]],
  ["pkgconfig", ["PKG_CONFIG_PATH"]],
];

/** The POSIX path variables: kept from the lifecycle env, and prepended to (not replaced) by user env. */
export const POSIX_PATH_VARS: readonly string[] = POSIX_BUILD_DIRS.flatMap(([, vars]) => vars);

/** Where service bindings are mounted is announced in this variable (CNB-71, k8s Service Binding spec). */
export const SERVICE_BINDING_ROOT = "SERVICE_BINDING_ROOT";

/** Whether a name can be a variable name in a process environment. */
export function isEnvName(name: string): boolean {
  return name !== "" && !name.includes("=") && !name.includes("\0");
}

function byName(a: EnvFileContent, b: EnvFileContent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * The lifecycle's own env filtered to what buildpacks may see (CNB-9): the include list and the
 * POSIX path variables. Everything else is dropped, which keeps registry credentials
 * (`CNB_REGISTRY_AUTH`, `DOCKER_CONFIG`, `REGISTRY_AUTH_FILE`, ...) away from buildpacks (CNB-30).
 */
export function baseEnv(lifecycleEnv: Readonly<Record<string, string | undefined>>): Env {
  const keep = new Set<string>([...BUILD_ENV_INCLUDE, ...POSIX_PATH_VARS]);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(lifecycleEnv)) if (v !== undefined && keep.has(k)) out[k] = v;
  return out;
}

/**
 * User env, `<platform>/env/<NAME>` (CNB-9, CNB-60): each file sets the variable named exactly
 * like it (no suffixes) to its contents, verbatim. For a POSIX path variable the value is
 * prepended with `:` (no trailing `:` when the variable was empty).
 */
export function applyPlatformEnv(env: Env, files: readonly EnvFileContent[]): Env {
  const out: Record<string, string> = { ...env };
  for (const f of [...files].sort(byName)) {
    if (!isEnvName(f.name)) continue;
    const current = out[f.name] ?? "";
    out[f.name] = POSIX_PATH_VARS.includes(f.name) && current !== "" ? `${f.content}:${current}` : f.content;
  }
  return out;
}

/**
 * One env directory (a layer's `env/`, `env.build/`, or `<build-config>/env/`) applied to `env`
 * (CNB-16, CNB-17): files in name order; the variable is the name up to the first `.`; suffix
 * `override` sets, `default` sets only when unset or empty, `append`/`prepend` join with the
 * contents of `<NAME>.delim` of the same directory (none: an empty delimiter; nothing is added
 * when the current value is empty). No suffix means `defaultAction`. Other suffixes are ignored.
 * Contents are used verbatim: a trailing newline stays.
 */
export function applyEnvDir(env: Env, files: readonly EnvFileContent[], defaultAction: EnvAction): Env {
  const out: Record<string, string> = { ...env };
  const delims = new Map<string, string>();
  const sorted = [...files].sort(byName);
  for (const f of sorted) {
    const parsed = parseEnvFileName(f.name, defaultAction);
    if (parsed.kind === "delim") delims.set(parsed.name, f.content);
  }
  for (const f of sorted) {
    const parsed = parseEnvFileName(f.name, defaultAction);
    if (parsed.kind !== "set" || !isEnvName(parsed.name)) continue;
    const { name, action } = parsed;
    const current = out[name] ?? "";
    const delim = delims.get(name) ?? "";
    switch (action) {
      case "override":
        out[name] = f.content;
        break;
      case "default":
        if (current === "") out[name] = f.content;
        break;
      case "append":
        out[name] = current === "" ? f.content : `${current}${delim}${f.content}`;
        break;
      case "prepend":
        out[name] = current === "" ? f.content : `${f.content}${delim}${current}`;
        break;
    }
  }
  return out;
}

/**
 * A build layer's directories prepended to the path variables (CNB-15): `<layer>/bin` to PATH,
 * `/lib` to LD_LIBRARY_PATH and LIBRARY_PATH, `/include` to CPATH, `/pkgconfig` to
 * PKG_CONFIG_PATH, each only when `subdirs` says it exists. `layerDir` is the path buildpacks see.
 */
export function prependBuildLayer(env: Env, layerDir: string, subdirs: readonly string[]): Env {
  const out: Record<string, string> = { ...env };
  for (const [sub, vars] of POSIX_BUILD_DIRS) {
    if (!subdirs.includes(sub)) continue;
    for (const v of vars) {
      const current = out[v] ?? "";
      out[v] = current === "" ? `${layerDir}/${sub}` : `${layerDir}/${sub}:${current}`;
    }
  }
  return out;
}

/**
 * The env of one bin/detect or bin/build run (CNB-9), in the reference's order:
 * 1. `base`: the filtered lifecycle env, plus the build layers of earlier buildpacks (CNB-15);
 * 2. user env `<platform>/env` (skipped for a `clear-env` buildpack: pass `undefined`);
 * 3. operator env `<build-config>/env`, suffix rules with no suffix meaning `default`;
 * 4. the `CNB_*` variables, which nothing overrides.
 */
export function composeEnv(parts: {
  base: Env;
  platformEnv: readonly EnvFileContent[] | undefined;
  buildConfigEnv: readonly EnvFileContent[];
  cnbVars: Env;
}): Env {
  let env = parts.base;
  if (parts.platformEnv !== undefined) env = applyPlatformEnv(env, parts.platformEnv);
  env = applyEnvDir(env, parts.buildConfigEnv, "default");
  return { ...env, ...parts.cnbVars };
}

/** A build layer of a finished buildpack, as later buildpacks' env needs it (CNB-15). */
export interface BuildLayerEnv {
  /** The layer's path as buildpacks see it. */
  path: string;
  /** Which of bin, lib, include, pkgconfig exist in it. */
  subdirs: readonly string[];
  /** `<layer>/env/*` and `<layer>/env.build/*`. */
  env: readonly EnvFileContent[];
  envBuild: readonly EnvFileContent[];
}

/**
 * The env later buildpacks see after a buildpack's build layer (CNB-15, CNB-17): its directories
 * prepended to the path variables, then its `env/` files, then its `env.build/` files (each
 * directory finished before the next, so a `.delim` applies within its own directory). Apply the
 * layers of one buildpack in name order, and buildpacks in group order.
 */
export function applyBuildLayer(env: Env, layer: BuildLayerEnv, defaultAction: EnvAction = "override"): Env {
  const withPaths = prependBuildLayer(env, layer.path, layer.subdirs);
  return applyEnvDir(applyEnvDir(withPaths, layer.env, defaultAction), layer.envBuild, defaultAction);
}

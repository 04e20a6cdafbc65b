// What the lifecycle hands bin/detect and bin/build (CNB-6, CNB-10): positional arguments, CNB_*
// variables, buildpack.toml, the platform directory and service bindings, read into typed values.
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { buildpackFeatures, type ApiVersion, parseBuildpackDescriptor, requireBuildpackApi } from "../cnb/index.js";
import type { Binding, BuildpackDetails, Platform, TargetInfo } from "./context.js";
import { BuildpackError } from "./errors.js";
import { parseWith, type Schema } from "./schema.js";

export type Env = Readonly<Record<string, string>>;

/** Where bin/detect or bin/build finds its inputs and writes its outputs. */
export type Invocation =
  | { phase: "detect"; buildpackDir: string; platformDir: string; planPath: string }
  | { phase: "build"; buildpackDir: string; layersDir: string; platformDir: string; planPath: string };

function required(value: string | undefined, what: string, phase: string): string {
  if (value === undefined || value === "") {
    throw new BuildpackError("BUILDPACK_INVOCATION", `bin/${phase}: ${what} is missing`, {
      hint: "bin/detect takes <platform> <plan>, bin/build takes <layers> <platform> <plan> (the lifecycle passes them)",
    });
  }
  return resolve(value);
}

/**
 * The invocation from `argv` (`[script, ...args]`) and the environment. The phase is the script's
 * file name (packit's Run); positional arguments come first, the API 0.8 variables second.
 */
export function parseInvocation(argv: readonly string[], env: Env): Invocation {
  const script = argv[0] ?? "";
  const phase = basename(script).replace(/\.(c|m)?js$/, "");
  const buildpackDir = resolve(env.CNB_BUILDPACK_DIR || join(dirname(resolve(script)), ".."));
  if (phase === "detect") {
    return {
      phase,
      buildpackDir,
      platformDir: required(argv[1] ?? env.CNB_PLATFORM_DIR, "the platform directory ($1, CNB_PLATFORM_DIR)", phase),
      planPath: required(argv[2] ?? env.CNB_BUILD_PLAN_PATH, "the build plan path ($2, CNB_BUILD_PLAN_PATH)", phase),
    };
  }
  if (phase === "build") {
    return {
      phase,
      buildpackDir,
      layersDir: required(argv[1] ?? env.CNB_LAYERS_DIR, "the layers directory ($1, CNB_LAYERS_DIR)", phase),
      platformDir: required(argv[2] ?? env.CNB_PLATFORM_DIR, "the platform directory ($2, CNB_PLATFORM_DIR)", phase),
      planPath: required(argv[3] ?? env.CNB_BP_PLAN_PATH, "the buildpack plan path ($3, CNB_BP_PLAN_PATH)", phase),
    };
  }
  throw new BuildpackError("BUILDPACK_INVOCATION", `run as bin/detect or bin/build, not ${JSON.stringify(script)}`);
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new BuildpackError("BUILDPACK_IO", `reading ${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

/** buildpack.toml with its API checked (CNB-1) and `[metadata]` checked against `schema`. */
export async function readBuildpack<M>(dir: string, schema: Schema<M> | undefined): Promise<BuildpackDetails<M>> {
  const path = join(dir, "buildpack.toml");
  const descriptor = parseBuildpackDescriptor(await readText(path, "buildpack.toml"), path);
  const api = requireBuildpackApi(descriptor.api, path);
  const metadata = schema === undefined ? (descriptor.metadata as M) : parseWith(schema, descriptor.metadata, `${path}: [metadata]`);
  const b = descriptor.buildpack;
  return { id: b.id, version: b.version, name: b.name, api, dir, sbomFormats: b.sbomFormats, metadata, descriptor };
}

async function files(dir: string): Promise<[string, string][]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new BuildpackError("BUILDPACK_IO", `reading ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const out: [string, string][] = [];
  for (const name of names) {
    // Kubernetes secret volumes hold `..data` links next to the keys; keys may start with one dot (.htpasswd, .dockerconfigjson).
    if (name.startsWith("..")) continue;
    const path = join(dir, name);
    const st = await stat(path).catch(() => undefined);
    if (st?.isFile()) out.push([name, await readText(path, "file")]);
  }
  return out;
}

async function readBindings(root: string): Promise<Binding[]> {
  let names: string[];
  try {
    names = (await readdir(root)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new BuildpackError("BUILDPACK_IO", `reading service bindings ${root}: ${(e as Error).message}`, { cause: e });
  }
  const out: Binding[] = [];
  for (const name of names) {
    const path = join(root, name);
    if (name.startsWith(".") || !(await stat(path).catch(() => undefined))?.isDirectory()) continue;
    const entries = Object.fromEntries(await files(path));
    const type = entries.type?.trim();
    if (type === undefined || type === "") {
      throw new BuildpackError("BUILDPACK_IO", `service binding ${path}: the type file is missing or empty`, {
        hint: "every binding directory holds a `type` file (Kubernetes service binding spec)",
      });
    }
    const provider = entries.provider?.trim();
    delete entries.type;
    delete entries.provider;
    out.push({ name, type, provider: provider === "" ? undefined : provider, path, entries });
  }
  return out;
}

/** The platform dir: user env files and service bindings (`SERVICE_BINDING_ROOT` wins over `<platform>/bindings`). */
export async function readPlatform(dir: string, env: Env): Promise<Platform> {
  const bindingRoot = env.SERVICE_BINDING_ROOT || join(dir, "bindings");
  return { dir, env: Object.freeze(Object.fromEntries(await files(join(dir, "env")))), bindings: Object.freeze(await readBindings(bindingRoot)) };
}

const OCI_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64", arm: "arm", ia32: "386", ppc64: "ppc64le", s390x: "s390x", riscv64: "riscv64", loong64: "loong64" };

/** `CNB_TARGET_*` (API ≥ 0.10); before, linux on the running machine's architecture. */
export function readTarget(env: Env, api: ApiVersion, nodeArch: string): TargetInfo {
  const fromEnv = buildpackFeatures(api).targetsEnv;
  const get = (k: string) => (fromEnv && env[k] ? env[k] : undefined);
  const name = get("CNB_TARGET_DISTRO_NAME");
  const version = get("CNB_TARGET_DISTRO_VERSION");
  return {
    os: get("CNB_TARGET_OS") ?? "linux",
    arch: get("CNB_TARGET_ARCH") ?? OCI_ARCH[nodeArch] ?? nodeArch,
    variant: get("CNB_TARGET_ARCH_VARIANT"),
    distro: name === undefined ? undefined : { name, version: version ?? "" },
  };
}

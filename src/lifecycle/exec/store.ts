// The buildpacks of the builder: `<buildpacks>/<escaped-id>/<version>/buildpack.toml` (CNB-3).
import { readdir } from "node:fs/promises";
import { join, posix } from "node:path";
import {
  type ApiVersion,
  type BuildpackDescriptor,
  type BuildpackId,
  type BuildpackVersion,
  escapeId,
  inferTargets,
  isComposite,
  parseBuildpackDescriptor,
  requireBuildpackApi,
  type Target,
} from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";
import type { BuildPaths } from "./paths.js";
import { readFileInside } from "./safe-fs.js";

/** A buildpack as the lifecycle uses it: its descriptor and where it lives. */
export interface Buildpack {
  id: BuildpackId;
  version: BuildpackVersion;
  /** Its Buildpack API, checked to be supported (CNB-1). */
  api: ApiVersion;
  descriptor: BuildpackDescriptor;
  /** The buildpack's directory on the host and as buildpacks see it (CNB_BUILDPACK_DIR). */
  dir: { host: string; sandbox: string };
  /** The targets it runs on (CNB-4): declared, or inferred from stacks and bin/. Empty: any. */
  targets: Target[];
  /** `<name> <version>`, the title of its section in the build log. */
  title: string;
}

export interface BuildpackStore {
  /** The buildpack `id@version`; fails when it is missing, malformed or of an unsupported API (exit 12). */
  lookup(id: string, version: string): Promise<Buildpack>;
}

export function buildpackKey(e: { id: string; version: string }): string {
  return `${e.id}@${e.version}`;
}

/** Buildpacks read from `paths.host.buildpacks`, each read once. */
export function dirStore(paths: BuildPaths): BuildpackStore {
  const cache = new Map<string, Promise<Buildpack>>();
  const load = async (id: string, version: string): Promise<Buildpack> => {
    const rel = join(escapeId(id), version);
    const host = join(paths.host.buildpacks, rel);
    const sandbox = posix.join(paths.sandbox.buildpacks, escapeId(id), version);
    const shown = `${sandbox}/buildpack.toml`;
    const text = await readFileInside(paths.host.buildpacks, join(host, "buildpack.toml"), shown);
    if (text === undefined) {
      throw new PaketoError("LIFECYCLE_BUILDPACK_NOT_FOUND", `buildpack ${id}@${version} not found: there is no ${shown}`, {
        hint: "the order names a buildpack the builder does not contain; check the builder's buildpacks and order",
      });
    }
    const descriptor = parseBuildpackDescriptor(text, shown);
    const info = descriptor.buildpack;
    if (info.id !== id || info.version !== version) {
      throw new PaketoError("LIFECYCLE_BUILDPACK_MISMATCH", `${shown} describes ${info.id}@${info.version}, not ${id}@${version}`);
    }
    const api = requireBuildpackApi(descriptor.api, shown);
    const bin = isComposite(descriptor) ? [] : await readdir(join(host, "bin")).catch(() => [] as string[]);
    return {
      id: info.id,
      version: info.version,
      api,
      descriptor,
      dir: { host, sandbox },
      targets: inferTargets(descriptor, bin),
      title: `${info.name ?? info.id} ${info.version}`,
    };
  };
  return {
    lookup(id, version) {
      const key = buildpackKey({ id, version });
      let p = cache.get(key);
      if (p === undefined) {
        p = load(id, version);
        cache.set(key, p);
      }
      return p;
    },
  };
}

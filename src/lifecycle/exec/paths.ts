// Where the build's directories are on the host and where buildpacks see them (CNB-27, CNB-44).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join, posix, relative, isAbsolute, sep } from "node:path";
import type { SandboxMode } from "../../sandbox/index.js";

/** The directories of one build. */
export interface BuildDirs {
  /** CNB_LAYERS_DIR */
  layers: string;
  /** CNB_APP_DIR: the app copy. */
  workspace: string;
  /** CNB_PLATFORM_DIR: env/ (user env) and bindings/ (service bindings). */
  platform: string;
  /** CNB_BUILDPACKS_DIR: `<escaped-id>/<version>/` per buildpack. */
  buildpacks: string;
  /** CNB_BUILD_CONFIG_DIR: env/ (operator env). */
  buildConfig: string;
}

/** The paths the image will have (the CNB defaults, CNB-27). */
export const SANDBOX_DIRS: Readonly<BuildDirs> = Object.freeze({
  layers: "/layers",
  workspace: "/workspace",
  platform: "/platform",
  buildpacks: "/cnb/buildpacks",
  buildConfig: "/cnb/build-config",
});

/**
 * The host ↔ sandbox path map of one build. With bubblewrap, buildpacks see the image's paths
 * (`/layers/<bp>/<layer>`, `/workspace`...), so absolute paths they write into env files are right
 * at launch. With `--sandbox none` the host paths are used as they are.
 */
export interface BuildPaths {
  readonly mode: SandboxMode;
  /** The build image's root filesystem on the host ("/" inside a container with --sandbox none). */
  readonly rootfs: string;
  /** Host paths. `tmp` holds per-run dirs (plan files), `home` the CNB user's writable HOME. */
  readonly host: Readonly<BuildDirs & { workDir: string; tmp: string; home: string }>;
  /** The paths buildpacks see. */
  readonly sandbox: Readonly<BuildDirs>;
  /** A host path as buildpacks see it. Throws for a path no bind or the rootfs covers. */
  toSandbox(hostPath: string): string;
  /** A path buildpacks see, on the host. */
  toHost(sandboxPath: string): string;
  /** Whether the buildpacks dir is bound from outside the rootfs (an override). */
  readonly buildpacksBound: boolean;
  readonly buildConfigBound: boolean;
}

function under(root: string, p: string): string | undefined {
  const rel = relative(root, p);
  if (rel === "") return "";
  if (rel.startsWith("..") || isAbsolute(rel)) return undefined;
  return rel;
}

/**
 * Paths of a build whose work dir holds `layers/`, `workspace/` and `platform/` (and, created as
 * needed, `tmp/` and `home/`). The buildpacks and the operator env come from the rootfs
 * (`<rootfs>/cnb/buildpacks`, `<rootfs>/cnb/build-config`) unless given: an override is bound
 * read-only at the CNB path.
 */
export function buildPaths(opts: {
  workDir: string;
  rootfs: string;
  mode: SandboxMode;
  buildpacksDir?: string;
  buildConfigDir?: string;
}): BuildPaths {
  const { workDir, rootfs, mode } = opts;
  const host = Object.freeze({
    workDir,
    layers: join(workDir, "layers"),
    workspace: join(workDir, "workspace"),
    platform: join(workDir, "platform"),
    buildpacks: opts.buildpacksDir ?? join(rootfs, SANDBOX_DIRS.buildpacks),
    buildConfig: opts.buildConfigDir ?? join(rootfs, SANDBOX_DIRS.buildConfig),
    tmp: join(workDir, "tmp"),
    home: join(workDir, "home"),
  });
  const sandbox = mode === "none" ? Object.freeze({ ...host }) : SANDBOX_DIRS;
  // Longest host prefix first, so /work/layers wins over a rootfs that contains it.
  const pairs: [string, string][] = [
    [host.layers, sandbox.layers],
    [host.workspace, sandbox.workspace],
    [host.platform, sandbox.platform],
    [host.buildpacks, sandbox.buildpacks],
    [host.buildConfig, sandbox.buildConfig],
    [host.tmp, mode === "none" ? host.tmp : "/tmp"],
  ];
  const byHost = [...pairs].sort((a, b) => b[0].length - a[0].length);
  const bySandbox = [...pairs].sort((a, b) => b[1].length - a[1].length);
  const toPosix = (rel: string) => rel.split(sep).join("/");
  return {
    mode,
    rootfs,
    host,
    sandbox,
    buildpacksBound: opts.buildpacksDir !== undefined,
    buildConfigBound: opts.buildConfigDir !== undefined,
    toSandbox(hostPath) {
      if (mode === "none") return hostPath;
      for (const [h, s] of byHost) {
        const rel = under(h, hostPath);
        if (rel !== undefined) return rel === "" ? s : posix.join(s, toPosix(rel));
      }
      const rel = under(rootfs, hostPath);
      if (rel !== undefined) return `/${toPosix(rel)}`;
      throw new Error(`internal: ${hostPath} is not visible in the sandbox`);
    },
    toHost(sandboxPath) {
      if (mode === "none") return sandboxPath;
      for (const [h, s] of bySandbox) {
        const rel = under(s, sandboxPath);
        if (rel !== undefined) return rel === "" ? h : join(h, rel);
      }
      return join(rootfs, sandboxPath);
    },
  };
}

/** A fresh directory for one process run (its plan file), visible in the sandbox at `sandbox`. */
export interface RunDir {
  host: string;
  sandbox: string;
  remove(): Promise<void>;
}

/** Creates a fresh per-run directory under `<work>/tmp` (bound at `/tmp/<name>` in the sandbox). */
export async function makeRunDir(paths: BuildPaths, prefix: string): Promise<RunDir> {
  await mkdir(paths.host.tmp, { recursive: true });
  const host = await mkdtemp(join(paths.host.tmp, `${prefix}.`));
  return { host, sandbox: paths.toSandbox(host), remove: () => rm(host, { recursive: true, force: true }) };
}

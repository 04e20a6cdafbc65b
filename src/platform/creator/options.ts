// What `paketo build` takes and gives (build.ts runs it, prepare.ts sets it up).
import { parseApiVersion } from "../../cnb/index.js";
import type { BuildLog } from "../../lifecycle/index.js";
import type { Image, OnProgress, Platform, transport } from "../../oci/index.js";
import type { SandboxNetwork } from "../../sandbox/index.js";
import type { PullPolicy } from "../distribution/index.js";
import type { WorkspaceFilter } from "./workspace.js";

/** The Platform API paketo speaks to buildpacks and records in images. */
export const PLATFORM_API = "0.13";
export const platformApi = parseApiVersion(PLATFORM_API, "platform API");

export interface BuildOptions {
  /** Where the image goes, in any transport syntax. */
  dest: string;
  appDir: string;
  /** The builder image; default: project.toml's `io.buildpacks.builder`. */
  builder?: string;
  runImage?: string;
  /** User env (`--env`, `--env-file`), written to /platform/env; wins over project.toml's. */
  env: Record<string, string>;
  /** Which app files reach /workspace; default: project.toml's include/exclude. */
  filter?: WorkspaceFilter;
  /**
   * `--buildpack` values, in order: the build runs exactly these as one group. Each is `ID` or
   * `ID@VERSION` of a builder buildpack, a folder, a .tgz, or a buildpackage image (any transport).
   * Default: project.toml's group, else the builder's order.
   */
  buildpacks?: readonly string[];
  /** Where relative `--buildpack` paths are resolved (the caller's working directory); default appDir. */
  cwd?: string;
  /** project.toml: a path; default `<appDir>/project.toml` when there is one; false: none. */
  descriptor?: string | false;
  /** Service bindings (CNB-71): name → folder with `type`, optional `provider`, and secret files. */
  bindings?: Readonly<Record<string, string>>;
  /** How buildpackage images are read (default "always", as pack). */
  pullPolicy?: PullPolicy;
  /**
   * Buildpacks' network: "on", a namespace of their own with outbound access only (the host's
   * loopback services out of reach); "off", none; "host", this machine's, loopback included.
   * With --sandbox none buildpacks share the network paketo runs in ("off" is refused).
   */
  network: SandboxNetwork;
  sandbox: "bwrap" | "none";
  /** Machine-wide cache root (its parts: cacheLayout in src/deps, docs/build.md). */
  cacheRoot: string;
  /** After the build, trim the cache to this many bytes when it holds more (PAKETO_CACHE_MAX); undefined: no trim. */
  cacheBudget?: number;
  /** The environment of the paketo process: npm configuration and extra CA files are read from it. */
  hostEnv: Readonly<Record<string, string | undefined>>;
  transport: transport.TransportOptions;
  log: BuildLog;
  onProgress?: OnProgress;
  /** Keep the work dir (for debugging). */
  keepWorkDir?: boolean;
  /** Build cache: a directory, or an image in any transport. Default: a directory per destination under cacheRoot (CNB-64). */
  cacheDir?: string;
  cacheImage?: string;
  /** Do not restore from the cache (it is still written afterwards). */
  clearCache?: boolean;
  /**
   * Settle a first build (`--settle`): run the next build at once, writing nothing, so the build
   * memo can answer the first rebuild with no change (docs/build.md). Costs one rebuild; default off.
   */
  settle?: boolean;
  /**
   * Run buildpacks on our buildpack API in one host process per phase (default true); false runs
   * every bin/detect and bin/build as its own process (docs/build.md, "Buildpack processes").
   */
  buildpackHost?: boolean;
  /**
   * The platform to build for (default: this machine's). Builders and run images that are indexes
   * give this platform's image; another architecture's buildpacks run under user-mode emulation.
   */
  platform?: Platform;
  /** The previous image, when it is not `dest` (one platform of a multi-platform build). */
  previousImage?: string;
  /** Never answer from, nor record in, the build memo (a platform of a multi-platform build). */
  noMemo?: boolean;
}

export interface BuildOutcome {
  digest: string;
  image: Image;
  stats: { created: number; reused: number };
  restored: { metadata: number; contents: number };
  /** What the provenance of a signed build records beyond the image (docs/signing.md). */
  inputs: {
    /** The builder, `NAME@DIGEST`. */
    builder: string;
    /** Hex SHA-256 of the app files the build saw (paths, kinds, permission bits, bytes: fs/tree-index.ts). */
    appDigest: string;
    /** Names of the user env (project.toml's and `--env`). */
    envNames: string[];
  };
}


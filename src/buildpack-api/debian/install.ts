// Debian packages into a buildpack layer (ARCHITECTURE.md D10), on deps/debian: the signed index,
// verified downloads and the shared cache that stacks use. See README.md.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { debian, type DepsError } from "../../deps/index.js";
import { entryKind, writeFileAtomic } from "../../fs/index.js";
import { reproducibleDate } from "../../oci/index.js";
import { debianPackageComponent, toCycloneDx, toSpdx, type SbomDocument } from "../../sbom/index.js";
import type { BuildContext } from "../context.js";
import { BuildpackError } from "../errors.js";
import { type LayerEnv, layerEnv } from "../layer-env.js";
import type { LayerRef } from "../layers.js";
import { s, type Infer } from "../schema.js";
import { buildImageList, type InstalledList, runImageList } from "./installed.js";
import { digestOf, parseRequest, pickVersion, suitesToLoad, type PackageRequest } from "./request.js";
import { addLinks, DEFAULT_EXCLUDE_PATHS, DEFAULT_KEEP_PATHS, fixLinks, nonEmptyDirs, removePaths, unpackDebs } from "./unpack.js";

/** Bumped when what the helper puts into a layer changes: every such layer is then made again. */
const FORMAT = 2;
/** A suite's signed index checked this recently is used without asking the mirror (npm's metadata max-age too). */
const RELEASE_MAX_AGE_MS = 5 * 60_000;

export interface DebianPackagesOptions {
  /** The layer to install into (cached; kept while the resolved packages and fix-ups are the same). */
  layer: string;
  /** Default false: set where later buildpacks run the packages' programs. */
  build?: boolean;
  /** Default true. */
  launch?: boolean;
  /** `nginx`, `nginx=1.26`, `python3.11/bookworm` or PackageRequest values. */
  packages: ReadonlyArray<string | PackageRequest>;
  /** Suites beyond the target release's own three, with a lower priority (`trixie-backports`, `bookworm`). */
  suites?: readonly string[];
  /** Packages never installed; dependencies only they could satisfy are left out (maintainer-script needs). */
  exclude?: readonly string[];
  /** Path globs left out, on top of DEFAULT_EXCLUDE_PATHS (`*` within a folder, `**` across). */
  excludePaths?: readonly string[];
  /** Path globs kept although an exclusion matches. */
  keepPaths?: readonly string[];
  /** Links to add, path in the layer → target, e.g. `{ "usr/sbin/httpd": "apache2" }` (what update-alternatives would do). */
  links?: Readonly<Record<string, string>>;
  /** Env beyond PATH and LD_LIBRARY_PATH, which the helper sets (see README). */
  env?: (env: LayerEnv, layer: { path: string; multiarch: string }) => LayerEnv;
}

/** Test seams and overrides; buildpacks pass nothing. */
export interface DebianDeps {
  fetch?: debian.FetchFn;
  verifier?: debian.SignatureVerifier | { unavailable: string };
  mirrors?: debian.Mirrors;
  decompressors?: debian.Decompressors;
  /** Where the build image's dpkg database is, when the platform names no run image list (default `/`). */
  root?: string;
}

const Metadata = s.object({ key: s.string(), packages: s.array(s.string()) });
export type DebianLayerMetadata = Infer<typeof Metadata>;

export interface DebianLayer {
  layer: LayerRef<DebianLayerMetadata>;
  path: string;
  /** `x86_64-linux-gnu`. */
  multiarch: string;
  /** What went into the layer, sorted by name. */
  packages: readonly debian.LockedPackage[];
  /** What the run image already had that the request needed (wanted packages included). */
  present: readonly debian.InstalledPackage[];
  /** True when the layer was kept from an earlier build: nothing was downloaded or unpacked. */
  reused: boolean;
  /** The version a package has, in the layer or on the run image. */
  version(name: string): string | undefined;
  /** Where `path` (an image path like `/usr/lib/nginx/modules`) is: in the layer when the layer has it, else the image path. */
  locate(path: string): Promise<string>;
  /** `base` plus this layer's env, for running its programs later in this build (`nginx -t`). */
  envFor(base: Readonly<Record<string, string>>): Record<string, string>;
}

interface Resolved {
  packages: debian.LockedPackage[];
  present: debian.InstalledPackage[];
  skipped: debian.SkippedDependency[];
  shadowed: debian.ShadowedPackage[];
}

/**
 * Installs Debian packages, and what they need that the run image lacks, into a cached layer:
 * resolved against the signed index, downloaded verified into the shared cache, unpacked with the
 * fix-ups, with PATH, LD_LIBRARY_PATH and a CycloneDX/SPDX SBOM. A rebuild with the same result
 * keeps the layer without downloading or unpacking anything.
 */
export async function installDebianPackages(ctx: BuildContext<unknown, unknown>, opts: DebianPackagesOptions, deps: DebianDeps = {}): Promise<DebianLayer> {
  const log = ctx.logger;
  const arch = ctx.target.arch;
  const distro = ctx.target.distro;
  if (distro && distro.name !== "debian") {
    throw new BuildpackError("BUILDPACK_DEBIAN", `the run image is ${distro.name} ${distro.version}: Debian packages can only be installed for Debian run images`, {
      hint: "use a Debian-based builder and run image, such as paketo's default",
    });
  }
  const codename = distro ? debian.codenameOf(distro.version) : debian.DEFAULT_CODENAME;
  if (!codename) throw new BuildpackError("BUILDPACK_DEBIAN", `unknown Debian version ${distro?.version} in the run image's target data (CNB_TARGET_DISTRO_VERSION)`);
  const multiarch = debian.multiarchOf(arch);
  if (!multiarch) throw new BuildpackError("BUILDPACK_DEBIAN", `architecture ${arch} has no Debian multiarch name`);
  const requests = opts.packages.map(parseRequest);
  const { suites, priority } = suitesToLoad(codename, opts.suites ?? [], requests);
  const cacheDir = debian.defaultCacheDir(ctx.env);
  const offline = ctx.env.PAKETO_OFFLINE === "true";
  const http: debian.HttpOptions = { fetch: deps.fetch ?? fetch };
  let mirrors: debian.Mirrors | undefined = deps.mirrors;
  const getMirrors = async () => (mirrors ??= await debian.findMirrors(ctx.env, deps.root ?? "/"));
  const archive = async (): Promise<debian.ArchiveOptions> => ({
    suites,
    architecture: arch,
    mirrors: await getMirrors(),
    cacheDir,
    http,
    releaseMaxAgeMs: RELEASE_MAX_AGE_MS,
    offline,
    requireSignature: true,
    logger: { warn: (m) => log.warning(m) },
    ...(deps.verifier ? { verifier: deps.verifier } : {}),
    ...(deps.decompressors ? { decompressors: deps.decompressors } : {}),
  });

  // A build-only layer never reaches the run image: what the build image has is enough.
  // The list stands in the resolution's key by its text's digest: it is parsed only when the
  // resolution is not cached (or a version is asked for that only it has).
  const installed: InstalledList = opts.launch === false ? await buildImageList(deps.root ?? "/") : await runImageList(ctx.env, log, deps.root ?? "/");
  const releases = await debian.fetchReleases(await archive());
  const request = {
    format: FORMAT,
    arch,
    suites: suites.map((s) => ({ s, p: priority(s) })),
    requests,
    exclude: [...(opts.exclude ?? [])].sort(),
    installed: installed.digest,
    releases: releases.map((r) => r.id),
  };
  const resolutionFile = join(cacheDir, "resolution", `${digestOf(request)}.json`);
  let resolved = await readJson<Resolved>(resolutionFile);
  if (!resolved) {
    log.subprocess(`Resolving ${requests.map(show).join(", ")} against ${suites.join(", ")} (${arch})`);
    const index = await debian.loadPackageIndex(await archive(), releases);
    const wanted = requests.map((r) => (r.version !== undefined || r.suite ? `${r.name}=${pickVersion(index, r, priority).version}` : r.name));
    const r = debian.resolve(index, wanted, { installed: withProvides(installed.packages(), index), priority, exclude: opts.exclude ?? [], onExcluded: "skip" });
    resolved = { packages: debian.lockPackages(r.packages), present: r.present, skipped: r.skipped, shadowed: r.shadowed };
    await writeJson(resolutionFile, resolved);
  }
  for (const sh of resolved.shadowed) {
    if (sh.name === "libc6") {
      throw new BuildpackError("BUILDPACK_DEBIAN", `${sh.requiredBy} needs libc6 ${sh.selected}, the run image has ${sh.installed}`, {
        hint: "the C library cannot come from a layer: use a newer run image, or ask for an older version of the package",
      });
    }
  }

  const fixups = { excludePaths: opts.excludePaths ?? [], keepPaths: opts.keepPaths ?? [], links: opts.links ?? {} };
  const key = digestOf({ format: FORMAT, arch, packages: resolved.packages.map((p) => [p.name, p.version, p.architecture, p.sha256]), fixups });
  const names = resolved.packages.map((p) => `${p.name}=${p.version}`);
  const layer = await ctx.layers.cached(opts.layer, {
    build: opts.build ?? false,
    launch: opts.launch ?? true,
    metadata: Metadata,
    onRestored: (m) => (m.key === key ? "keep" : { rebuild: "the resolved Debian packages or their fix-ups changed" }),
  });
  const reused = layer.state.kind === "restored";
  if (reused) {
    log.process(`Reusing cached layer ${layer.path}`);
  } else {
    log.process(`Installing ${resolved.packages.length} Debian package(s) into ${layer.path}`);
    if (resolved.present.length) log.subprocess(`already on ${installed.source}: ${resolved.present.map((p) => p.name).join(", ")}`);
    for (const sk of resolved.skipped) log.debug.subprocess(`left out ${sk.dependency} (needed by ${sk.requiredBy}; excluded)`);
    for (const sh of resolved.shadowed) log.subprocess(`${sh.name}: the run image has ${sh.installed}, ${sh.requiredBy} needs more: ${sh.selected} goes into the layer`);
    let debs: debian.CachedPackage[];
    try {
      debs = await debian.fetchPackages(resolved.packages, {
        cacheDir,
        http,
        offline,
        ...(resolved.packages.length ? { mirrors: await getMirrors() } : {}),
      });
    } catch (e) {
      if (e instanceof debian.HttpStatusError && e.status === 404) {
        // The index moved on since the resolution was cached: forget it, so the next build resolves again.
        await rmQuiet(resolutionFile);
        throw new BuildpackError("BUILDPACK_DEBIAN", `a Debian package is no longer on the mirror: ${(e as DepsError).message}`, { cause: e, hint: "build again: the index is read afresh" });
      }
      throw e;
    }
    const downloaded = debs.filter((d) => d.downloaded);
    if (downloaded.length) log.subprocess(`downloaded ${downloaded.length} (${(downloaded.reduce((n, d) => n + d.pkg.size, 0) / 1e6).toFixed(1)} MB), ${debs.length - downloaded.length} from the cache`);
    const include = debian.pathFilter([...DEFAULT_EXCLUDE_PATHS, ...fixups.excludePaths], [...DEFAULT_KEEP_PATHS, ...fixups.keepPaths]);
    await unpackDebs(layer.path, debs, { include, ...(deps.decompressors ? { decompressors: deps.decompressors } : {}) });
    await removePaths(layer.path, fixups.excludePaths, fixups.keepPaths);
    await addLinks(layer.path, fixups.links);
    await fixLinks(layer.path);
    for (const n of names) log.detail(n);
    await layer.write({ key, packages: names });
  }

  const scope = opts.build && (opts.launch ?? true) ? "all" : opts.build ? "build" : "launch";
  let env = layerEnv();
  const bins = await nonEmptyDirs(layer.path, ["usr/sbin", "usr/bin"]);
  if (bins.length) env = env.prepend("PATH", bins.map((b) => join(layer.path, b)).join(":"), { delim: ":", scope });
  const libs = await nonEmptyDirs(layer.path, [`usr/lib/${multiarch}`]);
  if (libs.length) env = env.prepend("LD_LIBRARY_PATH", libs.map((b) => join(layer.path, b)).join(":"), { delim: ":", scope });
  if (opts.env) env = opts.env(env, { path: layer.path, multiarch });
  await layer.writeEnv(env);
  if (ctx.env.BP_DISABLE_SBOM !== "true") await writeSbom(ctx, layer, resolved.packages, distro ? `debian-${distro.version}` : codename);

  const inLayer = new Map(resolved.packages.map((p) => [p.name, p]));
  let present: Map<string, debian.InstalledPackage> | undefined;
  return {
    layer,
    path: layer.path,
    multiarch,
    packages: resolved.packages,
    present: resolved.present,
    reused,
    version: (name) => inLayer.get(name)?.version ?? (present ??= new Map(installed.packages().map((p) => [p.name, p]))).get(name)?.version,
    locate: async (p) => {
      const rel = p.replace(/^\/+/, "");
      return (await entryKind(join(layer.path, rel))) === "missing" ? `/${rel}` : join(layer.path, rel);
    },
    envFor: (base) => env.apply(base, scope === "launch" ? "launch" : "build"),
  };
}

/**
 * Installed packages listed without their Provides (a run image's SBOM names packages, not what
 * they provide) get the index's: of the same version, else of the name's newest.
 */
function withProvides(pkgs: readonly debian.InstalledPackage[], index: debian.PackageIndex): debian.InstalledPackage[] {
  return pkgs.map((p) => {
    if (p.provides !== undefined) return p;
    const versions = index.versions(p.name);
    const provides = (versions.find((v) => v.version === p.version) ?? versions[0])?.provides;
    return provides ? { ...p, provides } : p;
  });
}

function show(r: PackageRequest): string {
  return `${r.name}${r.suite ? `/${r.suite}` : ""}${r.version !== undefined ? ` ${r.version}` : ""}`;
}

async function writeSbom(ctx: BuildContext<unknown, unknown>, layer: LayerRef<DebianLayerMetadata>, pkgs: readonly debian.LockedPackage[], distro: string): Promise<void> {
  const doc: SbomDocument = {
    name: layer.name,
    timestamp: reproducibleDate(ctx.env.SOURCE_DATE_EPOCH),
    tool: { name: ctx.buildpack.id, version: ctx.buildpack.version },
    components: pkgs.map((p) => debianPackageComponent(p, { vendor: "debian", distro })),
  };
  const files: { format: "cyclonedx" | "spdx"; content: string }[] = [];
  if (ctx.buildpack.sbomFormats.includes("application/vnd.cyclonedx+json")) files.push({ format: "cyclonedx", content: toCycloneDx(doc) });
  if (ctx.buildpack.sbomFormats.includes("application/spdx+json")) files.push({ format: "spdx", content: toSpdx(doc) });
  if (files.length) await layer.writeSbom(...files);
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value));
}

async function rmQuiet(file: string): Promise<void> {
  await rm(file, { force: true });
}

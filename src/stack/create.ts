// Creating a stack's images: lock (read, or resolve against the signed index) → layers by content
// identity (cached, or: fetch verified .debs → unpack → effects → reproducible layer) → images.
import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { debian } from "../deps/index.js";
import { type Image, layer, noProgress, type OnProgress } from "../oci/index.js";
import { diffEntries, readLayerIndex } from "./diff.js";
import { applyEffects } from "./effects/index.js";
import { StackError } from "./errors.js";
import { stackImage } from "./image.js";
import { type CachedLayer, LayerCache, layerKey } from "./layer-cache.js";
import type { LockedFlavor, StackLock } from "./lockfile.js";
import { Rootfs, toLayerEntry } from "./staging-rootfs.js";
import { buildSbomLayer, sbomDocument } from "./sbom-layer.js";
import { fetchDebs, lockFor } from "./sources.js";
import { FLAVORS, type FlavorName, type StackDefinition } from "./stack-file.js";
import { unpackPackages } from "./unpack.js";

export interface CreateStackOptions {
  def: StackDefinition;
  /** The lockfile to read (it is never written here: see writeLockFile). */
  lockPath: string;
  arch: string;
  /** Which images to make (default: all three). */
  flavors?: readonly FlavorName[];
  /** Re-resolve against the archive's current index instead of reading the lock. */
  update?: boolean;
  /** The Debian archive; default: the machine's apt sources, read only when the network is needed. */
  mirrors?: debian.Mirrors;
  /** Root whose etc/apt/sources.list* name the archive (default "/"). */
  aptRoot?: string;
  http: debian.HttpOptions;
  /** The shared, content-addressed .deb and index cache. */
  debCacheDir: string;
  /** Where built layers are kept by content identity. */
  layerCacheDir: string;
  /** Staging root filesystems go in a fresh folder below this (default: layerCacheDir/tmp). */
  workDir?: string;
  sourceDateEpoch?: number;
  verifier?: debian.ArchiveOptions["verifier"];
  requireSignature?: boolean;
  /** This machine's architecture (Debian name); the ld.so cache is made only for it. */
  hostArch?: string;
  /**
   * Whether the build image's own ldconfig can run here (default: only for the host's
   * architecture). True for another architecture when its programs run under user-mode emulation.
   */
  ldconfig?: boolean;
  bwrap?: string;
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

export interface CreatedStack {
  images: Partial<Record<FlavorName, Image>>;
  /** The lock the images were made from: the file's, or a new one when resolved. */
  lock: StackLock;
  /** True when packages were resolved (the lockfile should be written). */
  resolved: boolean;
  packages: Record<FlavorName, debian.LockedPackage[]>;
  /** What was done, for reports and tests. */
  work: { downloaded: number; unpacked: FlavorName[]; built: string[]; reused: string[] };
}

/** Debian's name for this machine's architecture. */
export function debianArch(nodeArch: string): string {
  return ({ x64: "amd64", arm64: "arm64", ia32: "i386", ppc64: "ppc64el", s390x: "s390x", riscv64: "riscv64" } as Record<string, string>)[nodeArch] ?? nodeArch;
}

type LayerId = "os-base" | "os-tiny" | "toolchain" | "sbom-build" | "sbom-base" | "sbom-tiny";

const LAYERS_OF: Record<FlavorName, LayerId[]> = {
  build: ["os-base", "toolchain", "sbom-build"],
  base: ["os-base", "sbom-base"],
  tiny: ["os-tiny", "sbom-tiny"],
};

export async function createStack(opts: CreateStackOptions): Promise<CreatedStack> {
  const { def, arch } = opts;
  const progress = opts.onProgress ?? noProgress;
  const say = (text: string) => progress({ kind: "message", text });
  const flavors = opts.flavors ?? FLAVORS;
  if (!def.distro.architectures.includes(arch)) {
    throw new StackError("STACK_FILE", `the stack ${def.name} is not defined for ${arch}`, { hint: `its architectures are ${def.distro.architectures.join(", ")}` });
  }
  const { lock, resolved } = await lockFor(opts, say);
  const section = lock.architectures[arch] as Record<FlavorName, LockedFlavor>;
  const packages = { build: section.build.packages, base: section.base.packages, tiny: section.tiny.packages };

  // Content identity of every layer: what its bytes depend on, nothing else.
  const native = opts.ldconfig ?? arch === (opts.hostArch ?? debianArch(process.arch));
  const settings = contentSettings(def);
  const pins = (ps: readonly debian.LockedPackage[]) => ps.map((p) => [p.name, p.version, p.architecture, p.sha256]);
  const sde = opts.sourceDateEpoch ?? null;
  const osKey = (f: "base" | "tiny") => layerKey({ role: "os", flavor: f, arch, packages: pins(packages[f]), settings, excludePaths: def.flavors[f].excludePaths, sde });
  const keys: Record<LayerId, string> = {
    "os-base": osKey("base"),
    "os-tiny": osKey("tiny"),
    toolchain: layerKey({ role: "toolchain", arch, below: osKey("base"), packages: pins(packages.build), settings, excludePaths: def.flavors.build.excludePaths, ldconfig: native, sde }),
    "sbom-build": sbomKey(def, "build", arch, packages.build, sde),
    "sbom-base": sbomKey(def, "base", arch, packages.base, sde),
    "sbom-tiny": sbomKey(def, "tiny", arch, packages.tiny, sde),
  };
  const needed = [...new Set(flavors.flatMap((f) => LAYERS_OF[f]))];
  const cache = new LayerCache(opts.layerCacheDir);
  const layers = new Map<LayerId, CachedLayer>();
  const work: CreatedStack["work"] = { downloaded: 0, unpacked: [], built: [], reused: [] };
  for (const id of needed) {
    const hit = await cache.get(keys[id]);
    if (hit) {
      layers.set(id, hit);
      work.reused.push(id);
    }
  }

  // Root filesystems to assemble for the layers the cache does not have.
  const roots = new Set<FlavorName>();
  if (needed.includes("os-base") && !layers.has("os-base")) roots.add("base");
  if (needed.includes("os-tiny") && !layers.has("os-tiny")) roots.add("tiny");
  if (needed.includes("toolchain") && !layers.has("toolchain")) roots.add("build");

  if (roots.size > 0) {
    const workDir = join(opts.workDir ?? join(opts.layerCacheDir, "tmp"), `stack-${randomUUID()}`);
    await mkdir(workDir, { recursive: true });
    try {
      const fetched = await fetchDebs(opts, [...roots].flatMap((f) => packages[f]), say);
      const debs = fetched.debs;
      work.downloaded = fetched.downloaded;
      const assemble = async (flavor: FlavorName): Promise<Rootfs> => {
        const root = new Rootfs(join(workDir, flavor));
        const mine = packages[flavor].map((p) => debs.get(p.sha256) as debian.CachedPackage);
        const include = debian.pathFilter([...def.paths.exclude, ...def.flavors[flavor].excludePaths], def.paths.keep);
        const t0 = performance.now();
        await unpackPackages(root, mine, { include, scratchDir: join(workDir, `${flavor}.unpack`), ...(opts.signal ? { signal: opts.signal } : {}) });
        await applyEffects(root, {
          def,
          flavor,
          user: flavor === "build" ? def.user.build : def.user.run,
          ldconfig: native,
          ...(opts.bwrap ? { bwrap: opts.bwrap } : {}),
          ...(opts.signal ? { signal: opts.signal } : {}),
          warn: (m) => say(`warning: ${m}`),
        });
        work.unpacked.push(flavor);
        say(`${flavor} root filesystem: ${mine.length} packages unpacked, maintainer-script effects applied (${seconds(t0)})`);
        return root;
      };
      const layerOpts = (outputDir: string, label: string): layer.LayerOptions => ({
        outputDir,
        label,
        keepSpecialBits: true,
        onProgress: progress,
        ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      const osLayer = async (flavor: "base" | "tiny"): Promise<CachedLayer> => {
        const root = await assemble(flavor);
        const id: LayerId = flavor === "base" ? "os-base" : "os-tiny";
        const t0 = performance.now();
        const built = await cache.put(keys[id], (out) => layer.layerFromFiles(root.entries().map(toLayerEntry), layerOpts(out, `${flavor} OS layer`)));
        say(`${flavor} OS layer ${built.record.digest.slice(7, 19)}: ${mb(built.record.size)} (${seconds(t0)})`);
        work.built.push(id);
        layers.set(id, built);
        return built;
      };
      const tasks: Array<Promise<unknown>> = [];
      const base = roots.has("base") ? osLayer("base") : Promise.resolve(layers.get("os-base"));
      tasks.push(base);
      if (roots.has("tiny")) tasks.push(osLayer("tiny"));
      if (roots.has("build")) {
        tasks.push(
          (async () => {
            const root = await assemble("build");
            const below = await base;
            if (!below) throw new Error("internal: the base OS layer is missing");
            const t0 = performance.now();
            const entries = diffEntries(root.entries(), await readLayerIndex(below));
            const built = await cache.put(keys.toolchain, (out) => layer.layerFromFiles(entries, layerOpts(out, "toolchain layer")));
            say(`build toolchain layer ${built.record.digest.slice(7, 19)}: ${mb(built.record.size)} (${seconds(t0)})`);
            work.built.push("toolchain");
            layers.set("toolchain", built);
          })(),
        );
      }
      const results = await Promise.allSettled(tasks);
      const failed = results.find((r) => r.status === "rejected");
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  }

  for (const f of FLAVORS) {
    const id = `sbom-${f}` as LayerId;
    if (!needed.includes(id) || layers.has(id)) continue;
    const doc = sbomDocument(def, f, arch, packages[f], opts.sourceDateEpoch);
    layers.set(id, await cache.put(keys[id], (out) => buildSbomLayer(doc, { outputDir: out, ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}) })));
    work.built.push(id);
  }

  const images: Partial<Record<FlavorName, Image>> = {};
  const describe: Record<LayerId, string> = {
    "os-base": `paketo stack ${def.name}: ${packages.base.length} Debian packages (base)`,
    "os-tiny": `paketo stack ${def.name}: ${packages.tiny.length} Debian packages (tiny)`,
    toolchain: `paketo stack ${def.name}: ${packages.build.length - packages.base.length} Debian packages (build toolchain)`,
    "sbom-build": "paketo stack: OS package SBOM (/cnb/sbom)",
    "sbom-base": "paketo stack: OS package SBOM (/cnb/sbom)",
    "sbom-tiny": "paketo stack: OS package SBOM (/cnb/sbom)",
  };
  for (const f of flavors) {
    const ids = LAYERS_OF[f];
    const sbom = layers.get(`sbom-${f}` as LayerId) as CachedLayer;
    images[f] = stackImage(
      { def, flavor: f, arch, sbomDiffId: sbom.record.diffId, packages: packages[f].length, ...(opts.sourceDateEpoch !== undefined ? { sourceDateEpoch: opts.sourceDateEpoch } : {}) },
      ids.map((id) => ({ layer: layers.get(id) as CachedLayer, createdBy: describe[id] })),
    );
  }
  return { images, lock, resolved, packages, work };
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Everything in the stack file that changes the bytes of an OS layer (labels do not). */
function contentSettings(def: StackDefinition): unknown {
  return { distro: def.distro, user: def.user, paths: def.paths, files: def.files, links: def.links, dirs: def.dirs, alternatives: def.alternatives };
}

function sbomKey(def: StackDefinition, flavor: FlavorName, arch: string, pkgs: readonly debian.LockedPackage[], sde: number | null): string {
  return layerKey({ role: "sbom", flavor, arch, id: def.id, distro: def.distro, f: def.flavors[flavor], packages: pkgs, sde });
}

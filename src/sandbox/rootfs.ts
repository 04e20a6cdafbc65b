import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { extract as tarExtract } from "tar-stream";
import { dirname, join } from "node:path";
import { createHash } from "node:crypto";
import { exists, tempPath } from "../fs/index.js";
import { digestHex, extract, type Image, type Layer } from "../oci/index.js";
import { SandboxError } from "./errors.js";

/** Directories a build sandbox binds onto: they must exist in the read-only root. */
export const BUILD_MOUNT_POINTS = ["dev", "proc", "tmp", "workspace", "layers", "platform", "cnb/buildpacks", "cnb/build-config"] as const;
/** Files the sandbox binds from the host when the network is on. */
export const BUILD_MOUNT_FILES = ["etc/resolv.conf", "etc/hosts"] as const;

/**
 * The root filesystem of an image, extracted once per stack of layers under `cacheDir` and reused by
 * every later build. Extraction goes to a temp folder renamed into place at the end, so a killed
 * process never leaves a half-extracted root behind, and two processes racing simply share the
 * winner's copy.
 */
export interface RootfsOptions {
  cacheDir: string;
  mountPoints?: readonly string[];
  mountFiles?: readonly string[];
  /** Bounds on what the image's layers may expand to (default: extract.DEFAULT_LIMITS). */
  limits?: extract.ExtractLimits;
}

export async function prepareRootfs(image: Image, opts: RootfsOptions): Promise<string> {
  // Keyed by the layers, not the image: a build image and every builder's base part share one copy.
  // The key is the diffIDs the config claims; each layer's tar is checked against its diffID
  // while it is extracted, and the tree is published under the key only when all matched.
  const layers = await image.layers();
  const key = await chainKey(layers);
  return extractOnce(opts.cacheDir, key, await image.digest(), layers, {
    mountPoints: opts.mountPoints ?? BUILD_MOUNT_POINTS,
    mountFiles: opts.mountFiles ?? BUILD_MOUNT_FILES,
    limits: opts.limits ?? extract.DEFAULT_LIMITS,
  });
}

/** The cache key of a stack of layers: their diffIDs in order. */
async function chainKey(layers: readonly Layer[]): Promise<string> {
  const chain = createHash("sha256");
  for (const l of layers) chain.update(`${await l.diffId()}\n`);
  return `base-${chain.digest("hex")}`;
}

/** A builder's file system in two parts (see prepareBuilderRootfs). */
export interface SplitRootfs {
  /** The build image's layers: the sandbox's read-only `/`, shared by every builder on that build image. */
  root: string;
  /** The builder's own layers, extracted on their own: `<top>/cnb/buildpacks`, `<top>/cnb/lifecycle`, ... */
  top: string;
}

/**
 * A builder's root filesystem as the build image's layers (keyed by their diffIDs, so builders on
 * one stack share one extraction) plus the builder's own layers in a small folder of their own
 * (keyed by the builder's digest). The builder's own layers are the run of layers at the top that
 * hold nothing outside /cnb but directories and links into /cnb (builder create and pack both add
 * theirs there; such directories and links are left out of the sandbox, which binds its own).
 * Returns undefined when there is no such split: then the caller extracts the whole image with
 * prepareRootfs.
 */
export async function prepareBuilderRootfs(image: Image, opts: RootfsOptions): Promise<SplitRootfs | undefined> {
  const digest = await image.digest();
  const top = join(opts.cacheDir, `top-${digestHex(digest)}`);
  const limits = opts.limits ?? extract.DEFAULT_LIMITS;
  const mounts = { mountPoints: opts.mountPoints ?? BUILD_MOUNT_POINTS, mountFiles: opts.mountFiles ?? BUILD_MOUNT_FILES, limits };
  // The warm path: the top records which base it goes with.
  const known = await readFile(join(top, BASE_FILE), "utf8").catch(() => undefined);
  if (known !== undefined && (await exists(join(top, MARKER))) && (await exists(join(opts.cacheDir, known.trim(), MARKER)))) {
    const root = await extractOnce(opts.cacheDir, known.trim(), "", [], mounts);
    return { root, top };
  }
  const layers = await image.layers();
  let split = layers.length;
  while (split > 0 && (await onlyCnbLayer(layers[split - 1] as Layer))) split--;
  if (split === 0 || split === layers.length) return undefined;
  const baseKey = await chainKey(layers.slice(0, split));
  const root = await extractOnce(opts.cacheDir, baseKey, `${digest} (its first ${split} layers)`, layers.slice(0, split), mounts);
  await extractOnce(opts.cacheDir, `top-${digestHex(digest)}`, digest, layers.slice(split), { mountPoints: [], mountFiles: [], limits, extra: { [BASE_FILE]: `${baseKey}\n` } });
  return { root, top };
}

const BASE_FILE = ".paketo-base";

/** True when a layer's tar holds nothing outside cnb/ but directories; stops at the first entry that says otherwise. */
async function onlyCnbLayer(layer: Layer): Promise<boolean> {
  const stream = await layer.uncompressed();
  const ex = tarExtract();
  let only = true;
  await new Promise<void>((done, fail) => {
    ex.on("entry", (header, body, next) => {
      const name = header.name.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
      // Directories (/workspace, /layers, /platform) and links into /cnb (pack's /lifecycle) do not count.
      const intoCnb = header.type === "symlink" && /^\/?cnb(\/|$)/.test(header.linkname ?? "");
      if (!(name === "cnb" || name.startsWith("cnb/") || header.type === "directory" || intoCnb)) {
        only = false;
        stream.destroy();
        ex.destroy();
        done();
        return;
      }
      body.on("end", next);
      body.resume();
    });
    ex.on("finish", done);
    ex.on("error", (e) => (only ? fail(e) : done()));
    stream.on("error", (e) => (only ? fail(e) : done()));
    stream.pipe(ex);
  });
  return only;
}

const MARKER = ".paketo-rootfs";

async function extractOnce(
  cacheDir: string,
  key: string,
  what: string,
  layers: readonly Layer[],
  opts: { mountPoints: readonly string[]; mountFiles: readonly string[]; limits: extract.ExtractLimits; extra?: Record<string, string> },
): Promise<string> {
  const dest = join(cacheDir, key);
  if (await exists(join(dest, MARKER))) {
    // A root extracted for an older paketo may lack a mount point added since: empty dirs, harmless.
    for (const d of opts.mountPoints) await mkdir(join(dest, d), { recursive: true });
    return dest;
  }
  await mkdir(cacheDir, { recursive: true });
  const tmp = tempPath(cacheDir);
  try {
    await mkdir(tmp);
    const budget = new extract.ExtractBudget(opts.limits.maxImageBytes, `the root filesystem of image ${what}`);
    const { maxRatio, minFreeBytes } = opts.limits;
    for (const layer of layers) {
      await extract.extractLayer(layer, tmp, { parentSymlinks: "inside", devices: "skip", ownership: "ignore", budget, maxRatio, minFreeBytes });
    }
    for (const d of opts.mountPoints) await mkdir(join(tmp, d), { recursive: true });
    for (const f of opts.mountFiles) {
      if (!(await exists(join(tmp, f)))) {
        await mkdir(dirname(join(tmp, f)), { recursive: true });
        await writeFile(join(tmp, f), "");
      }
    }
    for (const [name, text] of Object.entries(opts.extra ?? {})) await writeFile(join(tmp, name), text);
    await writeFile(join(tmp, MARKER), `${what}\n`);
    try {
      await rename(tmp, dest);
    } catch (e) {
      // Another process finished first: use its copy.
      if (await exists(join(dest, MARKER))) {
        await rm(tmp, { recursive: true, force: true });
        return dest;
      }
      // A leftover without the marker (a crash mid-rename cannot happen, but a hand-made folder can).
      await rm(dest, { recursive: true, force: true });
      await rename(tmp, dest);
    }
    return dest;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw new SandboxError("SANDBOX_ROOTFS", `extracting the root filesystem of image ${what}`, { cause: e });
  }
}

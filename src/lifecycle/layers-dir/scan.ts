// Reads what the build left in the layers dir (the CNB on-disk contract) with the cnb codecs:
// `<layers>/<bp>/<layer>.toml` + `<layer>/`, `store.toml`, `<layers>/config/metadata.toml`,
// `<layers>/group.toml`, `<layers>/project-metadata.toml`.
import { join, posix } from "node:path";
import { readlink } from "node:fs/promises";
import {
  type BuildMetadata,
  escapeId,
  type GroupEntry,
  type LayerTypes,
  parseBuildMetadata,
  parseGroupToml,
  parseLayerMetadata,
  parseLayerName,
  parseProjectMetadataToml,
  parseStoreToml,
  type ProjectMetadata,
  type Table,
} from "../../cnb/index.js";
import { PaketoError } from "../../errors/index.js";
import { UnphasedError } from "../errors.js";
import { kindOf, listDir, readSpecFile } from "./files.js";

/** A `<layer>.toml` and what is next to it. */
export interface ScannedLayer {
  name: string;
  types: LayerTypes;
  /** `[metadata]` of the toml. */
  metadata: Table;
  /** `dir`: the layer has contents. `symlink`: the layer path is a symlink inside the layers dir (exported as one). */
  contents: "dir" | "symlink" | "none";
  /** The layer folder on the host. */
  path: string;
}

export interface ScannedBuildpack {
  entry: GroupEntry;
  /** `<layers>/<escaped-id>` on the host. */
  dir: string;
  layers: ScannedLayer[];
  /** store.toml `[metadata]`, if the buildpack wrote one. */
  store?: Table;
}

/** Files of `<layers>/<bp>/` that are `.toml` but not layers (CNB-12). */
const NOT_LAYERS = new Set(["launch.toml", "build.toml", "store.toml"]);

/** Wraps a codec error so that it is an export error naming the file. */
function specError(e: unknown, what: string): never {
  if (e instanceof UnphasedError) throw e;
  if (e instanceof PaketoError) throw new UnphasedError("LAYERS_DIR", e.message, { cause: e, ...(e.hint ? { hint: e.hint } : {}) });
  throw new UnphasedError("LAYERS_DIR", `cannot read ${what}: ${(e as Error).message}`, { cause: e });
}

export async function readGroup(path: string): Promise<GroupEntry[]> {
  const text = await readSpecFile(path);
  if (text === undefined) throw new UnphasedError("LAYERS_DIR", `${path} is missing`, { hint: "run detect first: it writes group.toml" });
  try {
    return parseGroupToml(text, path).group;
  } catch (e) {
    return specError(e, path);
  }
}

export async function readBuildMetadata(layersDir: string): Promise<BuildMetadata> {
  const path = join(layersDir, "config", "metadata.toml");
  const text = await readSpecFile(path);
  if (text === undefined) throw new UnphasedError("LAYERS_DIR", `${path} is missing`, { hint: "run build first: it writes config/metadata.toml" });
  try {
    return parseBuildMetadata(text, path);
  } catch (e) {
    return specError(e, path);
  }
}

export async function readProjectMetadata(path: string): Promise<ProjectMetadata> {
  const text = await readSpecFile(path);
  if (text === undefined) return {};
  try {
    return parseProjectMetadataToml(text, path);
  } catch (e) {
    return specError(e, path);
  }
}

/**
 * Every buildpack's layers as their tomls say. A layer whose toml is malformed fails the export
 * (as in the reference), a layer folder that is a symlink pointing out of the layers dir too
 * (`imageLayersDir` is where the layers dir is in the build's view, `/layers`).
 */
export async function scanBuildpacks(layersDir: string, group: readonly GroupEntry[], imageLayersDir = "/layers"): Promise<ScannedBuildpack[]> {
  const out: ScannedBuildpack[] = [];
  for (const entry of group) {
    const escaped = escapeId(entry.id);
    const dir = join(layersDir, escaped);
    const kind = await kindOf(dir);
    if (kind === "symlink" || kind === "file" || kind === "other") {
      throw new UnphasedError("LAYER_SYMLINK", `${dir} is not a directory`, { hint: "the layers dir of a buildpack must be a plain directory" });
    }
    const bp: ScannedBuildpack = { entry, dir, layers: [] };
    const storeText = await readSpecFile(join(dir, "store.toml"));
    if (storeText !== undefined) {
      try {
        bp.store = parseStoreToml(storeText, join(dir, "store.toml")).metadata;
      } catch (e) {
        specError(e, join(dir, "store.toml"));
      }
    }
    for (const file of await listDir(dir)) {
      if (!file.endsWith(".toml") || NOT_LAYERS.has(file)) continue;
      const tomlPath = join(dir, file);
      if ((await kindOf(tomlPath)) === "dir") continue;
      const name = file.slice(0, -".toml".length);
      try {
        parseLayerName(name, tomlPath);
      } catch (e) {
        specError(e, tomlPath);
      }
      const text = (await readSpecFile(tomlPath)) as string;
      let parsed;
      try {
        parsed = parseLayerMetadata(text, tomlPath);
      } catch (e) {
        specError(e, tomlPath);
      }
      const path = join(dir, name);
      const k = await kindOf(path);
      let contents: ScannedLayer["contents"];
      if (k === "dir") contents = "dir";
      else if (k === "missing") contents = "none";
      else if (k === "symlink") {
        await checkLayerSymlink(path, layersDir, join(imageLayersDir, escaped));
        contents = "symlink";
      } else throw new UnphasedError("LAYER_SYMLINK", `layer ${entry.id}:${name} at ${path} is not a directory`);
      bp.layers.push({ name, types: parsed.types ?? { launch: false, build: false, cache: false }, metadata: parsed.metadata, contents, path });
    }
    out.push(bp);
  }
  return out;
}

/**
 * A layer that is a symlink is exported as that symlink (as the reference does), but only when it
 * points inside the layers dir: in the build's view (`/layers/...`) or the host's. A link out of
 * it (to the host's files) is refused.
 */
async function checkLayerSymlink(path: string, hostLayersDir: string, imageBpDir: string): Promise<void> {
  const target = await readlink(path);
  const inside = (root: string, base: string) => {
    const resolved = posix.resolve(base, target);
    const r = posix.resolve(root);
    return resolved.startsWith(`${r}/`);
  };
  const imageLayersDir = posix.dirname(imageBpDir);
  const hostBpDir = posix.dirname(path);
  if (inside(imageLayersDir, imageBpDir) || inside(hostLayersDir, hostBpDir)) return;
  throw new UnphasedError("LAYER_SYMLINK", `layer ${path} is a symlink to ${target}, outside the layers dir`, {
    hint: "a layer must be a directory inside the layers dir; the lifecycle never exports files from elsewhere",
  });
}

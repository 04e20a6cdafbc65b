import type { ConfigFile, History, RunConfig } from "../config.js";
import { OciError } from "../errors.js";
import type { Descriptor } from "../descriptor.js";
import type { Image, ImageIndex, Layer } from "../image.js";
import { serializeIndexManifest } from "../manifest.js";
import { MediaType } from "../media-type.js";
import { toImageIndex } from "../partial/index.js";
import type { Platform } from "../platform.js";
import { derive, imageFromComputedParts, partsOf } from "./parts.js";

export { derive, imageFromComputedParts, partsOf, type Parts } from "./parts.js";

/** A layer to append, with the history entry that describes it. */
export interface Addendum {
  layer: Layer;
  history?: History;
  /** Extra annotations for the layer's descriptor. */
  annotations?: Record<string, string>;
}

/** Appends layers (and a history entry per layer) to an image. */
export function appendLayers(base: Image, ...addenda: Array<Layer | Addendum>): Image {
  return derive(base, async (p) => {
    for (const a of addenda) {
      const add: Addendum = "layer" in a ? a : { layer: a };
      let layer = add.layer;
      if (add.annotations) {
        const inner = layer;
        const annotations = add.annotations;
        layer = {
          ...inner,
          descriptor: async () => {
            const d = inner.descriptor
              ? await inner.descriptor()
              : { mediaType: await inner.mediaType(), digest: await inner.digest(), size: await inner.size() };
            return { ...d, annotations: { ...d.annotations, ...annotations } };
          },
        };
      }
      p.layers.push(layer);
      p.config.rootfs.diff_ids.push(await layer.diffId());
      p.config.history = [...(p.config.history ?? []), { created: p.config.created, ...add.history }];
    }
    return p;
  });
}

/** Replaces the config by what `fn` returns (given a copy). rootfs must be left alone. */
export function withConfigFile(base: Image, fn: (c: ConfigFile) => ConfigFile): Image {
  return derive(base, (p) => {
    const before = JSON.stringify(p.config.rootfs);
    const config = fn(p.config);
    if (JSON.stringify(config.rootfs) !== before) {
      throw new OciError("OCI_INVALID_CONFIG", "withConfigFile may not change rootfs; use appendLayers or rebase");
    }
    return { ...p, config };
  });
}

/** Changes the runtime config (`config` field). */
export function withRunConfig(base: Image, fn: (c: RunConfig) => RunConfig): Image {
  return withConfigFile(base, (c) => ({ ...c, config: fn(c.config ?? {}) }));
}

/** Merges labels; a label set to undefined is removed. */
export function withLabels(base: Image, labels: Record<string, string | undefined>): Image {
  return withRunConfig(base, (rc) => {
    const merged: Record<string, string> = { ...rc.Labels };
    for (const [k, v] of Object.entries(labels)) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    return { ...rc, Labels: merged };
  });
}

/** Sets environment variables, replacing existing ones of the same name and keeping their order. */
export function withEnv(base: Image, env: Record<string, string>): Image {
  return withRunConfig(base, (rc) => {
    const out = [...(rc.Env ?? [])];
    for (const [k, v] of Object.entries(env)) {
      const i = out.findIndex((e) => e.split("=")[0] === k);
      if (i >= 0) out[i] = `${k}=${v}`;
      else out.push(`${k}=${v}`);
    }
    return { ...rc, Env: out };
  });
}

export function withEntrypoint(base: Image, entrypoint: string[] | null, cmd?: string[] | null): Image {
  return withRunConfig(base, (rc) => {
    const out: RunConfig = { ...rc, Entrypoint: entrypoint };
    if (cmd !== undefined) out.Cmd = cmd;
    return out;
  });
}

export function withUser(base: Image, user: string): Image {
  return withRunConfig(base, (rc) => ({ ...rc, User: user }));
}

export function withWorkingDir(base: Image, dir: string): Image {
  return withRunConfig(base, (rc) => ({ ...rc, WorkingDir: dir }));
}

/** Sets the config's created time; with `history`, every history entry's too. */
export function withCreatedAt(base: Image, when: Date, opts: { history?: boolean } = {}): Image {
  const created = when.toISOString().replace(/\.000Z$/, "Z");
  return withConfigFile(base, (c) => ({
    ...c,
    created,
    history: opts.history ? c.history?.map((h) => ({ ...h, created })) : c.history,
  }));
}

/** Sets manifest annotations (undefined removes one). */
export function withManifestAnnotations(base: Image, ann: Record<string, string | undefined>): Image {
  return derive(base, (p) => {
    const merged: Record<string, string> = { ...p.manifest.annotations };
    for (const [k, v] of Object.entries(ann)) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    p.manifest.annotations = merged;
    return p;
  });
}

/** Re-expresses the manifest in OCI or Docker v2.2 media types (config and layer types follow). */
export function withManifestFormat(base: Image, format: "oci" | "docker"): Image {
  return derive(base, (p) => {
    p.manifest.mediaType = format === "docker" ? MediaType.DockerManifest : MediaType.OciManifest;
    if (format === "docker") {
      delete p.manifest.annotations;
      delete p.manifest.artifactType;
      delete p.manifest.subject;
    }
    return p;
  });
}

/** Sets architecture / os / variant in the config. */
export function withPlatform(base: Image, p: { architecture: string; os: string; variant?: string }): Image {
  return withConfigFile(base, (c) => {
    const out: ConfigFile = { ...c, architecture: p.architecture, os: p.os };
    if (p.variant) out.variant = p.variant;
    else delete out.variant;
    return out;
  });
}

/**
 * Moves `orig` from `oldBase` onto `newBase`: the layers of `oldBase` at the bottom of `orig` are
 * replaced by those of `newBase`; the layers above and the runtime config stay as they are.
 * Only metadata is rewritten; no layer is read.
 */
export function rebase(orig: Image, oldBase: Image, newBase: Image): Image {
  return imageFromComputedParts(async () => {
    const [o, ob, nb] = await Promise.all([partsOf(orig), partsOf(oldBase), partsOf(newBase)]);
    const oldIds = ob.config.rootfs.diff_ids;
    const origIds = o.config.rootfs.diff_ids;
    if (oldIds.length > origIds.length || oldIds.some((d, i) => origIds[i] !== d)) {
      throw new OciError("OCI_INVALID_CONFIG", "cannot rebase: the image is not based on the given old base image", {
        hint: "the old base's layers must be the bottom layers of the image",
      });
    }
    const keep = o.layers.slice(oldIds.length);
    const oldHistoryLen = (ob.config.history ?? []).filter((h) => !h.empty_layer).length;
    const origHistory = o.config.history ?? [];
    // Drop the history entries that describe the old base's layers (count non-empty ones).
    let seen = 0;
    let cut = 0;
    while (cut < origHistory.length && seen < oldHistoryLen) {
      if (!origHistory[cut]?.empty_layer) seen++;
      cut++;
    }
    const config: ConfigFile = {
      ...o.config,
      architecture: nb.config.architecture,
      os: nb.config.os,
      rootfs: { type: "layers", diff_ids: [...nb.config.rootfs.diff_ids, ...origIds.slice(oldIds.length)] },
      history: [...(nb.config.history ?? []), ...origHistory.slice(cut)],
    };
    if (nb.config.variant) config.variant = nb.config.variant;
    else delete config.variant;
    return { manifest: o.manifest, config, layers: [...nb.layers, ...keep] };
  });
}

/**
 * An OCI image index of `entries`, each listed with its platform, in the order given. Its images
 * are the ones passed (sinks write their blobs as they are); no nested indexes.
 */
export async function imageIndexOf(entries: ReadonlyArray<{ image: Image; platform: Platform }>): Promise<ImageIndex> {
  const byDigest = new Map<string, Image>();
  const manifests: Descriptor[] = [];
  for (const { image, platform } of entries) {
    const digest = await image.digest();
    byDigest.set(digest, image);
    manifests.push({ mediaType: await image.mediaType(), digest, size: (await image.rawManifest()).length, platform });
  }
  const raw = serializeIndexManifest({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests });
  return toImageIndex({
    rawManifest: async () => raw,
    image: async (d) => {
      const img = byDigest.get(d.digest);
      if (!img) throw new OciError("OCI_IMAGE_NOT_FOUND", `index has no image ${d.digest}`);
      return img;
    },
    imageIndex: async (d) => {
      throw new OciError("OCI_IMAGE_NOT_FOUND", `index has no nested index ${d.digest}`);
    },
  });
}

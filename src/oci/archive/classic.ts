import { type Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { type ConfigFile, parseConfigFile } from "../config.js";
import type { Descriptor } from "../descriptor.js";
import { type Digest, DigestingStream, sha256, VerifyingStream } from "../digest.js";
import { OciError } from "../errors.js";
import type { Image, Layer } from "../image.js";
import { type Manifest, serializeManifest } from "../manifest.js";
import { MediaType } from "../media-type.js";
import { once } from "../memo.js";
import { imageFromParts, layerTar } from "../partial/index.js";
import { verified } from "../layout/index.js";
import type { TarMember } from "./tar.js";
import type { TarFile } from "./tar-source.js";

/** gzip level for layers stored uncompressed in the archive. zlib is deterministic: same bytes in, same bytes out. */
const GZIP_LEVEL = 6;

type Stored = "gzip" | "zstd" | "tar";

async function storedAs(tar: TarFile, m: TarMember): Promise<Stored> {
  const head = await tar.read({ offset: m.offset, size: Math.min(4, m.size) }, 4, "a layer's first bytes");
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "tar";
}

const discard = () => new Writable({ write: (_c, _e, cb) => cb() });

const gzip = (s: Readable): Readable => {
  const z = createGzip({ level: GZIP_LEVEL });
  s.on("error", (e) => z.destroy(e));
  return s.pipe(z);
};

/**
 * One layer of a classic docker-save archive (`<id>/layer.tar`, or `<hex>.tar` as skopeo writes).
 * Registries and OCI layouts want compressed layers, so a layer stored as a plain tar is
 * presented gzip-compressed: its digest is computed once (compressing while the diffID is
 * checked), and the compressed bytes are produced again on the fly when read, verified against
 * that digest. No temp files; gzip is deterministic, and a mismatch would be an error, never
 * silently different bytes.
 */
async function classicLayer(tar: TarFile, what: string, path: string, m: TarMember, diffId: Digest, docker: boolean): Promise<Layer> {
  const stored = await storedAs(tar, m);
  const label = `${what}: layer ${path}`;
  const checkDiffId = () => new VerifyingStream(diffId, undefined, `${label} (uncompressed, against the config's diff_id)`);
  const dig = new DigestingStream();
  try {
    const src = await tar.open(m);
    if (stored === "tar") {
      const checkTar = new VerifyingStream(diffId, m.size, `${label} (against the config's diff_id)`);
      await pipeline(src, checkTar, createGzip({ level: GZIP_LEVEL }), dig, discard());
    } else if (stored === "gzip") {
      await pipeline(src, dig, createGunzip(), checkDiffId(), discard());
    } else {
      await pipeline(src, dig, discard()); // zstd: the diff_id is checked when read
    }
  } catch (e) {
    if (e instanceof OciError) throw e;
    throw new OciError("OCI_ARCHIVE", `${label} cannot be read`, { cause: e });
  }
  const mediaType =
    stored === "zstd" ? MediaType.OciLayerZstd : docker ? MediaType.DockerLayer : MediaType.OciLayerGzip;
  const d: Descriptor = { mediaType, digest: dig.digest, size: dig.size };
  const compressed = async () => verified(stored === "tar" ? gzip(await tar.open(m)) : await tar.open(m), d, label);
  const uncompressed = async (): Promise<Readable> => {
    if (stored === "tar") return verified(await tar.open(m), { digest: diffId, size: m.size }, label);
    return layerTar(mediaType, await compressed(), { digest: d.digest, diffId, source: what });
  };
  return {
    digest: () => Promise.resolve(d.digest),
    diffId: () => Promise.resolve(diffId),
    size: () => Promise.resolve(d.size),
    mediaType: () => Promise.resolve(mediaType),
    compressed,
    uncompressed,
    descriptor: () => Promise.resolve(d),
  };
}

/**
 * The image of a classic docker-save archive entry, which has no manifest: one is synthesised
 * (Docker v2.2; OCI if a layer is zstd), with layer digests computed lazily and once.
 */
export function classicImage(tar: TarFile, what: string, rawConfig: Uint8Array, layerPaths: string[]): Image {
  const configFile = once(async (): Promise<ConfigFile> => parseConfigFile(rawConfig, `${what} config`));
  const built = once(async () => {
    const config = await configFile();
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== layerPaths.length) {
      throw new OciError("OCI_ARCHIVE", `${what}: manifest.json lists ${layerPaths.length} layers but the config has ${diffIds.length} diff_ids`);
    }
    const members = layerPaths.map((p) => {
      const m = tar.index.get(p);
      if (!m) throw new OciError("OCI_ARCHIVE", `${what}: layer ${p} named in manifest.json is not in the archive`);
      return m;
    });
    const kinds = await Promise.all(members.map((m) => storedAs(tar, m)));
    const docker = !kinds.includes("zstd");
    const layers: Layer[] = new Array(members.length);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < members.length; i = next++) {
        layers[i] = await classicLayer(tar, what, layerPaths[i] as string, members[i] as TarMember, diffIds[i] as Digest, docker);
      }
    };
    await Promise.all([worker(), worker(), worker()]);
    const manifest: Manifest = {
      schemaVersion: 2,
      mediaType: docker ? MediaType.DockerManifest : MediaType.OciManifest,
      config: { mediaType: docker ? MediaType.DockerConfig : MediaType.OciConfig, digest: sha256(rawConfig), size: rawConfig.length },
      layers: await Promise.all(layers.map(async (l) => (await l.descriptor?.()) as Descriptor)),
    };
    const rawManifest = serializeManifest(manifest);
    return { manifest, rawManifest, digest: sha256(rawManifest), layers };
  });
  return imageFromParts({
    mediaType: async () => (await built()).manifest.mediaType,
    rawManifest: async () => (await built()).rawManifest,
    manifest: async () => structuredClone((await built()).manifest),
    digest: async () => (await built()).digest,
    rawConfigFile: () => Promise.resolve(rawConfig),
    configFile: async () => structuredClone(await configFile()),
    layers: async () => (await built()).layers,
  });
}

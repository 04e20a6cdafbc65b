import type { Descriptor } from "../descriptor.js";
import { type Digest, digestHex, isDigest, sha256 } from "../digest.js";
import { OciError } from "../errors.js";
import type { Image } from "../image.js";
import { parseManifest } from "../manifest.js";
import { isImageManifestMediaType, isIndexMediaType } from "../media-type.js";
import {
  artifactBlobs,
  blobRelPath,
  imageFromSource,
  indexEntry,
  INDEX_FILE,
  type IndexEntry,
  parseIndexFile,
  REF_NAME,
} from "../layout/index.js";
import type { OnProgress } from "../progress.js";
import { normalizeImageName, tagName } from "../store/index.js";
import { classicImage } from "./classic.js";
import { blobMembers, layoutMembers } from "./oci-archive.js";
import { writeTarAtomic } from "./tar-file.js";
import { openTar, type TarFile, tarBlobSource } from "./tar-source.js";

/** One entry of a docker archive's manifest.json. */
interface DockerManifestEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

const CONTAINERD_NAME = "io.containerd.image.name";

export interface WriteDockerArchiveOptions {
  /** `NAME:TAG`s the image is loaded as (`docker load`, `podman load`). */
  repoTags?: string[];
  onProgress?: OnProgress;
}

/**
 * Writes an image as `docker save` (Docker 25 and later) does, which is at the same time an OCI
 * layout: manifest.json for `docker load` / `podman load`, plus oci-layout, index.json and every
 * blob under blobs/sha256/ (layers stored compressed as they are, the config, and the image's own
 * manifest). Reading it back finds that manifest, so the digest survives the round trip.
 */
export async function writeDockerArchive(file: string, img: Image, opts: WriteDockerArchiveOptions = {}): Promise<Descriptor> {
  const repoTags = (opts.repoTags ?? []).map((t) => {
    const n = normalizeImageName(t).name;
    if (!n) throw new OciError("OCI_INVALID_REFERENCE", `docker archives name images NAME:TAG; ${JSON.stringify(t)} has no tag`);
    return n;
  });
  const { root, blobs } = await artifactBlobs({ kind: "image", image: img });
  const m = await img.manifest();
  const manifestJson: DockerManifestEntry[] = [
    { Config: blobRelPath(m.config.digest), RepoTags: repoTags, Layers: m.layers.map((l) => blobRelPath(l.digest)) },
  ];
  const entries: IndexEntry[] = repoTags.length
    ? repoTags.map((t) => {
        const e = indexEntry(root);
        const annotations = { [CONTAINERD_NAME]: qualified(t), [REF_NAME]: t.slice(t.lastIndexOf(":") + 1) };
        return { descriptor: { ...e.descriptor, annotations }, raw: { ...e.raw, annotations } };
      })
    : [indexEntry(root)];
  await writeTarAtomic(
    file,
    [
      ...layoutMembers(entries),
      { name: "manifest.json", type: "file", bytes: Buffer.from(`${JSON.stringify(manifestJson)}\n`) },
      ...blobMembers(blobs),
    ],
    opts.onProgress,
  );
  return root;
}

/** `myapp:1` → `docker.io/library/myapp:1`, as docker writes io.containerd.image.name. */
function qualified(name: string): string {
  const first = name.split("/")[0] ?? "";
  if (name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost")) return name;
  return name.includes("/") ? `docker.io/${name}` : `docker.io/library/${name}`;
}

export interface ReadDockerArchiveOptions {
  /** The RepoTag to read (`NAME:TAG`); needed when the archive holds several images. */
  name?: string;
  /** Or the position of the image in manifest.json (containers/image's `@N`). */
  index?: number;
}

const MAX_MANIFEST_JSON = 16 * 1024 * 1024;

/**
 * Reads an image from a docker archive (`docker save`, `podman save`, `skopeo copy
 * docker-archive:`) without extracting it. When the archive is also an OCI layout holding the
 * image's manifest (what writeDockerArchive and Docker 25+ write), that exact manifest is used.
 * Otherwise (classic archives) a manifest is synthesised, with uncompressed layers presented
 * gzip-compressed (see classic.ts).
 */
export async function readDockerArchive(file: string, opts: ReadDockerArchiveOptions = {}): Promise<Image> {
  const what = `docker-archive ${file}`;
  const tar = await openTar(file, what);
  const mj = tar.index.get("manifest.json");
  if (!mj) {
    throw new OciError("OCI_ARCHIVE", `${what} has no manifest.json, so it is not a docker archive`, {
      hint: tar.index.has("oci-layout") ? "it looks like an OCI archive: use oci-archive:" : undefined,
    });
  }
  const entry = selectImage(parseManifestJson(await tar.read(mj, MAX_MANIFEST_JSON, "manifest.json"), what), opts, what);
  const configMember = tar.index.get(entry.Config);
  if (!configMember) throw new OciError("OCI_ARCHIVE", `${what}: config ${entry.Config} named in manifest.json is not in the archive`);
  const rawConfig = await tar.read(configMember, MAX_MANIFEST_JSON, `config ${entry.Config}`);
  const configDigest = sha256(rawConfig);
  const named = digestNamedBy(entry.Config);
  if (named && named !== digestHex(configDigest)) {
    throw new OciError("OCI_DIGEST_MISMATCH", `${what}: config ${entry.Config} has digest ${configDigest}`);
  }
  const own = await ownManifest(tar, what, configDigest, entry);
  if (own) return imageFromSource(tarBlobSource(tar, what), own);
  return classicImage(tar, what, rawConfig, entry.Layers);
}

/** The hex digest a content-addressed member name carries (`blobs/sha256/<hex>`, `<hex>.json`). */
function digestNamedBy(path: string): string | undefined {
  const m = /(?:^|\/)([a-f0-9]{64})(?:\.json)?$/.exec(path);
  return m?.[1];
}

function parseManifestJson(bytes: Buffer, what: string): DockerManifestEntry[] {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString("utf8"));
  } catch (e) {
    throw new OciError("OCI_ARCHIVE", `${what}: manifest.json is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(v) || v.length === 0) throw new OciError("OCI_ARCHIVE", `${what}: manifest.json lists no images`);
  return v.map((e: unknown, i) => {
    const o = e as Partial<DockerManifestEntry> | null;
    if (!o || typeof o.Config !== "string" || !Array.isArray(o.Layers) || !o.Layers.every((l) => typeof l === "string")) {
      throw new OciError("OCI_ARCHIVE", `${what}: manifest.json entry ${i} needs Config and Layers`);
    }
    const repoTags = Array.isArray(o.RepoTags) ? o.RepoTags.filter((t): t is string => typeof t === "string") : [];
    return { Config: o.Config, RepoTags: repoTags, Layers: o.Layers };
  });
}

function selectImage(entries: DockerManifestEntry[], opts: ReadDockerArchiveOptions, what: string): DockerManifestEntry {
  const listing = () =>
    entries.map((e, i) => `@${i}${e.RepoTags?.length ? ` (${e.RepoTags.join(", ")})` : ""}`).join(", ");
  if (opts.index !== undefined) {
    const e = entries[opts.index];
    if (!e) throw new OciError("OCI_IMAGE_NOT_FOUND", `${what} has no image @${opts.index}`, { hint: `images there: ${listing()}` });
    return e;
  }
  if (opts.name !== undefined) {
    const want = tagName(opts.name) ?? opts.name;
    const hits = entries.filter((e) => (e.RepoTags ?? []).some((t) => t === opts.name || (tagName(t) ?? t) === want));
    if (hits.length === 0) {
      throw new OciError("OCI_IMAGE_NOT_FOUND", `${what} has no image named ${JSON.stringify(opts.name)}`, { hint: `images there: ${listing()}` });
    }
    return hits[0] as DockerManifestEntry;
  }
  if (entries.length === 1) return entries[0] as DockerManifestEntry;
  throw new OciError("OCI_IMAGE_NOT_FOUND", `${what} holds ${entries.length} images; say which one`, {
    hint: `write docker-archive:FILE:NAME:TAG or :@N; images there: ${listing()}`,
  });
}

/**
 * The image's own manifest, when the archive is also an OCI layout that holds it: an image
 * manifest reachable from index.json whose config is this entry's config and whose blobs are all
 * in the archive.
 */
async function ownManifest(tar: TarFile, what: string, configDigest: Digest, entry: DockerManifestEntry): Promise<Descriptor | undefined> {
  const idx = tar.index.get(INDEX_FILE);
  if (!idx || idx.size > MAX_MANIFEST_JSON) return undefined;
  let roots: Descriptor[];
  try {
    roots = parseIndexFile(await tar.read(idx, MAX_MANIFEST_JSON, INDEX_FILE), `${what} ${INDEX_FILE}`).entries.map((e) => e.descriptor);
  } catch {
    return undefined; // a broken index.json: manifest.json alone still describes the image
  }
  const source = tarBlobSource(tar, what);
  const seen = new Set<string>();
  const visit = async (d: Descriptor, depth: number): Promise<Descriptor | undefined> => {
    if (seen.has(d.digest) || depth > 4 || !tar.index.has(blobRelPath(d.digest))) return undefined;
    seen.add(d.digest);
    if (isIndexMediaType(d.mediaType)) {
      const { entries } = parseIndexFile(await source.bytes(d), `${what} index ${d.digest}`);
      for (const e of entries) {
        const hit = await visit(e.descriptor, depth + 1);
        if (hit) return hit;
      }
      return undefined;
    }
    if (!isImageManifestMediaType(d.mediaType)) return undefined;
    const m = parseManifest(await source.bytes(d), `${what} manifest ${d.digest}`);
    const complete = m.layers.length === entry.Layers.length && m.layers.every((l) => tar.index.has(blobRelPath(l.digest)));
    return m.config.digest === configDigest && complete ? d : undefined;
  };
  for (const r of roots) {
    if (!isDigest(r.digest)) continue;
    const hit = await visit(r, 0);
    if (hit) return hit;
  }
  return undefined;
}

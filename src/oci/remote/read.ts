import { Readable } from "node:stream";
import type { Descriptor } from "../descriptor.js";
import { type Digest, isDigest, parseDigest, sha256, VerifyingStream, verifyBytes } from "../digest.js";
import { OciError } from "../errors.js";
import type { Artifact, Image, ImageIndex } from "../image.js";
import { MAX_MANIFEST_BYTES, sniffMediaType } from "../manifest.js";
import { isImageManifestMediaType, isIndexMediaType, MediaType } from "../media-type.js";
import { chain, toImage, toImageIndex } from "../partial/index.js";
import { formatPlatform, ociArchitecture, type Platform, platformMatches } from "../platform.js";
import { parseReference, type Reference, type Repository } from "../ref/index.js";
import { discard, header, type Res, RegistryClient } from "./client.js";
import { destroyBody, isRetryableNetworkError, networkCode, RegistryError, shortDigest } from "./errors.js";
import { type RemoteOptions, resolveOptions } from "./options.js";
import { ProgressStream } from "./progress.js";
import { backoffDelay, sleep } from "./retry.js";

/** What remote functions accept as a reference: parsed, or a string to parse. */
export type RefInput = Reference | string;

export function toReference(r: RefInput): Reference {
  return typeof r === "string" ? parseReference(r) : r;
}

/** Manifest types we ask for, OCI first. */
export const MANIFEST_ACCEPT = [MediaType.OciManifest, MediaType.OciIndex, MediaType.DockerManifest, MediaType.DockerManifestList].join(", ");

interface Fetched {
  raw: Buffer;
  mediaType: string;
  digest: Digest;
}

function manifestPath(repository: string, id: string): string {
  return `/v2/${repository}/manifests/${id}`;
}

/** Reads a body of at most `limit` bytes, refusing (not truncating) a bigger one. */
async function readBounded(body: Readable, limit: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    const b = c as Buffer;
    n += b.length;
    if (n > limit) {
      destroyBody(body);
      throw new OciError("OCI_LIMIT_EXCEEDED", `${what}: more than the ${limit} byte limit for manifests`);
    }
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * GETs a manifest and checks it: by digest always; by tag against Docker-Content-Digest when the
 * registry sends one. Refuses manifests over MAX_MANIFEST_BYTES before reading them.
 */
async function fetchManifest(client: RegistryClient, ref: Reference): Promise<Fetched> {
  const what = `reading manifest of ${ref}`;
  let res: Res;
  let raw: Buffer;
  // A manifest is small: a body that breaks off is simply asked for again.
  for (let failures = 0; ; ) {
    res = await client.request({
      method: "GET",
      path: manifestPath(ref.repository, ref.identifier()),
      headers: { accept: MANIFEST_ACCEPT },
      what,
      expect: [200],
      notFound: "manifest",
    });
    const length = Number(header(res, "content-length") ?? NaN);
    if (length > MAX_MANIFEST_BYTES) {
      destroyBody(res.body);
      throw new OciError("OCI_LIMIT_EXCEEDED", `${what}: the manifest is ${length} bytes, over the ${MAX_MANIFEST_BYTES} byte limit`);
    }
    try {
      raw = await readBounded(res.body, MAX_MANIFEST_BYTES, what);
      break;
    } catch (e) {
      if (e instanceof OciError) throw e;
      if (client.o.signal?.aborted || !isRetryableNetworkError(e) || ++failures >= client.o.maxAttempts) {
        throw brokenBody(client, what, e, undefined, failures);
      }
      await sleep(backoffDelay(failures, client.o.backoff), client.o.signal);
    }
  }
  const reported = header(res, "docker-content-digest");
  let digest: Digest;
  if (ref.digest) {
    verifyBytes(raw, ref.digest, `manifest of ${ref}`);
    digest = ref.digest;
  } else if (reported && isDigest(reported)) {
    verifyBytes(raw, reported, `manifest of ${ref} (registry said ${shortDigest(reported)})`);
    digest = reported;
  } else {
    digest = sha256(raw);
  }
  const contentType = header(res, "content-type")?.split(";")[0]?.trim();
  return { raw, mediaType: sniffMediaType(raw, contentType), digest };
}

/**
 * Opens a blob of the client's repository, streamed through a digest-and-size check. A body that
 * breaks off (a reset connection, or no data for the idle timeout) is resumed where it stopped
 * with a `Range` request, up to `maxAttempts` tries in all; a registry that ignores the range
 * sends the whole blob again and the bytes already had are skipped.
 */
function openBlob(client: RegistryClient, d: Descriptor): Promise<Readable> {
  const repo = `${client.registry}/${client.repository}`;
  const what = `reading blob ${shortDigest(d.digest)} of ${repo}`;
  const o = client.o;
  const onProgress = o.onProgress;
  const get = (from: number) =>
    client.request({
      method: "GET",
      path: `/v2/${client.repository}/blobs/${d.digest}`,
      ...(from > 0 ? { headers: { range: `bytes=${from}-` } } : {}),
      what,
      expect: from > 0 ? [200, 206] : [200],
      notFound: "blob",
    });
  return (async () => {
    const first = await get(0);
    onProgress({ kind: "blob-start", op: "download", digest: d.digest, total: d.size });
    async function* bytes(): AsyncGenerator<Buffer> {
      let res: Res = first;
      let received = 0;
      let skip = 0;
      let failures = 0;
      try {
        for (;;) {
          try {
            for await (const c of res.body) {
              let chunk = c as Buffer;
              if (skip > 0) {
                const drop = Math.min(skip, chunk.length);
                skip -= drop;
                chunk = chunk.subarray(drop);
                if (chunk.length === 0) continue;
              }
              received += chunk.length;
              yield chunk;
            }
            return;
          } catch (e) {
            destroyBody(res.body);
            if (o.signal?.aborted || e instanceof OciError) throw e;
            if (!isRetryableNetworkError(e) || ++failures >= o.maxAttempts) throw brokenBody(client, what, e, { received, total: d.size }, failures);
            await sleep(backoffDelay(failures, o.backoff), o.signal);
            res = await get(received);
            skip = res.status === 206 ? rangeStart(res, received, what, client.registry) : received;
          }
        }
      } finally {
        if (!res.body.destroyed) destroyBody(res.body);
      }
    }
    const progress = new ProgressStream(onProgress, "download", d.digest, d.size);
    const verify = new VerifyingStream(d.digest, d.size, `blob ${d.digest} of ${repo}`);
    verify.on("end", () => onProgress({ kind: "blob-done", op: "download", digest: d.digest, total: d.size, result: "transferred" }));
    return chain([Readable.from(bytes(), { objectMode: false }), progress, verify]);
  })();
}

/** Checks a 206 answer starts where we asked; returns how many bytes of it to skip (none). */
function rangeStart(res: Res, from: number, what: string, registry: string): number {
  const m = /^bytes (\d+)-/.exec(header(res, "content-range") ?? "");
  if (m && Number(m[1]) === from) return 0;
  destroyBody(res.body);
  throw new RegistryError("OCI_REGISTRY", `${what}: asked to resume at byte ${from}, the registry answered ${JSON.stringify(header(res, "content-range") ?? "")}`, { status: 206, registry });
}

/** The registry answered, then its transfer broke off each time: say so, and how far it got. */
function brokenBody(client: RegistryClient, what: string, e: unknown, at: { received: number; total: number } | undefined, tries: number): RegistryError {
  const stalled = networkCode(e) === "UND_ERR_BODY_TIMEOUT";
  const idle = client.o.timeouts.bodyMs;
  const how = stalled ? `the download stalled (no data for ${idle >= 1000 ? `${Math.round(idle / 1000)} s` : `${idle} ms`})` : "the connection broke off";
  const err = new RegistryError(
    "OCI_REGISTRY",
    `${what}: ${how}${at ? ` after ${at.received} of ${at.total} bytes` : ""}${tries > 1 ? `, ${tries} tries in all` : ""}`,
    { registry: client.registry },
    { cause: e, hint: `${client.registry} answered but could not finish the transfer: try again later, or check any proxy between here and it` },
  );
  err.retryable = true;
  return err;
}

function remoteImage(client: RegistryClient, ref: Reference, f: Fetched): Image {
  if (!isImageManifestMediaType(f.mediaType)) {
    throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `${ref} is a ${f.mediaType}, not an image manifest`);
  }
  return toImage({
    rawManifest: () => Promise.resolve(f.raw),
    blob: (d) => openBlob(client, d),
    origin: { registry: client.registry, repository: client.repository },
    digest: f.digest,
    source: `${client.registry}/${client.repository}`,
  });
}

function remoteIndex(client: RegistryClient, ref: Reference, f: Fetched): ImageIndex {
  if (!isIndexMediaType(f.mediaType)) {
    throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `${ref} is a ${f.mediaType}, not an image index`);
  }
  const child = async (d: Descriptor) => {
    const childRef = ref.withDigest(d.digest);
    return { childRef, f: await fetchManifest(client, childRef) };
  };
  return toImageIndex({
    rawManifest: () => Promise.resolve(f.raw),
    digest: f.digest,
    source: `${client.registry}/${client.repository}`,
    image: async (d) => {
      const c = await child(d);
      return remoteImage(client, c.childRef, c.f);
    },
    imageIndex: async (d) => {
      const c = await child(d);
      return remoteIndex(client, c.childRef, c.f);
    },
  });
}

function readClient(ref: Repository, opts: RemoteOptions): RegistryClient {
  return new RegistryClient({ registry: ref.registry, repository: ref.repository }, resolveOptions(opts));
}

/** Reads what a reference names: an image or an index. Blobs are fetched lazily, and verified, as they are read. */
export async function read(r: RefInput, opts: RemoteOptions = {}): Promise<Artifact> {
  const ref = toReference(r);
  const client = readClient(ref, opts);
  const f = await fetchManifest(client, ref);
  if (isIndexMediaType(f.mediaType)) return { kind: "index", index: remoteIndex(client, ref, f) };
  return { kind: "image", image: remoteImage(client, ref, f) };
}

/** The platform image() picks by default: linux on this machine's architecture. */
export function defaultPlatform(): Platform {
  return { os: "linux", architecture: ociArchitecture(process.arch) };
}

const MAX_INDEX_DEPTH = 8;

/** Picks the image for a platform from an index (looking into nested indexes, at most 8 deep). */
export async function selectPlatform(idx: ImageIndex, want: Platform, what: string, depth = 0): Promise<Image | undefined> {
  if (depth > MAX_INDEX_DEPTH) {
    throw new OciError("OCI_LIMIT_EXCEEDED", `index ${await idx.digest()} of ${idx.source ?? what} nests indexes more than ${MAX_INDEX_DEPTH} deep`);
  }
  const m = await idx.indexManifest();
  for (const d of m.manifests) {
    if (isImageManifestMediaType(d.mediaType) && platformMatches(want, d.platform)) return idx.image(d.digest);
  }
  for (const d of m.manifests) {
    if (isIndexMediaType(d.mediaType)) {
      const found = await selectPlatform(await idx.imageIndex(d.digest), want, what, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** Reads an image; an index is resolved to its image for `opts.platform` (default: linux on this architecture). */
export async function image(r: RefInput, opts: RemoteOptions = {}): Promise<Image> {
  const ref = toReference(r);
  const a = await read(ref, opts);
  if (a.kind === "image") return a.image;
  const want = opts.platform ?? defaultPlatform();
  const img = await selectPlatform(a.index, want, String(ref));
  if (img) return img;
  const have = (await a.index.indexManifest()).manifests.filter((d) => d.platform).map((d) => formatPlatform(d.platform as Platform));
  throw new OciError("OCI_IMAGE_NOT_FOUND", `${ref} has no image for ${formatPlatform(want)}`, {
    hint: have.length ? `it has: ${[...new Set(have)].join(", ")}` : "the index names no platforms",
  });
}

/** Reads an index; fails if the reference names a single image. */
export async function index(r: RefInput, opts: RemoteOptions = {}): Promise<ImageIndex> {
  const ref = toReference(r);
  const a = await read(ref, opts);
  if (a.kind === "index") return a.index;
  throw new OciError("OCI_UNSUPPORTED_MEDIA_TYPE", `${ref} is an image, not an image index`);
}

/** HEADs a manifest: its descriptor (digest, media type, size) without downloading it. */
export async function head(r: RefInput, opts: RemoteOptions = {}): Promise<Descriptor> {
  const ref = toReference(r);
  const client = readClient(ref, opts);
  const res = await client.request({
    method: "HEAD",
    path: manifestPath(ref.repository, ref.identifier()),
    headers: { accept: MANIFEST_ACCEPT },
    what: `checking manifest of ${ref}`,
    expect: [200],
    notFound: "manifest",
  });
  await discard(res.body);
  const d = header(res, "docker-content-digest");
  const mediaType = header(res, "content-type")?.split(";")[0]?.trim();
  const size = Number(header(res, "content-length"));
  if (d && isDigest(d) && mediaType && Number.isSafeInteger(size)) {
    if (ref.digest && d !== ref.digest) {
      throw new OciError("OCI_DIGEST_MISMATCH", `${ref}: the registry reports digest ${d}`);
    }
    return { mediaType, digest: parseDigest(d), size };
  }
  // Not every registry sends the digest on HEAD: fetch the manifest instead.
  const f = await fetchManifest(client, ref);
  return { mediaType: f.mediaType, digest: f.digest, size: f.raw.length };
}

/** Does the reference exist? False for an unknown repository, tag or digest; other failures throw. */
export async function exists(r: RefInput, opts: RemoteOptions = {}): Promise<boolean> {
  try {
    await head(r, opts);
    return true;
  } catch (e) {
    if (e instanceof RegistryError && e.code === "OCI_IMAGE_NOT_FOUND") return false;
    throw e;
  }
}

/** Lists a repository's tags, following `Link` pagination. */
export async function listTags(repo: Repository | string, opts: RemoteOptions = {}): Promise<string[]> {
  const r = typeof repo === "string" ? parseReference(repo) : repo;
  const client = readClient(r, opts);
  const tags: string[] = [];
  let path: string | URL = `/v2/${r.repository}/tags/list?n=1000`;
  for (let pages = 0; pages < 10_000; pages++) {
    const res = await client.request({ method: "GET", path, what: `listing tags of ${r.registry}/${r.repository}`, expect: [200], notFound: "manifest" });
    const raw = await readBounded(res.body, 16 * 1024 * 1024, `tag list of ${r.registry}/${r.repository}`);
    const v = JSON.parse(raw.toString("utf8")) as { tags?: unknown };
    if (Array.isArray(v.tags)) tags.push(...v.tags.map(String));
    const link = header(res, "link");
    const next = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
    if (!next) break;
    path = new URL(next, res.url);
  }
  return tags;
}

/** Deletes a manifest (a tag is resolved to its digest first: registries delete by digest). */
export async function deleteManifest(r: RefInput, opts: RemoteOptions = {}): Promise<void> {
  const ref = toReference(r);
  const digest = ref.digest ?? (await head(ref, opts)).digest;
  const client = new RegistryClient({ registry: ref.registry, repository: ref.repository, actions: ["delete"] }, resolveOptions(opts));
  const res = await client.request({
    method: "DELETE",
    path: manifestPath(ref.repository, digest),
    what: `deleting manifest ${shortDigest(digest)} of ${ref}`,
    expect: [200, 202],
    notFound: "manifest",
  });
  await discard(res.body);
}

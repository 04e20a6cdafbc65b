import type { Descriptor } from "../descriptor.js";
import type { Digest } from "../digest.js";
import { OciError } from "../errors.js";
import type { Artifact, Image, ImageIndex } from "../image.js";
import { isImageManifestMediaType, isIndexMediaType, MediaType } from "../media-type.js";
import type { Reference } from "../ref/index.js";
import { discard, RegistryClient } from "./client.js";
import { shortDigest } from "./errors.js";
import { type RemoteOptions, resolveOptions } from "./options.js";
import { MANIFEST_ACCEPT, type RefInput, toReference } from "./read.js";
import { bytesSource, layerSource, type PushResult, pushBlob } from "./upload.js";

/** Anything write() can push. */
export type Pushable = Artifact | Image | ImageIndex;

function asArtifact(x: Pushable): Artifact {
  if ("kind" in x && (x.kind === "image" || x.kind === "index")) return x;
  if ("indexManifest" in x) return { kind: "index", index: x };
  return { kind: "image", image: x as Image };
}

/** Runs at most `n` tasks at a time; after the first failure, tasks not yet started are skipped. */
class Jobs {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  firstError: unknown;
  failed = false;
  constructor(private readonly n: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      if (this.failed) throw new OciError("OCI_REGISTRY", "skipped after an earlier failure");
      return await fn();
    } catch (e) {
      if (!this.failed) {
        this.failed = true;
        this.firstError = e;
      }
      throw e;
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/** Non-distributable layers that carry URLs are not pushed: registries fetch them from elsewhere. */
function isForeign(d: Descriptor): boolean {
  return (
    !!d.urls?.length &&
    (d.mediaType === MediaType.DockerForeignLayer || d.mediaType.startsWith("application/vnd.oci.image.layer.nondistributable."))
  );
}

async function settle(tasks: Array<Promise<unknown>>, jobs: Jobs): Promise<void> {
  const results = await Promise.allSettled(tasks);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw jobs.firstError ?? failed.reason;
}

/** Every image and index reachable from the artifact (by digest), for working out mount sources up front. */
async function walk(a: Artifact, seen = new Map<string, Image | ImageIndex>()): Promise<Map<string, Image | ImageIndex>> {
  if (a.kind === "image") {
    seen.set(await a.image.digest(), a.image);
    return seen;
  }
  seen.set(await a.index.digest(), a.index);
  for (const d of (await a.index.indexManifest()).manifests) {
    if (seen.has(d.digest)) continue;
    if (isIndexMediaType(d.mediaType)) await walk({ kind: "index", index: await a.index.imageIndex(d.digest) }, seen);
    else if (isImageManifestMediaType(d.mediaType)) seen.set(d.digest, await a.index.image(d.digest));
  }
  return seen;
}

class Pusher {
  private readonly blobs = new Map<Digest, Promise<PushResult>>();
  constructor(
    private readonly client: RegistryClient,
    private readonly jobs: Jobs,
    /** Children already opened by walk(), so remote ones are not fetched twice. */
    private readonly known: Map<string, Image | ImageIndex>,
  ) {}

  private blob(digest: Digest, start: () => Promise<PushResult>): Promise<PushResult> {
    let p = this.blobs.get(digest);
    if (!p) {
      p = this.jobs.run(start);
      this.blobs.set(digest, p);
    }
    return p;
  }

  private async manifestExists(digest: Digest, what: string): Promise<boolean> {
    const res = await this.client.request({
      method: "HEAD",
      path: `/v2/${this.client.repository}/manifests/${digest}`,
      headers: { accept: MANIFEST_ACCEPT },
      what,
      expect: [200, 404],
    });
    await discard(res.body);
    return res.status === 200;
  }

  private async putManifest(id: string, mediaType: string, raw: Uint8Array, what: string): Promise<void> {
    const res = await this.client.request({
      method: "PUT",
      path: `/v2/${this.client.repository}/manifests/${id}`,
      headers: { "content-type": mediaType },
      body: raw,
      what,
      expect: [201, 200, 202, 204],
    });
    await discard(res.body);
  }

  async image(img: Image, id: string, ref: string): Promise<Descriptor> {
    const [manifest, raw, digest, layers] = await Promise.all([img.manifest(), img.rawManifest(), img.digest(), img.layers()]);
    const tasks: Array<Promise<unknown>> = [];
    manifest.layers.forEach((d, i) => {
      const layer = layers[i];
      if (!layer || isForeign(d)) return;
      tasks.push(this.blob(d.digest, () => pushBlob(this.client, layerSource(layer, d.digest, d.size), "layer")));
    });
    const config = manifest.config;
    tasks.push(this.blob(config.digest, async () => pushBlob(this.client, bytesSource(await img.rawConfigFile(), config.digest), "config")));
    await settle(tasks, this.jobs);
    await this.putManifest(id, manifest.mediaType, raw, `pushing manifest ${shortDigest(digest)} to ${ref}`);
    return { mediaType: manifest.mediaType, digest, size: raw.length };
  }

  /** Pushes an index: its children by digest (skipping those already there), then the index itself. */
  async index(idx: ImageIndex, id: string, ref: string): Promise<Descriptor> {
    const [m, raw, digest] = await Promise.all([idx.indexManifest(), idx.rawManifest(), idx.digest()]);
    const children = m.manifests.map(async (d) => {
      const what = `checking for manifest ${shortDigest(d.digest)} in ${this.client.registry}/${this.client.repository}`;
      if (await this.manifestExists(d.digest, what)) return;
      const known = this.known.get(d.digest);
      if (isIndexMediaType(d.mediaType)) await this.index((known as ImageIndex | undefined) ?? (await idx.imageIndex(d.digest)), d.digest, ref);
      else await this.image((known as Image | undefined) ?? (await idx.image(d.digest)), d.digest, ref);
    });
    await settle(children, this.jobs);
    await this.putManifest(id, m.mediaType, raw, `pushing index ${shortDigest(digest)} to ${ref}`);
    return { mediaType: m.mediaType, digest, size: raw.length };
  }
}

/**
 * Pushes an image, or an index with all its images, to `ref`. Blobs already in the repository
 * are skipped (HEAD), blobs whose layer came from another repository of the same registry are
 * mounted, the rest are uploaded `jobs` at a time; manifests go last, the index after its
 * children. Returns the descriptor of what `ref` now names.
 */
export async function write(r: RefInput, what: Pushable, opts: RemoteOptions = {}): Promise<Descriptor> {
  const ref: Reference = toReference(r);
  const artifact = asArtifact(what);
  const o = resolveOptions(opts);
  const mountFrom = new Set<string>();
  const known = await walk(artifact);
  for (const x of known.values()) {
    if ("indexManifest" in x) continue;
    for (const l of await x.layers()) {
      const origin = l.origin?.();
      if (origin && origin.registry === ref.registry && origin.repository !== ref.repository) mountFrom.add(origin.repository);
    }
  }
  const client = new RegistryClient(
    { registry: ref.registry, repository: ref.repository, actions: ["pull", "push"], mountFrom: [...mountFrom] },
    o,
  );
  await client.connect(`pushing ${ref}`);
  const pusher = new Pusher(client, new Jobs(o.jobs), known);
  const digest = artifact.kind === "image" ? await artifact.image.digest() : await artifact.index.digest();
  if (ref.digest && ref.digest !== digest) {
    throw new OciError("OCI_DIGEST_MISMATCH", `cannot push to ${ref}: the ${artifact.kind} has digest ${digest}`, {
      hint: "push by tag, or by the digest of what you push",
    });
  }
  const id = ref.digest ?? ref.tag ?? digest;
  return artifact.kind === "image" ? pusher.image(artifact.image, id, String(ref)) : pusher.index(artifact.index, id, String(ref));
}

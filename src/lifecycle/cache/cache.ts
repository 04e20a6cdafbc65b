// The build cache (CNB-39, CNB-40, CNB-51, CNB-64): one interface, two places to keep it.
//
// Either way the cache is an image: its layers are the cached layers (gzip tars of
// `/layers/<bp>/<layer>/...`, the same bytes the app image would carry) and its label
// `io.buildpacks.lifecycle.cache.metadata` says which buildpack layer each one is.
// - A cache dir (`--cache-dir`) is an OCI image layout holding that image under the tag `cache`.
//   Blobs are content-addressed and appear by atomic rename; index.json is swapped atomically
//   under the layout lock after every blob is in place, so a killed save leaves the previous cache
//   whole and two saves at once leave one of the two, never a mix. The previous generation stays
//   tagged `cache.previous` until the next save, so a restore reading it while another build
//   saves still finds its blobs; anything older is pruned, but never while another save is
//   writing (oci/layout's ingest markers).
// - A cache image (`--cache-image REF`) is the same image in a registry (or any transport):
//   unchanged layers are already there and are skipped (HEAD), new ones uploaded.
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as oci from "../../oci/index.js";
import { isNotFound } from "../images/index.js";
import { CacheError } from "./errors.js";
import { CACHE_METADATA_LABEL, type CacheMetadata, emptyCacheMetadata, parseCacheMetadata, stringifyCacheMetadata } from "./metadata.js";

export interface Cache {
  /** For messages: `cache dir /var/cache/app`, `cache image registry.example/app-cache`. */
  readonly name: string;
  /** The committed metadata; empty when there is no cache yet (or it cannot be understood). */
  metadata(): Promise<CacheMetadata>;
  /** A cached layer by diffID, or undefined when the cache does not hold it. Its bytes are verified as they stream. */
  layer(diffId: string): Promise<oci.Layer | undefined>;
  /**
   * Replaces the cache by `metadata` and its layers. Every diffID the metadata names must be in
   * `layers` or already in the cache (then it is kept as it is, not copied or uploaded again).
   */
  commit(metadata: CacheMetadata, layers: readonly oci.Layer[]): Promise<CommitResult>;
}

export interface CommitResult {
  /** Digest of the cache image's manifest. */
  digest: oci.Digest;
  /** Layers of the new cache, and how many of them the old cache had already. */
  layers: number;
  kept: number;
}

/** Where a cache image lives: read it (undefined when there is none yet) and write it. */
interface CacheStore {
  name: string;
  read(): Promise<oci.Image | undefined>;
  write(image: oci.Image): Promise<oci.Digest>;
}

const CACHE_TAG = "cache";
const PREVIOUS_TAG = "cache.previous";

class ImageCache implements Cache {
  readonly name: string;
  private current: Promise<oci.Image | undefined> | undefined;

  constructor(private readonly store: CacheStore) {
    this.name = store.name;
  }

  private image(): Promise<oci.Image | undefined> {
    this.current ??= this.store.read();
    return this.current;
  }

  async metadata(): Promise<CacheMetadata> {
    const img = await this.image();
    if (!img) return emptyCacheMetadata();
    const label = (await img.configFile()).config.Labels?.[CACHE_METADATA_LABEL];
    if (!label) return emptyCacheMetadata();
    try {
      return parseCacheMetadata(label, `${this.name}: ${CACHE_METADATA_LABEL}`);
    } catch {
      // A cache nobody can read is no cache: the build starts cold and the next save replaces it.
      return emptyCacheMetadata();
    }
  }

  async layer(diffId: string): Promise<oci.Layer | undefined> {
    const img = await this.image();
    if (!img || !oci.isDigest(diffId)) return undefined;
    return img.layerByDiffId(diffId).catch(() => undefined);
  }

  async commit(metadata: CacheMetadata, layers: readonly oci.Layer[]): Promise<CommitResult> {
    const given = new Map<string, oci.Layer>();
    for (const l of layers) given.set(await l.diffId(), l);
    const wanted = [...metadata.buildpacks.flatMap((b) => Object.keys(b.layers).sort().map((n) => (b.layers[n] as { sha: string }).sha)), ...(metadata.sbom ? [metadata.sbom.sha] : [])];
    const addenda: oci.Layer[] = [];
    const seen = new Set<string>();
    let kept = 0;
    for (const sha of wanted) {
      if (seen.has(sha)) continue;
      seen.add(sha);
      const old = await this.layer(sha);
      const layer = given.get(sha) ?? old;
      if (!layer) throw new CacheError("CACHE_WRITE", `saving ${this.name}: no layer ${sha} was given and the cache does not hold it`);
      if (old) kept++;
      addenda.push(layer);
    }
    let img = oci.mutate.appendLayers(oci.emptyImage(), ...addenda);
    img = oci.mutate.withLabels(img, { [CACHE_METADATA_LABEL]: stringifyCacheMetadata(metadata) });
    img = oci.mutate.withCreatedAt(img, oci.reproducibleDate());
    let digest: oci.Digest;
    try {
      digest = await this.store.write(img);
    } catch (e) {
      if (e instanceof CacheError) throw e;
      throw new CacheError("CACHE_WRITE", `saving ${this.name}: ${(e as Error).message}`, { cause: e, hint: "the previous cache was left as it was" });
    }
    this.current = Promise.resolve(img);
    return { digest, layers: addenda.length, kept };
  }
}

/** A cache kept in a directory on this machine (an OCI image layout). */
export function openCacheDir(dir: string): Cache {
  const name = `cache dir ${dir}`;
  return new ImageCache({
    name,
    async read() {
      if (!existsSync(join(dir, oci.layout.OCI_LAYOUT_FILE))) return undefined;
      try {
        const entries = (await oci.layout.readIndexEntries(dir)).map((e) => e.descriptor);
        const d = entries.find((e) => oci.layout.refName(e) === CACHE_TAG);
        if (!d) return undefined;
        const a = oci.layout.layoutArtifact(dir, d, { linkable: true });
        return a.kind === "image" ? a.image : undefined;
      } catch (e) {
        throw new CacheError("CACHE_READ", `reading ${name}: ${(e as Error).message}`, { cause: e });
      }
    },
    async write(image) {
      const old = (await oci.layout.readIndexEntries(dir).catch(() => [])).find((e) => oci.layout.refName(e.descriptor) === CACHE_TAG)?.descriptor;
      const d = await oci.layout.writeLayout(dir, { kind: "image", image }, { tag: CACHE_TAG });
      if (old && old.digest !== d.digest) {
        await oci.layout.updateIndex(dir, (entries) => ({
          entries: [...entries.filter((e) => oci.layout.refName(e.descriptor) !== PREVIOUS_TAG), oci.layout.indexEntry(old, PREVIOUS_TAG)],
          result: undefined,
        }));
      }
      await oci.layout.pruneLayout(dir);
      return d.digest;
    },
  });
}

/** A cache kept as an image: `docker://HOST/REPO:TAG` (or any other transport name). */
export function openCacheImage(name: string, opts: oci.transport.TransportOptions): Cache {
  const parsed = oci.transport.parseImageName(name);
  const label = `cache image ${oci.transport.formatImageName(parsed)}`;
  return new ImageCache({
    name: label,
    async read() {
      try {
        const a = await oci.transport.read(parsed, opts);
        return a.kind === "image" ? a.image : undefined;
      } catch (e) {
        if (isNotFound(e, parsed)) return undefined;
        throw new CacheError("CACHE_READ", `reading ${label}: ${(e as Error).message}`, { cause: e });
      }
    },
    async write(image) {
      return (await oci.transport.write(parsed, { kind: "image", image }, opts)).digest;
    },
  });
}

import { homedir } from "node:os";
import { isAbsolute, join, resolve as resolvePath } from "node:path";
import { exists } from "../../fs/index.js";
import type { Descriptor } from "../descriptor.js";
import { OciError } from "../errors.js";
import type { Artifact } from "../image.js";
import {
  layoutArtifact,
  layoutSource,
  type LockOptions,
  pruneLayout,
  type PruneResult,
  readIndexEntries,
  refName,
  updateIndex,
  writeLayout,
} from "../layout/index.js";
import { isIndexMediaType } from "../media-type.js";
import type { OnProgress } from "../progress.js";
import { normalizeImageName } from "./name.js";

/** One named image in the store, as `paketo images` shows it. */
export interface StoredImage {
  /** Normalised `NAME:TAG`. */
  name: string;
  /** Manifest digest. */
  digest: Descriptor["digest"];
  mediaType: string;
  /** Bytes of every blob the image is made of (manifests, configs, compressed layers), each once. */
  size: number;
  /** The config's `created` (images only). */
  created?: string;
}

export interface Store {
  readonly root: string;
  /** The image or index a name (`myapp`, `myapp:1`, `name@sha256:…`) or a digest prefix names. */
  read(ref: string): Promise<Artifact>;
  /** Stores an artifact under a name, replacing what the name pointed to before. */
  write(name: string, artifact: Artifact, opts?: { onProgress?: OnProgress }): Promise<{ name: string; descriptor: Descriptor }>;
  list(): Promise<StoredImage[]>;
  /** Removes a name (the blobs stay until prune). Fails naming the image when there is none. */
  remove(name: string): Promise<void>;
  /** Deletes blobs no name reaches and leftovers of interrupted writes. */
  prune(): Promise<PruneResult>;
  /** What a name or a digest prefix (`sha256:ab12`, `ab12`; at least 4 hex digits) points to. */
  resolve(ref: string): Promise<{ name?: string; descriptor: Descriptor }>;
}

/**
 * The store root: `$PAKETO_STORE`, else `${XDG_DATA_HOME:-~/.local/share}/paketo/store`. Takes
 * the environment as an argument; this module never reads process.env.
 */
export function defaultStoreRoot(env: Record<string, string | undefined>): string {
  if (env.PAKETO_STORE) return resolvePath(env.PAKETO_STORE);
  const xdg = env.XDG_DATA_HOME;
  const data = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), ".local", "share");
  return join(data, "paketo", "store");
}

const MAX_LISTED = 10;

/**
 * The local image store: an OCI image layout (so `oci:ROOT:NAME` works with any OCI tool) whose
 * index.json entries are tagged with normalised image names.
 *
 * Two paketo processes may use one store at once. Blobs only appear by atomic rename of verified
 * temp files, so concurrent writers of one blob both succeed; index.json changes are
 * read-modify-write under the layout's lock file; writes register an ingest marker that keeps
 * prune from deleting blobs not tagged yet (layout/lock.ts, layout/ingest.ts, layout/prune.ts).
 * A killed process never leaves a partial blob or index.json visible, only temp files that
 * prune removes.
 */
export async function openStore(root: string, opts: LockOptions = {}): Promise<Store> {
  const where = `the store at ${root}`;
  const lock: LockOptions = opts.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: opts.lockTimeoutMs };
  const entries = async () => (await readIndexEntries(root)).map((e) => e.descriptor).filter((d) => refName(d) !== undefined);
  const names = (ds: Descriptor[]) => {
    const n = ds.map((d) => refName(d) as string).sort();
    return n.length > MAX_LISTED ? `${n.slice(0, MAX_LISTED).join(", ")}, … (${n.length} in all)` : n.join(", ") || "none";
  };
  const notFound = (ref: string, ds: Descriptor[]) =>
    new OciError("OCI_IMAGE_NOT_FOUND", `no image ${JSON.stringify(ref)} in ${where}`, { hint: `images there: ${names(ds)}` });

  const resolve: Store["resolve"] = async (ref) => {
    const all = await entries();
    let parsed: ReturnType<typeof normalizeImageName> | undefined;
    try {
      parsed = normalizeImageName(ref);
    } catch {
      parsed = undefined;
    }
    if (parsed?.digest) {
      const hit = all.find((d) => d.digest === parsed.digest && (!parsed.name || refName(d) === parsed.name)) ?? all.find((d) => d.digest === parsed.digest);
      if (hit) return { name: refName(hit), descriptor: hit };
    } else if (parsed?.name) {
      const hit = all.find((d) => refName(d) === parsed.name);
      if (hit) return { name: parsed.name, descriptor: hit };
    }
    const prefix = /^(?:sha256:)?([a-f0-9]{4,64})$/.exec(ref)?.[1];
    if (prefix) {
      const hits = all.filter((d) => d.digest.startsWith(`sha256:${prefix}`));
      const digests = [...new Set(hits.map((d) => d.digest))];
      if (digests.length > 1) {
        throw new OciError("OCI_IMAGE_NOT_FOUND", `${JSON.stringify(ref)} matches ${digests.length} images in ${where}`, {
          hint: `use more digits: ${digests.join(", ")}`,
        });
      }
      const hit = hits[0];
      if (hit) return { name: refName(hit), descriptor: hit };
    }
    throw notFound(parsed?.name ?? ref, all);
  };

  const blobSize = async (d: Descriptor, seen: Set<string>, depth = 0): Promise<number> => {
    if (seen.has(d.digest)) return 0;
    seen.add(d.digest);
    const bytes = await layoutSource(root).bytes(d);
    if (isIndexMediaType(d.mediaType)) {
      const m = JSON.parse(Buffer.from(bytes).toString("utf8")) as { manifests?: Descriptor[] };
      let n = d.size;
      for (const c of m.manifests ?? []) {
        // An index may list platforms that were not copied; count what is here.
        n += depth < 8 ? await blobSize(c, seen, depth + 1).catch(() => 0) : 0;
      }
      return n;
    }
    const m = JSON.parse(Buffer.from(bytes).toString("utf8")) as { config?: Descriptor; layers?: Descriptor[] };
    let n = d.size;
    for (const b of [m.config, ...(m.layers ?? [])]) {
      if (b && !seen.has(b.digest)) {
        seen.add(b.digest);
        n += b.size;
      }
    }
    return n;
  };

  const describe = async (d: Descriptor): Promise<StoredImage> => {
    const out: StoredImage = { name: refName(d) as string, digest: d.digest, mediaType: d.mediaType, size: await blobSize(d, new Set()) };
    const a = layoutArtifact(root, d);
    if (a.kind === "image") {
      const created = (await a.image.configFile()).created;
      if (created) out.created = created;
    }
    return out;
  };

  return {
    root,
    resolve,
    read: async (ref) => layoutArtifact(root, (await resolve(ref)).descriptor, { linkable: true }),
    write: async (name, artifact, o = {}) => {
      const parsed = normalizeImageName(name);
      if (!parsed.name) {
        throw new OciError("OCI_INVALID_REFERENCE", `store names need a tag, and ${JSON.stringify(name)} has only a digest`, {
          hint: "write NAME[:TAG]",
        });
      }
      const descriptor = await writeLayout(root, artifact, { tag: parsed.name, ...lock, ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
      return { name: parsed.name, descriptor };
    },
    list: async () => {
      const out: StoredImage[] = [];
      for (const d of await entries()) out.push(await describe(d));
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    remove: async (name) => {
      const parsed = normalizeImageName(name);
      const want = parsed.name;
      if (!want) throw new OciError("OCI_INVALID_REFERENCE", `remove takes a NAME[:TAG], not a digest (${JSON.stringify(name)})`);
      const tagged = await entries();
      if (!tagged.some((d) => refName(d) === want)) throw notFound(want, tagged);
      await updateIndex(
        root,
        (es) => {
          const kept = es.filter((e) => refName(e.descriptor) !== want);
          if (kept.length === es.length) throw notFound(want, es.map((e) => e.descriptor).filter((d) => refName(d) !== undefined));
          return { entries: kept, result: undefined };
        },
        lock,
      );
    },
    prune: async () => {
      if (!(await exists(root))) {
        return { removedBlobs: 0, freedBytes: 0, removedTempFiles: 0, activeWrites: 0 };
      }
      return pruneLayout(root, lock);
    },
  };
}


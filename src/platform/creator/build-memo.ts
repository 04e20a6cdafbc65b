// The no-change rebuild: when nothing a build depends on changed since this destination's last
// build, that build's image (still at the destination) is the answer, and no buildpack runs.
//
// A build's image is a function of: the app's files (names, modes, bytes), the user env, the
// bindings, the build config (operator env, host trust), the builder (its buildpacks, order and
// build image, by digest), the run image (by digest), the target, the project metadata, the
// previous image and build cache it starts from, paketo's own code, and what the buildpacks
// learnt from outside. The last is what the buildpacks' records say (cnb/build-record.ts): the
// dependency metadata they used, each asked for again here through the same source with the same
// cache and max age as a build would (so a new Node.js release is seen exactly when a full build
// would see it), and compared by digest. A buildpack that started a process, or one not on our
// buildpack API (which keeps no record), makes its build unmemoisable. Buildpacks may decide by
// the date (Node.js LTS lines), so a memo is good for the UTC day it was made on.
//
// A build is kept only once it is a fixpoint: it started from the image and build cache it ended
// with (same image digest, same cache metadata). Buildpacks may read the previous build's state
// (store.toml, layer metadata, cache layers), so "same inputs" must include that state; at a
// fixpoint, a build from the same inputs and the same state ends with that same state again, so
// returning the image is exactly what a full build would do. A build counter in store.toml, say,
// never reaches a fixpoint and is never memoised. At lookup the destination must still hold the
// memo's image and the cache the memo's metadata: anything that replaced either builds again. Builds with --clear-cache, a cache image, or buildpacks from outside the builder
// are never answered from the memo.
import { createHash } from "node:crypto";
import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuildRecord, MetadataUse } from "../../cnb/index.js";
import { writeFileAtomic } from "../../fs/index.js";
import { type CacheMetadata, stringifyCacheMetadata } from "../../lifecycle/index.js";

interface Saved {
  format: 1;
  key: string;
  /** The manifest digest of the image the memoised build wrote (and started from). */
  image: string;
  /** A digest of the build cache's metadata it ended with (and started from). */
  cache: string;
  layers: number;
  metadata: MetadataUse[];
}

/** A key over the build's inputs, paketo's own code and the day. */
export async function buildMemoKey(inputs: Record<string, unknown>, now: Date = new Date()): Promise<string> {
  return createHash("sha256")
    .update(JSON.stringify({ format: 1, product: await productFingerprint(), day: now.toISOString().slice(0, 10), ...inputs }))
    .digest("hex");
}

let product: Promise<string> | undefined;

/** paketo's compiled code (names, sizes, times of dist/'s modules): another paketo may build differently. */
function productFingerprint(): Promise<string> {
  product ??= (async () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const h = createHash("sha256");
    const walk = async (dir: string): Promise<void> => {
      for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== "bundled-buildpacks") await walk(p);
        } else if (e.name.endsWith(".js") && !e.name.endsWith(".test.js")) {
          const s = await stat(p);
          h.update(`${relative(root, p)}\0${s.size}\0${s.mtimeMs}\n`);
        }
      }
    };
    await walk(root);
    return h.digest("hex");
  })();
  return product;
}

/**
 * The memoised image when `key` matches, the destination still holds that image
 * (`previousDigest`) and every piece of metadata the buildpacks used is unchanged (`recheck`).
 */
export async function lookupBuildMemo(o: {
  path: string;
  key: string;
  previousDigest: string | undefined;
  cache: string;
  recheck: (m: MetadataUse) => Promise<boolean>;
}): Promise<{ image: string; layers: number } | undefined> {
  const saved = await readFile(o.path, "utf8").then(
    (t) => JSON.parse(t) as Saved,
    () => undefined,
  );
  if (saved?.format !== 1 || saved.key !== o.key || saved.image !== o.previousDigest || saved.cache !== o.cache) return undefined;
  for (const m of saved.metadata) {
    const same = await o.recheck(m).catch(() => false);
    if (!same) return undefined;
  }
  return { image: saved.image, layers: saved.layers };
}

/**
 * A digest of what a build cache holds (its metadata names every layer by diffID), over the
 * metadata's canonical form: the metadata a save wrote and the same metadata read back digest alike.
 */
export function cacheDigest(metadata: CacheMetadata): string {
  return createHash("sha256").update(stringifyCacheMetadata(metadata)).digest("hex");
}

/**
 * Keeps this build as the answer for the same inputs, when it is a fixpoint (it ended with the
 * image and cache it started from) and every buildpack's record says its build is memoisable;
 * otherwise removes any memo. Returns why it was not kept.
 */
export async function saveBuildMemo(o: {
  path: string;
  key: string;
  /** The image and cache the build started from and ended with. */
  before: { image: string | undefined; cache: string };
  after: { image: string; cache: string };
  layers: number;
  records: readonly (BuildRecord | undefined)[];
  /** Whether the platform can ask again for this piece of metadata (recheck at lookup). */
  canRecheck: (m: MetadataUse) => boolean;
}): Promise<string | undefined> {
  const reasons = o.records.map((r) => (r === undefined ? "a buildpack kept no record" : r.memoisable ? undefined : r.reason));
  const unchecked = o.records.flatMap((r) => r?.metadata ?? []).find((m) => !o.canRecheck(m));
  if (unchecked) reasons.unshift(`a buildpack used ${unchecked.source} metadata, which the platform cannot ask for again`);
  if (o.before.image !== o.after.image || o.before.cache !== o.after.cache) {
    reasons.unshift("this build changed the image or the build cache (a build is kept once it reproduces them)");
  }
  const why = reasons.find((r) => r !== undefined);
  if (why !== undefined) {
    await rm(o.path, { force: true });
    return why;
  }
  const metadata = o.records.flatMap((r) => (r?.memoisable ? r.metadata : []));
  await writeFileAtomic(o.path, JSON.stringify({ format: 1, key: o.key, image: o.after.image, cache: o.after.cache, layers: o.layers, metadata } satisfies Saved));
  return undefined;
}

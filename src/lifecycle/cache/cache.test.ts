import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import * as oci from "../../oci/index.js";
import { tempDir, writeTree } from "../../testing/index.js";
import { exportImage } from "../export/index.js";
import { openLayerFactory } from "../layer-cache/index.js";
import { CNB_GID, CNB_UID, GROUP_TOML, makeRunImage, metadataToml, settle, writeBuild } from "../testing/build-fixture.js";
import { restore } from "../restore/index.js";
import { type Cache, CacheError, type CacheMetadata, openCacheDir, saveCache } from "./index.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Every layer the cache's metadata names is there and has the right bytes. */
async function assertUsable(cache: Cache): Promise<CacheMetadata> {
  const m = await cache.metadata();
  const shas = [...m.buildpacks.flatMap((b) => Object.values(b.layers).map((l) => l.sha)), ...(m.sbom ? [m.sbom.sha] : [])];
  for (const sha of shas) {
    const layer = await cache.layer(sha);
    assert.ok(layer, `the cache holds ${sha}`);
    const h = createHash("sha256");
    for await (const c of await layer.uncompressed()) h.update(c as Buffer);
    assert.equal(`sha256:${h.digest("hex")}`, sha);
  }
  return m;
}

function freshLayers(root: string): string {
  const dir = join(root, "layers");
  writeTree(dir, { "group.toml": GROUP_TOML });
  return dir;
}

test("cache dir: save after export, restore into a fresh layers dir, rebuild and save again without re-tarring", async (t) => {
  const tmp = tempDir("paketo-cache-");
  t.after(tmp.cleanup);
  const build = writeBuild(join(tmp.path, "b1"), { layers: { "sbom/cache/acme_node/build-deps/sbom.cdx.json": '{"bomFormat":"CycloneDX","n":1}\n' } });
  await settle();
  const factory = () => openLayerFactory({ dir: join(tmp.path, "layer-cache"), uid: CNB_UID, gid: CNB_GID });
  const layers = factory();
  const runImage = await makeRunImage();
  const exportInputs = (b: { layersDir: string; appDir: string; launcher: string }, previousImage?: oci.Image) => ({
    layersDir: b.layersDir,
    appDir: b.appDir,
    runImage,
    runImageRef: { reference: "r@sha256:" + "0".repeat(64) },
    launcher: { path: b.launcher },
    platformApi: "0.14",
    layers,
    ...(previousImage ? { previousImage } : {}),
  });
  const exported = await exportImage(exportInputs(build));
  const cacheDir = join(tmp.path, "cache");
  const cache = openCacheDir(cacheDir);
  const saved = await saveCache({ cache, layersDir: build.layersDir, layers, exported });
  assert.deepEqual(saved.stats, { built: 2, reused: 1, kept: 0 }, "node came from the export; build-deps and the SBOM were built");
  const nodeSha = exported.layers.find((l) => l.id === "acme/node:node")?.diffId;
  assert.deepEqual(saved.metadata.buildpacks[0]?.layers.node, { sha: nodeSha, data: { version: "20.1.0" }, launch: true, build: true, cache: true });
  assert.ok(saved.metadata.buildpacks[0]?.layers["build-deps"]);
  assert.equal(Object.keys(saved.metadata.buildpacks[1]?.layers ?? {}).length, 0);
  assert.ok(saved.metadata.sbom);
  await assertUsable(openCacheDir(cacheDir));

  // The save kept the folders the build wrote (hard links): the next restore lends them instead
  // of extracting the tars. A file changed in place since (it shares the inode) voids its copy.
  writeFileSync(join(build.layersDir, "acme_node/build-deps/lib.a"), "changed after the save\n");

  // A new build: fresh layers dir, restored from the previous image and the cache.
  const root2 = join(tmp.path, "b2");
  const layersDir = freshLayers(root2);
  const layers2 = factory();
  const r = await restore({ layersDir, previousMetadata: exported.metadata, previousImage: exported.image, cache: openCacheDir(cacheDir), platformApi: "0.14", layers: layers2 });
  assert.deepEqual(r.lent.map((l) => l.dir), [join(layersDir, "acme_node/node")], "node lent from the kept copy; build-deps extracted again");
  assert.deepEqual(r.contents.sort(), ["acme/node:build-deps", "acme/node:node"]);
  assert.deepEqual(r.metadata.sort(), ["acme/app:modules", "acme/node:build-deps", "acme/node:node"]);
  assert.deepEqual(r.skipped, []);
  assert.equal(readFileSync(join(layersDir, "acme_node/node.toml"), "utf8"), '[metadata]\nversion = "20.1.0"\n');
  assert.equal(readFileSync(join(layersDir, "acme_app/modules.toml"), "utf8"), '[metadata]\nlock = "abc"\n');
  assert.ok(!existsSync(join(layersDir, "acme_app/modules")), "launch-only layers get metadata, no files");
  assert.equal(readFileSync(join(layersDir, "acme_node/node/bin/node"), "utf8"), "#!/bin/sh\necho node\n");
  assert.equal(statSync(join(layersDir, "acme_node/node/bin/node")).mode & 0o777, 0o755);
  assert.equal(readFileSync(join(layersDir, "acme_node/build-deps/lib.a"), "utf8"), "archive\n");
  assert.equal(readFileSync(join(layersDir, "acme_node/store.toml"), "utf8"), "[metadata]\nruns = 1\n");
  assert.equal(readFileSync(join(layersDir, "acme_node/node.sbom.cdx.json"), "utf8"), '{"bomFormat":"CycloneDX"}\n');
  assert.equal(readFileSync(join(layersDir, "acme_node/build-deps.sbom.cdx.json"), "utf8"), '{"bomFormat":"CycloneDX","n":1}\n');
  assert.ok(!existsSync(join(layersDir, "sbom")));

  // The buildpacks keep their layers (flags set again), the app is the same.
  writeTree(layersDir, {
    "acme_node/node.toml": '[types]\nlaunch = true\nbuild = true\ncache = true\n\n[metadata]\nversion = "20.1.0"\n',
    "acme_node/build-deps.toml": "[types]\nbuild = true\ncache = true\n",
    "acme_app/modules.toml": '[types]\nlaunch = true\n\n[metadata]\nlock = "abc"\n',
    "config/metadata.toml": metadataToml(),
    "sbom/launch/acme_node/node/sbom.cdx.json": '{"bomFormat":"CycloneDX"}\n',
    "sbom/cache/acme_node/build-deps/sbom.cdx.json": '{"bomFormat":"CycloneDX","n":1}\n',
  });
  const b2 = { layersDir, appDir: build.appDir, launcher: build.launcher };
  const again = await exportImage({ ...exportInputs(b2, exported.image), layers: layers2 });
  assert.notEqual(again.layers.find((l) => l.id === "acme/node:node")?.from, "built", "the restored layer was not re-tarred");
  assert.deepEqual(again.stats, { created: 0, reused: 7 }, "nor anything else");
  assert.equal(again.layers.find((l) => l.id === "acme/app:modules")?.from, "previous");
  assert.equal(await again.image.digest(), await exported.image.digest());
  const saved2 = await saveCache({ cache: openCacheDir(cacheDir), layersDir, layers: layers2, exported: again });
  assert.equal(saved2.stats.built, 0, "nothing is tarred again, not even the SBOM files the test wrote again");
  assert.equal(saved2.stats.kept, 3);
  assert.deepEqual(saved2.metadata, saved.metadata);
});

test("restore: layers whose cache entry is missing, broken or stale are not restored at all", async (t) => {
  const tmp = tempDir("paketo-cache-");
  t.after(tmp.cleanup);
  const build = writeBuild(join(tmp.path, "b1"));
  const layers = openLayerFactory({ dir: join(tmp.path, "layer-cache"), uid: CNB_UID, gid: CNB_GID });
  const exported = await exportImage({
    layersDir: build.layersDir,
    appDir: build.appDir,
    runImage: await makeRunImage(),
    runImageRef: { reference: "r" },
    launcher: { path: build.launcher },
    platformApi: "0.14",
    layers,
  });
  const cacheDir = join(tmp.path, "cache");
  const saved = await saveCache({ cache: openCacheDir(cacheDir), layersDir: build.layersDir, layers, exported });
  const depsSha = saved.metadata.buildpacks[0]?.layers["build-deps"]?.sha as string;

  // A cache blob gone (a disk error, a hand-made cleanup): the layer is not restored, the rest is.
  const depsLayer = await openCacheDir(cacheDir).layer(depsSha);
  const blob = join(cacheDir, "blobs", "sha256", (await depsLayer?.digest())?.slice(7) ?? "");
  writeFileSync(blob, "corrupt");
  const l1 = freshLayers(join(tmp.path, "r1"));
  const r1 = await restore({ layersDir: l1, previousMetadata: exported.metadata, cache: openCacheDir(cacheDir), platformApi: "0.14" });
  assert.deepEqual(r1.skipped, ["acme/node:build-deps"]);
  assert.ok(!existsSync(join(l1, "acme_node/build-deps.toml")) && !existsSync(join(l1, "acme_node/build-deps")));
  assert.ok(existsSync(join(l1, "acme_node/node/bin/node")));
  rmSync(blob);
  const l2 = freshLayers(join(tmp.path, "r2"));
  const r2 = await restore({ layersDir: l2, previousMetadata: exported.metadata, cache: openCacheDir(cacheDir), platformApi: "0.14" });
  assert.deepEqual(r2.skipped, ["acme/node:build-deps"]);

  // The image and the cache disagree about a cache=true launch layer: nothing of it comes back.
  const stale = structuredClone(exported.metadata);
  (stale.buildpacks[0]?.layers.node as { sha: string }).sha = "sha256:" + "1".repeat(64);
  const l3 = freshLayers(join(tmp.path, "r3"));
  const r3 = await restore({ layersDir: l3, previousMetadata: stale, cache: openCacheDir(cacheDir), platformApi: "0.14" });
  assert.ok(!r3.metadata.includes("acme/node:node"));
  assert.ok(!existsSync(join(l3, "acme_node/node.toml")) && !existsSync(join(l3, "acme_node/node")));

  // skip-layers: store.toml only.
  const l4 = freshLayers(join(tmp.path, "r4"));
  const r4 = await restore({ layersDir: l4, previousMetadata: exported.metadata, cache: openCacheDir(cacheDir), platformApi: "0.14", skipLayers: true });
  assert.deepEqual(r4.metadata, []);
  assert.deepEqual(readdirSync(join(l4, "acme_node")), ["store.toml"]);

  // A cache whose metadata cannot be read is an empty cache.
  const emptyDir = join(tmp.path, "not-a-cache");
  mkdirSync(emptyDir);
  assert.deepEqual(await openCacheDir(emptyDir).metadata(), { buildpacks: [] });
});

test("restore: a cache layer whose tar is not what the cache's config claims is not restored, and nothing is kept under its diffID", async (t) => {
  const tmp = tempDir("paketo-cache-lie-");
  t.after(tmp.cleanup);
  const build = writeBuild(join(tmp.path, "b1"));
  const layers = openLayerFactory({ dir: join(tmp.path, "layer-cache"), uid: CNB_UID, gid: CNB_GID });
  const exported = await exportImage({
    layersDir: build.layersDir,
    appDir: build.appDir,
    runImage: await makeRunImage(),
    runImageRef: { reference: "r" },
    launcher: { path: build.launcher },
    platformApi: "0.14",
    layers,
  });
  const cacheDir = join(tmp.path, "cache");
  const saved = await saveCache({ cache: openCacheDir(cacheDir), layersDir: build.layersDir, layers, exported });
  const depsSha = saved.metadata.buildpacks[0]?.layers["build-deps"]?.sha as oci.Digest;

  // The cache image gets other bytes for build-deps (a valid gzip tar, its digest right in the
  // manifest), while its config keeps claiming the old diffID.
  const a = await oci.layout.readLayout(cacheDir, { tag: "cache" });
  assert.equal(a.kind, "image");
  const img = (a as { kind: "image"; image: oci.Image }).image;
  const m = await img.manifest();
  const ls = await img.layers();
  const i = (await Promise.all(ls.map((l) => l.diffId()))).indexOf(depsSha);
  const p = pack();
  p.entry({ name: "layers/acme_node/build-deps/lib.a", mode: 0o644 }, "evil\n");
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  const evil = gzipSync(Buffer.concat(chunks));
  const blobs = new Map<string, Buffer>([[m.config.digest, Buffer.from(await img.rawConfigFile())], [oci.sha256(evil), evil]]);
  for (const l of ls) blobs.set(await l.digest(), await oci.partial.readAll(await l.compressed()));
  const raw = oci.serializeManifest({ ...m, layers: m.layers.map((d, j) => (j === i ? { ...d, digest: oci.sha256(evil), size: evil.length } : d)) });
  const lying = oci.partial.toImage({ rawManifest: async () => raw, blob: async (d) => Readable.from([blobs.get(d.digest) as Buffer]) });
  await oci.layout.writeLayout(cacheDir, { kind: "image", image: lying }, { tag: "cache" });

  const factory = openLayerFactory({ dir: join(tmp.path, "layer-cache-2"), uid: CNB_UID, gid: CNB_GID });
  const l1 = freshLayers(join(tmp.path, "r1"));
  const r = await restore({ layersDir: l1, previousMetadata: exported.metadata, cache: openCacheDir(cacheDir), platformApi: "0.14", layers: factory });
  assert.deepEqual(r.skipped, ["acme/node:build-deps"]);
  assert.ok(!existsSync(join(l1, "acme_node/build-deps")) && !existsSync(join(l1, "acme_node/build-deps.toml")));
  assert.ok(existsSync(join(l1, "acme_node/node/bin/node")), "the genuine layers are restored");
  const trees = join(tmp.path, "layer-cache-2", "trees");
  const kept = existsSync(trees) ? readdirSync(trees, { recursive: true }).map(String) : [];
  assert.ok(!kept.some((n) => n.includes(depsSha.slice(7))), `no tree kept under the claimed diffID: ${kept.join(", ")}`);
});

interface Child {
  child: ReturnType<typeof spawn>;
  saving: Promise<void>;
  committing: Promise<void>;
  done: Promise<number | null>;
}

function runChild(cacheDir: string, work: string, variant: string, payload: number, layerCache?: string): Child {
  const args = [join(here, "testing", "save-child.js"), cacheDir, work, variant, String(payload), ...(layerCache ? [layerCache] : [])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  let onSaving: () => void = () => {};
  let onCommitting: () => void = () => {};
  const saving = new Promise<void>((resolve) => (onSaving = resolve));
  const committing = new Promise<void>((resolve) => (onCommitting = resolve));
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
    if (out.includes("saving\n")) onSaving();
    if (out.includes("committing\n")) onCommitting();
  });
  child.stderr?.on("data", (c: Buffer) => (err += c.toString()));
  const done = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      if (code !== 0 && code !== null) process.stderr.write(err);
      resolve(code);
    }),
  );
  return { child, saving, committing, done };
}

test("two builds saving to one cache dir at once leave one whole cache", async (t) => {
  const tmp = tempDir("paketo-cache-");
  t.after(tmp.cleanup);
  const cacheDir = join(tmp.path, "cache");
  for (let round = 0; round < 2; round++) {
    const a = runChild(cacheDir, join(tmp.path, `a${round}`), `a${round}`, 2 << 20);
    const b = runChild(cacheDir, join(tmp.path, `b${round}`), `b${round}`, 2 << 20);
    assert.deepEqual(await Promise.all([a.done, b.done]), [0, 0]);
    const m = await assertUsable(openCacheDir(cacheDir));
    assert.equal(Object.keys(m.buildpacks[0]?.layers ?? {}).length, 2);
  }
});

test("a save killed with SIGKILL at any point leaves the previous cache usable", async (t) => {
  const tmp = tempDir("paketo-cache-");
  t.after(tmp.cleanup);
  const cacheDir = join(tmp.path, "cache");
  const first = runChild(cacheDir, join(tmp.path, "first"), "first", 1 << 20);
  assert.equal(await first.done, 0);
  let before = await assertUsable(openCacheDir(cacheDir));
  // Built layers on another filesystem (when there is one) are copied into the cache, not
  // hard-linked, which makes the commit long enough to be killed in the middle of it.
  const shm = existsSync("/dev/shm") ? mkdtempSync("/dev/shm/paketo-cache-test-") : undefined;
  t.after(() => shm && rmSync(shm, { recursive: true, force: true }));
  const kills: Array<["saving" | "committing", number]> = [["saving", 0], ["saving", 100], ["committing", 0], ["committing", 10], ["committing", 40], ["committing", 120]];
  for (const [when, delay] of kills) {
    const c = runChild(cacheDir, join(tmp.path, `k-${when}-${delay}`), `killed-${when}-${delay}`, 16 << 20, shm && join(shm, `${when}-${delay}`));
    await (when === "saving" ? c.saving : c.committing);
    await new Promise((r) => setTimeout(r, delay));
    c.child.kill("SIGKILL");
    await c.done;
    // The old cache or, if the kill came after the commit, the new one: never a mix (every
    // layer the metadata names is there, with its bytes), and a build can restore from it.
    const after = await assertUsable(openCacheDir(cacheDir));
    const node = (m: CacheMetadata) => m.buildpacks[0]?.layers.node?.sha;
    assert.ok(node(after), `a kill ${delay} ms after ${when} left a cache with layers`);
    const l = freshLayers(join(tmp.path, `r-${when}-${delay}`));
    const r = await restore({ layersDir: l, previousMetadata: { app: [], buildpacks: [] }, cache: openCacheDir(cacheDir), platformApi: "0.14" });
    assert.deepEqual(r.skipped, []);
    assert.equal(r.contents.length, 2);
    if (node(after) !== node(before)) before = after;
    // A later save still works, and removes what the killed one left behind.
    const next = runChild(cacheDir, join(tmp.path, `n-${when}-${delay}`), `next-${when}-${delay}`, 1 << 10);
    assert.equal(await next.done, 0);
    await assertUsable(openCacheDir(cacheDir));
  }
  const tmpLeft = existsSync(join(cacheDir, ".paketo", "tmp")) ? readdirSync(join(cacheDir, ".paketo", "tmp")) : [];
  assert.deepEqual(tmpLeft, []);
});

test("saving a cache=true layer without contents is an error", async (t) => {
  const tmp = tempDir("paketo-cache-");
  t.after(tmp.cleanup);
  const build = writeBuild(join(tmp.path, "b"));
  rmSync(join(build.layersDir, "acme_node", "build-deps"), { recursive: true });
  const layers = openLayerFactory({ dir: join(tmp.path, "lc"), uid: CNB_UID, gid: CNB_GID });
  await assert.rejects(
    saveCache({ cache: openCacheDir(join(tmp.path, "cache")), layersDir: build.layersDir, layers }),
    (e: unknown) => e instanceof CacheError && e.code === "CACHE_NO_CONTENTS",
  );
  assert.ok(!existsSync(join(tmp.path, "cache")));
});

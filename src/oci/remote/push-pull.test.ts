import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CountingProxy, startCountingProxy, startRegistry, type TestRegistry, tarOf, tempDir } from "../../testing/index.js";
import { emptyImage } from "../empty.js";
import type { Image, ImageIndex } from "../image.js";
import { MediaType } from "../media-type.js";
import { appendLayers, withPlatform } from "../mutate/index.js";
import { readAll, toImageIndex } from "../partial/index.js";
import type { ProgressEvent } from "../progress.js";
import { serializeIndexManifest } from "../manifest.js";
import { layerFromTarBytes } from "../static-layer.js";
import * as remote from "./index.js";

/** Requests that move blob data or open upload sessions. */
function uploads(p: CountingProxy) {
  return p.requests.filter((r) => r.path.includes("/blobs/uploads"));
}

async function imageWith(files: Record<string, string | Buffer>, ...more: Array<Record<string, string | Buffer>>): Promise<Image> {
  const layers = [];
  for (const f of [files, ...more]) layers.push(layerFromTarBytes(await tarOf(f)));
  return appendLayers(emptyImage(), ...layers);
}

async function indexOf(images: Array<{ image: Image; os: string; architecture: string }>): Promise<ImageIndex> {
  const manifests = await Promise.all(
    images.map(async (x) => ({
      mediaType: await x.image.mediaType(),
      digest: await x.image.digest(),
      size: await x.image.size(),
      platform: { os: x.os, architecture: x.architecture },
    })),
  );
  const raw = serializeIndexManifest({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests });
  const byDigest = new Map(await Promise.all(images.map(async (x) => [await x.image.digest(), x.image] as const)));
  return toImageIndex({
    rawManifest: () => Promise.resolve(raw),
    image: async (d) => byDigest.get(d.digest) as Image,
    imageIndex: () => Promise.reject(new Error("no nested indexes here")),
  });
}

async function layerBytes(img: Image): Promise<Buffer[]> {
  return Promise.all((await img.layers()).map(async (l) => readAll(await l.compressed())));
}

describe("remote push and pull against docker-registry", () => {
  let reg: TestRegistry;
  let proxy: CountingProxy;
  before(async () => {
    reg = await startRegistry();
    proxy = await startCountingProxy(reg.host);
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  test("pushes an image and reads it back with the same digests and bytes", async () => {
    const img = await imageWith({ "app/hello.txt": "hello" }, { "app/data.bin": randomBytes(4096) });
    const events: ProgressEvent[] = [];
    const desc = await remote.write(`${reg.host}/app:1`, img, { onProgress: (e) => events.push(e) });
    assert.equal(desc.digest, await img.digest());
    assert.equal(desc.mediaType, MediaType.OciManifest);

    const a = await remote.read(`${reg.host}/app:1`);
    assert.equal(a.kind, "image");
    if (a.kind !== "image") return;
    const pulled = a.image;
    assert.equal(await pulled.digest(), await img.digest());
    assert.deepEqual(Buffer.from(await pulled.rawManifest()), Buffer.from(await img.rawManifest()));
    assert.equal(await pulled.configName(), await img.configName());
    assert.deepEqual(await layerBytes(pulled), await layerBytes(img));
    const layers = await pulled.layers();
    assert.deepEqual(layers[0]?.origin?.(), { registry: reg.host, repository: "app" });
    assert.equal(await layers[1]?.diffId(), await (await img.layers())[1]?.diffId());

    const done = events.filter((e) => e.kind === "blob-done");
    assert.equal(done.length, 3, "two layers and a config");
    assert.ok(done.every((e) => e.kind === "blob-done" && e.op === "upload" && e.result === "transferred"));
    // by digest, too
    const byDigest = await remote.image(`${reg.host}/app@${desc.digest}`);
    assert.equal(await byDigest.digest(), desc.digest);
  });

  test("a second push of the same image uploads no blob", async () => {
    const img = await imageWith({ "x.txt": "twice" });
    await remote.write(`${proxy.host}/twice:1`, img);
    const first = uploads(proxy).length;
    assert.ok(first >= 4, `the first push opens and completes uploads (saw ${first})`);
    proxy.reset();
    const events: ProgressEvent[] = [];
    await remote.write(`${proxy.host}/twice:2`, img, { onProgress: (e) => events.push(e) });
    assert.deepEqual(uploads(proxy), [], "no POST/PATCH/PUT to /blobs/uploads");
    const heads = proxy.requests.filter((r) => r.method === "HEAD" && r.path.includes("/blobs/"));
    assert.equal(heads.length, 2);
    assert.ok(events.filter((e) => e.kind === "blob-done").every((e) => e.kind === "blob-done" && e.result === "exists"));
    assert.equal(proxy.requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/")).length, 1);
  });

  test("layers read from one repository are mounted into another, not uploaded", async () => {
    const img = await imageWith({ "base.txt": "base layer" }, { "more.txt": randomBytes(2000) });
    await remote.write(`${proxy.host}/base:1`, img);
    const base = await remote.image(`${proxy.host}/base:1`);
    const app = appendLayers(base, layerFromTarBytes(await tarOf({ "app.txt": "app layer" })));
    proxy.reset();
    const events: ProgressEvent[] = [];
    await remote.write(`${proxy.host}/derived:1`, app, { onProgress: (e) => events.push(e) });
    const mounts = proxy.requests.filter((r) => r.method === "POST" && r.path.includes("mount=") && r.path.includes("from=base"));
    assert.equal(mounts.length, 2, "both base layers mounted");
    assert.ok(mounts.every((m) => m.status === 201));
    const dataRequests = proxy.requests.filter((r) => (r.method === "PATCH" || r.method === "PUT") && r.path.includes("/blobs/uploads"));
    assert.equal(dataRequests.length, 2, "only the new layer and the config are uploaded");
    const results = events.flatMap((e) => (e.kind === "blob-done" ? [e.result] : [])).sort();
    assert.deepEqual(results, ["mounted", "mounted", "transferred", "transferred"]);
    const back = await remote.image(`${reg.host}/derived:1`);
    assert.equal(await back.digest(), await app.digest());
    assert.deepEqual(await layerBytes(back), await layerBytes(app));
  });

  test("a blob over the chunk threshold goes up in PATCH chunks", async () => {
    const big = randomBytes(3 * 1024 * 1024 + 123);
    const img = await imageWith({ "big.bin": big });
    const size = (await img.manifest()).layers[0]?.size ?? 0;
    proxy.reset();
    await remote.write(`${proxy.host}/chunky:1`, img, { chunkThreshold: 1024 * 1024, chunkSize: 1024 * 1024 });
    const patches = proxy.requests.filter((r) => r.method === "PATCH");
    assert.equal(patches.length, Math.ceil(size / (1024 * 1024)));
    assert.ok(patches.every((p) => p.status === 202));
    const back = await remote.image(`${reg.host}/chunky:1`);
    assert.deepEqual(await layerBytes(back), await layerBytes(img));
  });

  test("pushes an index with its images and reads it back, picking a platform", async () => {
    const amd = withPlatform(await imageWith({ "arch.txt": "amd64" }), { os: "linux", architecture: "amd64" });
    const arm = withPlatform(await imageWith({ "arch.txt": "arm64" }), { os: "linux", architecture: "arm64" });
    const idx = await indexOf([
      { image: amd, os: "linux", architecture: "amd64" },
      { image: arm, os: "linux", architecture: "arm64" },
    ]);
    const desc = await remote.write(`${reg.host}/multi:1`, idx);
    assert.equal(desc.digest, await idx.digest());
    assert.equal(desc.mediaType, MediaType.OciIndex);

    const back = await remote.index(`${reg.host}/multi:1`);
    assert.equal(await back.digest(), await idx.digest());
    const m = await back.indexManifest();
    assert.equal(m.manifests.length, 2);
    const armBack = await remote.image(`${reg.host}/multi:1`, { platform: { os: "linux", architecture: "arm64" } });
    assert.equal(await armBack.digest(), await arm.digest());
    assert.deepEqual(await layerBytes(armBack), await layerBytes(arm));
    await assert.rejects(remote.image(`${reg.host}/multi:1`, { platform: { os: "linux", architecture: "s390x" } }), (e: Error) => {
      assert.match(e.message, /has no image for linux\/s390x/);
      return true;
    });
    // pushing the same index again re-uses the children already there
    proxy.reset();
    await remote.write(`${proxy.host}/multi:2`, idx);
    assert.deepEqual(uploads(proxy), []);
    assert.equal(proxy.requests.filter((r) => r.method === "PUT").length, 1, "only the index manifest is PUT");
  });

  test("head, exists, listTags and deleteManifest", async () => {
    const img = await imageWith({ "t.txt": "tags" });
    await remote.write(`${reg.host}/tagged:a`, img);
    await remote.write(`${reg.host}/tagged:b`, img);
    const d = await remote.head(`${reg.host}/tagged:a`);
    assert.equal(d.digest, await img.digest());
    assert.equal(d.size, (await img.rawManifest()).length);
    assert.equal(await remote.exists(`${reg.host}/tagged:a`), true);
    assert.equal(await remote.exists(`${reg.host}/tagged:nope`), false);
    assert.equal(await remote.exists(`${reg.host}/never-pushed:a`), false);
    assert.deepEqual((await remote.listTags(`${reg.host}/tagged`)).sort(), ["a", "b"]);
    await remote.deleteManifest(`${reg.host}/tagged:a`);
    assert.equal(await remote.exists(`${reg.host}/tagged@${d.digest}`), false);
  });

  test("blob transfers run `jobs` at a time", async () => {
    const peak = (rs: Array<{ start: number; end: number }>) => {
      let best = 0;
      for (const r of rs) best = Math.max(best, rs.filter((o) => o.start <= r.start && o.end > r.start).length);
      return best;
    };
    for (const jobs of [2, 4]) {
      const layers = [];
      for (let i = 0; i < 7; i++) layers.push({ [`l${i}.bin`]: randomBytes(1000) });
      const img = await imageWith(layers[0]!, ...layers.slice(1));
      proxy.reset();
      // long enough that a loaded machine still starts every allowed upload before the first ends
      proxy.inject({ method: "PUT", path: /\/blobs\/uploads\//, delayMs: 1000 });
      await remote.write(`${proxy.host}/jobs:${jobs}`, img, jobs === 4 ? {} : { jobs });
      const puts = proxy.requests.filter((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/"));
      assert.equal(puts.length, 8);
      assert.equal(peak(puts), jobs, `at most ${jobs} uploads in flight, and that many used`);
    }
  });

  test("a layer with filePath() is streamed from that file", async () => {
    const layer = layerFromTarBytes(await tarOf({ "file.txt": randomBytes(3000) }));
    const dir = tempDir();
    try {
      const path = join(dir.path, "layer.tar.gz");
      writeFileSync(path, await readAll(await layer.compressed()));
      const fromFile = { ...layer, compressed: () => Promise.reject(new Error("compressed() must not be used")), filePath: () => path };
      const img = appendLayers(emptyImage(), fromFile);
      await remote.write(`${reg.host}/fromfile:1`, img);
      const back = await remote.image(`${reg.host}/fromfile:1`);
      assert.deepEqual(await layerBytes(back), [readFileSync(path)]);
    } finally {
      dir.cleanup();
    }
  });

  test("a layer that lies about its digest is refused before the registry sees it", async () => {
    const good = layerFromTarBytes(await tarOf({ "a.txt": "a" }));
    const other = layerFromTarBytes(await tarOf({ "b.txt": "b" }));
    const liar = { ...good, compressed: () => other.compressed(), size: () => other.size() };
    const img = appendLayers(emptyImage(), liar);
    await assert.rejects(remote.write(`${reg.host}/liar:1`, img), (e: Error & { code?: string }) => {
      assert.ok(e.code === "OCI_DIGEST_MISMATCH" || e.code === "OCI_SIZE_MISMATCH", `${e.code}: ${e.message}`);
      return true;
    });
  });
});

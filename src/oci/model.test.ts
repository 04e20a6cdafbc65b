import { test } from "node:test";
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import {
  DigestingStream,
  emptyImage,
  layerFromTarBytes,
  MediaType,
  mutate,
  OciError,
  parseDigest,
  parseManifest,
  serializeManifest,
  sha256,
  VerifyingStream,
  partial,
  type Digest,
} from "./index.js";

async function tarOf(files: Record<string, string>): Promise<Buffer> {
  const p = pack();
  for (const [name, content] of Object.entries(files)) p.entry({ name, mtime: new Date(0) }, content);
  p.finalize();
  return partial.readAll(p as unknown as Readable);
}

test("parseDigest accepts sha256 and refuses malformed digests with the input named", () => {
  const good = "sha256:" + "a".repeat(64);
  assert.equal(parseDigest(good), good);
  for (const bad of ["sha256:abc", "md5:" + "a".repeat(32), "sha256:" + "A".repeat(64), "", "a".repeat(64)]) {
    assert.throws(() => parseDigest(bad, "index.json"), (e: unknown) => e instanceof OciError && e.message.includes(JSON.stringify(bad)) && e.message.includes("index.json"));
  }
});

test("DigestingStream hashes while streaming; VerifyingStream rejects wrong digests and truncation", async () => {
  const data = Buffer.from("hello world");
  const d = new DigestingStream();
  await partial.readAll(Readable.from([data]).pipe(d));
  assert.equal(d.digest, sha256(data));
  assert.equal(d.size, data.length);

  await partial.readAll(Readable.from([data]).pipe(new VerifyingStream(sha256(data), data.length, "blob")));
  await assert.rejects(
    partial.readAll(Readable.from([data]).pipe(new VerifyingStream(sha256("other"), data.length, "blob x"))),
    /blob x: content has digest sha256:[0-9a-f]+, expected/,
  );
  await assert.rejects(
    partial.readAll(Readable.from([data.subarray(0, 5)]).pipe(new VerifyingStream(sha256(data), data.length, "blob y"))),
    /blob y: got 5 bytes, expected 11 \(truncated\?\)/,
  );
});

test("manifests round-trip with a fixed key order; oversized manifests are refused", () => {
  const m = {
    schemaVersion: 2 as const,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, digest: sha256("c"), size: 1 },
    layers: [{ mediaType: MediaType.OciLayerGzip, digest: sha256("l"), size: 2, annotations: { b: "2", a: "1" } }],
  };
  const raw = serializeManifest(m);
  const back = parseManifest(raw);
  assert.deepEqual(serializeManifest(back), raw);
  assert.match(Buffer.from(raw).toString(), /"annotations":\{"a":"1","b":"2"\}/);
  assert.throws(() => parseManifest(Buffer.alloc(5 * 1024 * 1024, 32)), /over the 4194304 byte limit/);
  assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":1}')), /schemaVersion 1 is not supported/);
});

test("appendLayers returns a new image and leaves the base untouched", async () => {
  const base = emptyImage();
  const tar = await tarOf({ "a.txt": "a" });
  const layer = layerFromTarBytes(tar);
  const img = mutate.appendLayers(base, { layer, history: { created_by: "test" } });
  const [bm, m, c] = await Promise.all([base.manifest(), img.manifest(), img.configFile()]);
  assert.equal(bm.layers.length, 0);
  assert.equal(m.layers.length, 1);
  assert.equal(m.layers[0]?.digest, await layer.digest());
  assert.deepEqual(c.rootfs.diff_ids, [sha256(tar)]);
  assert.equal(c.history?.at(-1)?.created_by, "test");
  assert.equal(m.config.digest, sha256(await img.rawConfigFile()));
  assert.equal(await img.digest(), sha256(await img.rawManifest()));
  assert.equal(await (await img.layerByDiffId(sha256(tar))).digest(), await layer.digest());
});

test("the same mutations give the same digest (deterministic), different ones differ", async () => {
  const mk = async (label: string) => {
    const layer = layerFromTarBytes(await tarOf({ "x": "1" }));
    let img = mutate.appendLayers(emptyImage(), layer);
    img = mutate.withLabels(img, { "org.example.a": label });
    img = mutate.withEnv(img, { PATH: "/usr/bin", HOME: "/home" });
    img = mutate.withEntrypoint(img, ["/cnb/lifecycle/launcher"], null);
    return img.digest();
  };
  assert.equal(await mk("x"), await mk("x"));
  assert.notEqual(await mk("x"), await mk("y"));
});

test("withEnv replaces in place and appends new names; withLabels removes with undefined", async () => {
  let img = mutate.withEnv(emptyImage(), { A: "1", B: "2" });
  img = mutate.withEnv(img, { A: "3", C: "4" });
  assert.deepEqual((await img.configFile()).config.Env, ["A=3", "B=2", "C=4"]);
  img = mutate.withLabels(img, { k: "v", j: "w" });
  img = mutate.withLabels(img, { k: undefined });
  assert.deepEqual((await img.configFile()).config.Labels, { j: "w" });
});

test("withCreatedAt sets config time; the empty image defaults to 1980-01-01T00:00:01Z", async () => {
  assert.equal((await emptyImage().configFile()).created, "1980-01-01T00:00:01Z");
  const img = mutate.withCreatedAt(emptyImage(), new Date("2024-05-06T07:08:09Z"));
  assert.equal((await img.configFile()).created, "2024-05-06T07:08:09Z");
});

test("withManifestFormat converts between OCI and Docker media types", async () => {
  const img = mutate.appendLayers(emptyImage(), layerFromTarBytes(await tarOf({ a: "b" })));
  const d = mutate.withManifestFormat(img, "docker");
  const m = await d.manifest();
  assert.equal(m.mediaType, MediaType.DockerManifest);
  assert.equal(m.config.mediaType, MediaType.DockerConfig);
  assert.equal(m.layers[0]?.mediaType, MediaType.DockerLayer);
  const back = await mutate.withManifestFormat(d, "oci").manifest();
  assert.equal(back.layers[0]?.mediaType, MediaType.OciLayerGzip);
  assert.equal(await mutate.withManifestFormat(d, "oci").digest(), await img.digest());
});

test("rebase swaps the base layers and keeps the app layers and config", async () => {
  const l = async (n: string) => layerFromTarBytes(await tarOf({ [n]: n }));
  const oldBase = mutate.appendLayers(emptyImage(), { layer: await l("os1"), history: { created_by: "old" } });
  const newBase = mutate.appendLayers(emptyImage(), { layer: await l("os2"), history: { created_by: "new" } }, await l("os2b"));
  const app = mutate.withEnv(
    mutate.appendLayers(oldBase, { layer: await l("app"), history: { created_by: "app" } }),
    { APP: "1" },
  );
  const out = mutate.rebase(app, oldBase, newBase);
  const c = await out.configFile();
  const appLayer = await l("app");
  assert.deepEqual(c.rootfs.diff_ids, [
    ...(await newBase.configFile()).rootfs.diff_ids,
    await appLayer.diffId(),
  ]);
  assert.deepEqual(c.history?.map((h) => h.created_by), ["new", undefined, "app"]);
  assert.deepEqual(c.config.Env, ["APP=1"]);
  const layers = await out.layers();
  assert.equal(layers.length, 3);
  assert.equal(await layers[2]?.digest(), await appLayer.digest());

  await assert.rejects(async () => mutate.rebase(app, newBase, oldBase).digest(), /not based on the given old base/);
});

test("layerFromTarBytes gzips deterministically and streams both forms", async () => {
  const tar = await tarOf({ a: "1" });
  const gz = gzipSync(tar);
  const l = layerFromTarBytes(tar);
  assert.equal(await l.diffId(), sha256(tar));
  assert.equal(await l.digest(), sha256(gz) as Digest);
  assert.equal(await layerFromTarBytes(tar).digest(), await l.digest());
  assert.equal(await l.digest(), sha256(await partial.readAll(await l.compressed())));
  assert.deepEqual(await partial.readAll(await l.uncompressed()), tar);
});

test("a corrupt compressed blob fails uncompressed() and diffId() instead of hanging", async () => {
  const tar = await tarOf({ a: "1" });
  const gz = gzipSync(tar);
  const l = partial.compressedToLayer({
    descriptor: { mediaType: MediaType.OciLayerGzip, digest: sha256(gz), size: gz.length },
    open: async () => Readable.from([gz.subarray(0, 10)]).pipe(new VerifyingStream(sha256(gz), gz.length, "blob z")),
  });
  await assert.rejects(async () => partial.readAll(await l.uncompressed()), /blob z: got 10 bytes/);
  await assert.rejects(l.diffId(), /blob z: got 10 bytes/);
});

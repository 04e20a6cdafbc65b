// The root filesystem cache is keyed by the diffIDs an image's config claims: an image whose
// layers are not what its config says must never get its files cached under those keys.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import {
  type Digest,
  emptyImage,
  extract,
  type Image,
  layer,
  type Layer,
  layout,
  MediaType,
  mutate,
  OciError,
  partial,
  serializeConfigFile,
  serializeManifest,
  sha256,
} from "../oci/index.js";
import { tempDir } from "../testing/index.js";
import { prepareBuilderRootfs, prepareRootfs } from "./index.js";

/** A gzip layer of the given files, built into `dir`. */
function filesLayer(dir: string, files: Record<string, string>): Promise<Layer> {
  return layer.layerFromFiles(
    Object.entries(files).map(([path, content]) => ({ path, content })),
    { outputDir: dir },
  );
}

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** An image made of `real` layers whose config claims `claimed` diffIDs instead of theirs. */
async function claiming(real: Image, claimed: Digest[]): Promise<Image> {
  const config = await real.configFile();
  const rawConfig = serializeConfigFile({ ...config, rootfs: { type: "layers", diff_ids: claimed } });
  const m = await real.manifest();
  const raw = serializeManifest({ ...m, config: { mediaType: MediaType.OciConfig, digest: sha256(rawConfig), size: rawConfig.length } });
  const blobs = new Map<string, Buffer>([[sha256(rawConfig), Buffer.from(rawConfig)]]);
  for (const l of await real.layers()) blobs.set(await l.digest(), await readAll(await l.compressed()));
  return partial.toImage({ rawManifest: async () => raw, blob: async (d) => Readable.from([blobs.get(d.digest) as Buffer]) });
}

/** Writes an image to an OCI layout and reads it back, as `--builder oci:DIR` would. */
async function viaLayout(dir: string, img: Image): Promise<Image> {
  await layout.writeLayout(dir, { kind: "image", image: img });
  const a = await layout.readLayout(dir);
  assert.equal(a.kind, "image");
  return a.image;
}

test("an image whose layers do not match its config's diffIDs is refused, and the genuine image's root is not poisoned", async (t) => {
  const d = tempDir("paketo-rootfs-poison-");
  t.after(d.cleanup);
  const genuine = mutate.appendLayers(emptyImage(), await filesLayer(d.path, { "etc/os-release": "genuine\n" }));
  const evil = mutate.appendLayers(emptyImage(), await filesLayer(d.path, { "etc/os-release": "evil\n", "usr/bin/backdoor": "x" }));
  const genuineDiffIds = (await genuine.configFile()).rootfs.diff_ids;
  const hostile = await viaLayout(join(d.path, "hostile"), await claiming(evil, genuineDiffIds));
  const cacheDir = join(d.path, "rootfs");

  const err = await prepareRootfs(hostile, { cacheDir }).then(
    () => assert.fail("the hostile image was extracted"),
    (e: Error) => e,
  );
  const cause = err.cause as OciError;
  assert.ok(cause instanceof OciError, String(err));
  assert.equal(cause.code, "OCI_DIGEST_MISMATCH");
  assert.match(cause.message, /^layer sha256:[0-9a-f]{64} of OCI layout \S+hostile \(its tar, against the diffID in the image config\): content has digest/);
  // Nothing was published: no root, and no temp folder left behind.
  assert.deepEqual(readdirSync(cacheDir), []);

  const root = await prepareRootfs(await viaLayout(join(d.path, "genuine"), genuine), { cacheDir });
  assert.equal(readFileSync(join(root, "etc/os-release"), "utf8"), "genuine\n");
  assert.ok(!existsSync(join(root, "usr/bin/backdoor")));
});

test("a builder's own layers are checked against their diffIDs too", async (t) => {
  const d = tempDir("paketo-rootfs-poison-top-");
  t.after(d.cleanup);
  const base = await filesLayer(d.path, { "etc/os-release": "genuine\n" });
  const top = await filesLayer(d.path, { "cnb/buildpacks/x/bin/build": "genuine" });
  const evilTop = await filesLayer(d.path, { "cnb/buildpacks/x/bin/build": "evil" });
  const real = mutate.appendLayers(emptyImage(), base, evilTop);
  const claimed = [await base.diffId(), await top.diffId()];
  const hostile = await viaLayout(join(d.path, "hostile"), await claiming(real, claimed));
  await assert.rejects(prepareBuilderRootfs(hostile, { cacheDir: join(d.path, "rootfs") }), (e: Error) => {
    const oci = e instanceof OciError ? e : (e.cause as OciError | undefined);
    assert.equal(oci?.code, "OCI_DIGEST_MISMATCH", String(e));
    return true;
  });
  // The base part was genuine and may stay; no top part was published for the hostile builder.
  const cache = join(d.path, "rootfs");
  assert.deepEqual(existsSync(cache) ? readdirSync(cache).filter((n) => n.startsWith("top-") || n.startsWith(".tmp")) : [], []);
});

test("a root filesystem past the image's size limit is refused, naming the layer, and nothing is published", async (t) => {
  const d = tempDir("paketo-rootfs-budget-");
  t.after(d.cleanup);
  const a = await filesLayer(d.path, { "a.bin": "a".repeat(3 << 20) });
  const b = await filesLayer(d.path, { "b.bin": "b".repeat(3 << 20) });
  const img = await viaLayout(join(d.path, "img"), mutate.appendLayers(emptyImage(), a, b));
  const cacheDir = join(d.path, "rootfs");
  const limits = { ...extract.DEFAULT_LIMITS, maxImageBytes: 5 << 20 };
  await assert.rejects(prepareRootfs(img, { cacheDir, limits }), (e: Error) => {
    const cause = e.cause as OciError;
    assert.equal(cause?.code, "OCI_LIMIT_EXCEEDED", String(e));
    assert.match(cause.message, new RegExp(`^layer sha256:[0-9a-f]{64} takes the root filesystem of image sha256:[0-9a-f]{64} past 5\\.0 MiB`));
    return true;
  });
  assert.deepEqual(readdirSync(cacheDir), []);
  assert.ok(existsSync(join(await prepareRootfs(img, { cacheDir }), "b.bin")), "the default limit lets it through");
});

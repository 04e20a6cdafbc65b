import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { hasCommand, run, tempDir } from "../../testing/index.js";
import { OciError } from "../errors.js";
import type { Artifact, Image, Layer } from "../image.js";
import { readAll } from "../partial/index.js";
import { layerFromTarBytes } from "../static-layer.js";
import { appendLayers } from "../mutate/index.js";
import { emptyImage } from "../empty.js";
import { blobRelPath, pruneLayout, readIndexEntries, readLayout, REF_NAME, writeLayout } from "./index.js";
import { indexOf, lyingLayer, oddlyFormattedImage, randomImage, snapshot, tarOf } from "./testing/fixtures.js";

const image = (a: Artifact): Image => {
  assert.equal(a.kind, "image");
  return (a as { kind: "image"; image: Image }).image;
};

function tempFiles(dir: string): string[] {
  const tmp = join(dir, ".paketo", "tmp");
  return existsSync(tmp) ? readdirSync(tmp) : [];
}

test("an image written to a layout reads back identical: manifest digest and bytes, config, layers", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const img = await randomImage(3);
  const desc = await writeLayout(d.path, { kind: "image", image: img }, { tag: "v1" });
  assert.equal(desc.digest, await img.digest());
  assert.equal(desc.annotations?.[REF_NAME], "v1");
  const back = image(await readLayout(d.path, { tag: "v1" }));
  assert.deepEqual(await snapshot(back), await snapshot(img));
  assert.deepEqual(JSON.parse(readFileSync(join(d.path, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
  assert.equal(existsSync(join(d.path, ".paketo")), false, "bookkeeping directories are tidied away");
  assert.deepEqual(tempFiles(d.path), []);
});

test("docker v2.2 images keep their media types and digest through a layout", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const img = await randomImage(1, { format: "docker" });
  await writeLayout(d.path, { kind: "image", image: img }, { tag: "d" });
  const back = image(await readLayout(d.path));
  assert.equal(await back.digest(), await img.digest());
  assert.equal(await back.mediaType(), "application/vnd.docker.distribution.manifest.v2+json");
});

test("manifests are stored byte for byte, not re-serialised", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const img = await oddlyFormattedImage();
  await writeLayout(d.path, { kind: "image", image: img });
  const raw = readFileSync(join(d.path, blobRelPath(await img.digest())));
  assert.deepEqual(raw, Buffer.from(await img.rawManifest()));
  assert.ok(raw.toString().includes("\n   "), "kept the indentation");
  assert.equal(await image(await readLayout(d.path)).digest(), await img.digest());
});

test("an index is written with all its children and reads back with the same digests", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const [a, b] = [await randomImage(1), await randomImage(2)];
  const idx = await indexOf([a, b]);
  await writeLayout(d.path, { kind: "index", index: idx }, { tag: "multi" });
  const back = await readLayout(d.path, { tag: "multi" });
  assert.equal(back.kind, "index");
  if (back.kind !== "index") return;
  assert.equal(await back.index.digest(), await idx.digest());
  const m = await back.index.indexManifest();
  assert.equal(m.manifests.length, 2);
  const child = await back.index.image(await b.digest());
  assert.deepEqual(await snapshot(child), await snapshot(b));
  // A child can also be read by digest, though index.json names only the index.
  assert.equal(await image(await readLayout(d.path, { digest: await a.digest() })).digest(), await a.digest());
});

test("writing a tag replaces that tag's entry and keeps the others", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const [one, two, three] = [await randomImage(1), await randomImage(1), await randomImage(1)];
  await writeLayout(d.path, { kind: "image", image: one }, { tag: "a" });
  await writeLayout(d.path, { kind: "image", image: two }, { tag: "b" });
  await writeLayout(d.path, { kind: "image", image: three }, { tag: "a" });
  const entries = (await readIndexEntries(d.path)).map((e) => [e.descriptor.annotations?.[REF_NAME], e.descriptor.digest]);
  assert.deepEqual(entries, [
    ["b", await two.digest()],
    ["a", await three.digest()],
  ]);
});

test("writing without a tag replaces the untagged entry (as containers/image does), so the layout still reads without a tag", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const [one, two, tagged] = [await randomImage(1), await randomImage(1), await randomImage(1)];
  await writeLayout(d.path, { kind: "image", image: tagged }, { tag: "keep" });
  await writeLayout(d.path, { kind: "image", image: one });
  await writeLayout(d.path, { kind: "image", image: two });
  const entries = (await readIndexEntries(d.path)).map((e) => [e.descriptor.annotations?.[REF_NAME], e.descriptor.digest]);
  assert.deepEqual(entries, [
    ["keep", await tagged.digest()],
    [undefined, await two.digest()],
  ]);
});

test("reading without a tag needs a single image; errors list the tags there", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  await writeLayout(d.path, { kind: "image", image: await randomImage(1) }, { tag: "first" });
  assert.equal((await readLayout(d.path)).kind, "image");
  await writeLayout(d.path, { kind: "image", image: await randomImage(1) }, { tag: "second" });
  await assert.rejects(readLayout(d.path), (e: OciError) => {
    assert.equal(e.code, "OCI_IMAGE_NOT_FOUND");
    assert.match(e.message, /holds 2 images/);
    assert.match(e.hint ?? "", /first, second/);
    return true;
  });
  await assert.rejects(readLayout(d.path, { tag: "third" }), (e: OciError) => {
    assert.match(e.message, /no image tagged "third"/);
    assert.match(e.hint ?? "", /first, second/);
    return true;
  });
});

test("blobs already present are not written again", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const base = await randomImage(2);
  await writeLayout(d.path, { kind: "image", image: base }, { tag: "base" });
  const layerDigest = (await base.manifest()).layers[0]?.digest;
  assert.ok(layerDigest);
  const before = statSync(join(d.path, blobRelPath(layerDigest)));
  const events: string[] = [];
  const app = appendLayers(base, (await (await randomImage(1)).layers())[0] as Layer);
  await writeLayout(d.path, { kind: "image", image: app }, { tag: "app", onProgress: (e) => e.kind === "blob-done" && events.push(e.result) });
  const after = statSync(join(d.path, blobRelPath(layerDigest)));
  assert.equal(after.ino, before.ino);
  assert.equal(after.mtimeMs, before.mtimeMs);
  assert.equal(events.filter((r) => r === "exists").length, 2, "both base layers were found present");
  assert.equal(events.filter((r) => r === "transferred").length, 3, "new layer, config and manifest");
});

test("a layer that offers its file is hard-linked, not copied", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const layer = layerFromTarBytes(await tarOf({ "app/main.js": "console.log(1)\n" }));
  const file = join(d.path, "built-layer.tar.gz");
  writeFileSync(file, await readAll(await layer.compressed()));
  const linked: Layer = { ...layer, filePath: () => file };
  const img = appendLayers(emptyImage(), linked);
  const out = join(d.path, "layout");
  await writeLayout(out, { kind: "image", image: img });
  assert.equal(statSync(join(out, blobRelPath(await layer.digest()))).ino, statSync(file).ino);
  assert.deepEqual(await snapshot(image(await readLayout(out))), await snapshot(img));
});

test("a corrupted blob in a layout is detected on read", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const img = await randomImage(1);
  await writeLayout(d.path, { kind: "image", image: img });
  const layerPath = join(d.path, blobRelPath((await img.manifest()).layers[0]?.digest as never));
  const bytes = readFileSync(layerPath);
  const at = bytes.length - 5;
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(layerPath, bytes);
  const back = image(await readLayout(d.path));
  const layer = (await back.layers())[0] as Layer;
  await assert.rejects(readAll(await layer.compressed()), (e: OciError) => e.code === "OCI_DIGEST_MISMATCH");
  // Extra bytes fail the decompressed stream too (it must not wait forever for an end): the
  // file's size is checked when it is opened.
  writeFileSync(layerPath, Buffer.concat([readFileSync(layerPath), Buffer.from("more")]));
  const grown = (await image(await readLayout(d.path)).layers())[0] as Layer;
  await assert.rejects(async () => readAll(await grown.uncompressed()), (e: OciError) => e.code === "OCI_SIZE_MISMATCH");
  // A manifest changed on disk is caught before it is even parsed.
  writeFileSync(join(d.path, blobRelPath(await img.digest())), Buffer.from(await img.rawManifest()).toString().replace("2", "3"));
  await assert.rejects(image(await readLayout(d.path)).manifest(), (e: OciError) => e.code === "OCI_DIGEST_MISMATCH");
});

test("a source whose bytes do not match the digest leaves no blob and no temp file", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const good = (await (await randomImage(1)).layers())[0] as Layer;
  const img = appendLayers(emptyImage(), lyingLayer(good));
  await assert.rejects(writeLayout(d.path, { kind: "image", image: img }, { tag: "x" }), (e: OciError) => e.code === "OCI_DIGEST_MISMATCH");
  assert.equal(existsSync(join(d.path, blobRelPath(await good.digest()))), false);
  assert.deepEqual(tempFiles(d.path), []);
  assert.deepEqual(await readIndexEntries(d.path), [], "index.json was not touched");
});

test("a non-empty directory that is not a layout is refused", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  writeFileSync(join(d.path, "notes.txt"), "mine");
  await assert.rejects(writeLayout(d.path, { kind: "image", image: await randomImage(1) }), (e: OciError) => {
    assert.equal(e.code, "OCI_LAYOUT");
    return true;
  });
  await assert.rejects(readLayout(d.path), (e: OciError) => e.code === "OCI_LAYOUT");
});

test("pruneLayout deletes only blobs no entry reaches", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const img = await randomImage(2);
  await writeLayout(d.path, { kind: "image", image: img }, { tag: "keep" });
  const stray = join(d.path, "blobs", "sha256", "0".repeat(64));
  writeFileSync(stray, "stray");
  const r = await pruneLayout(d.path);
  assert.equal(r.removedBlobs, 1);
  assert.equal(r.freedBytes, 5);
  assert.equal(existsSync(stray), false);
  assert.deepEqual(await snapshot(image(await readLayout(d.path))), await snapshot(img));
});

test("skopeo and umoci accept a layout paketo wrote", async (t) => {
  assert.ok(hasCommand("skopeo") && hasCommand("umoci"), "skopeo and umoci must be installed");
  const d = tempDir();
  t.after(d.cleanup);
  const layerTar = await tarOf({ "etc/greeting": "hello from paketo\n" });
  const img = appendLayers(emptyImage(), layerFromTarBytes(layerTar));
  const dir = join(d.path, "layout");
  await writeLayout(dir, { kind: "image", image: img }, { tag: "latest" });
  const info = JSON.parse(run("skopeo", ["inspect", "--raw", `oci:${dir}:latest`])) as { config: { digest: string } };
  assert.equal(info.config.digest, await img.configName());
  const bundle = join(d.path, "bundle");
  run("umoci", ["unpack", "--rootless", "--image", `${dir}:latest`, bundle]);
  assert.equal(readFileSync(join(bundle, "rootfs", "etc", "greeting"), "utf8"), "hello from paketo\n");
});

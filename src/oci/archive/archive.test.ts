import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { hasCommand, run, tempDir } from "../../testing/index.js";
import { sha256 } from "../digest.js";
import type { OciError } from "../errors.js";
import type { Artifact, Image, Layer } from "../image.js";
import { readLayout, writeLayout } from "../layout/index.js";
import { indexOf, lyingLayer, oddlyFormattedImage, randomImage, snapshot, tarOf } from "../layout/testing/fixtures.js";
import { appendLayers } from "../mutate/index.js";
import { emptyImage } from "../empty.js";
import { readAll } from "../partial/index.js";
import { readDockerArchive, readOciArchive, writeDockerArchive, writeOciArchive } from "./index.js";

const image = (a: Artifact): Image => {
  assert.equal(a.kind, "image");
  return (a as { kind: "image"; image: Image }).image;
};

/** Podman with private storage and config, so tests never touch the machine's images. */
function podman(dir: string, args: string[]): string {
  const conf = join(dir, "containers.conf");
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n');
  return run("podman", ["--root", join(dir, "root"), "--runroot", join(dir, "runroot"), "--storage-driver", "vfs", ...args], {
    env: { ...process.env, CONTAINERS_CONF: conf },
  });
}

test("oci-archive: write then read gives the same manifest digest, config and layers", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const img = await randomImage(3);
  const file = join(d.path, "img.tar");
  const desc = await writeOciArchive(file, { kind: "image", image: img }, { tag: "v1" });
  assert.equal(desc.digest, await img.digest());
  assert.deepEqual(await snapshot(image(await readOciArchive(file, { tag: "v1" }))), await snapshot(img));
  assert.deepEqual(await snapshot(image(await readOciArchive(file))), await snapshot(img));
  assert.deepEqual(readdirSync(d.path), ["img.tar"], "no temp file left beside it");
});

test("oci-archive: output is deterministic and sorted, with fixed times and owners", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const img = await randomImage(2);
  const a = join(d.path, "a.tar");
  const b = join(d.path, "b.tar");
  await writeOciArchive(a, { kind: "image", image: img });
  await writeOciArchive(b, { kind: "image", image: img });
  assert.equal(sha256(readFileSync(a)), sha256(readFileSync(b)));
  const listing = run("tar", ["--numeric-owner", "-tvf", a], { env: { ...process.env, TZ: "UTC" } }).trim().split("\n");
  const names = listing.map((l) => l.split(/\s+/).pop() as string);
  assert.deepEqual(names, [...names].sort());
  assert.ok(names.includes("oci-layout") && names.includes("index.json") && names.includes("blobs/sha256/"));
  for (const l of listing) assert.match(l, /^\S+ 0\/0 .* 1980-01-01 00:00 /);
});

test("oci-archive: an index round-trips with its children, and a manifest byte for byte", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const idx = await indexOf([await randomImage(1), await randomImage(1)]);
  const file = join(d.path, "idx.tar");
  await writeOciArchive(file, { kind: "index", index: idx });
  const back = await readOciArchive(file);
  assert.equal(back.kind, "index");
  if (back.kind === "index") assert.equal(await back.index.digest(), await idx.digest());
  const odd = await oddlyFormattedImage();
  await writeOciArchive(file, { kind: "image", image: odd });
  assert.deepEqual(Buffer.from(await image(await readOciArchive(file)).rawManifest()), Buffer.from(await odd.rawManifest()));
});

test("oci-archive: a corrupted blob is detected on read; a bad source is refused on write", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const img = await randomImage(1, { bytes: 5000 });
  const file = join(d.path, "img.tar");
  await writeOciArchive(file, { kind: "image", image: img });
  const bytes = readFileSync(file);
  const layer = Buffer.from(await readAll(await ((await img.layers())[0] as Layer).compressed()));
  const at = bytes.indexOf(layer) + 100;
  bytes[at] = (bytes[at] ?? 0) ^ 0xff;
  writeFileSync(file, bytes);
  const back = (await image(await readOciArchive(file)).layers())[0] as Layer;
  await assert.rejects(readAll(await back.compressed()), (e: OciError) => e.code === "OCI_DIGEST_MISMATCH");

  const good = (await (await randomImage(1)).layers())[0] as Layer;
  const out = join(d.path, "bad.tar");
  await assert.rejects(writeOciArchive(out, { kind: "image", image: appendLayers(emptyImage(), lyingLayer(good)) }), (e: OciError) => e.code === "OCI_DIGEST_MISMATCH");
  assert.deepEqual(readdirSync(d.path), ["img.tar"], "neither the archive nor a temp file appeared");
});

test("oci-archive: a gzip-compressed archive gets a clear error", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const file = join(d.path, "img.tar");
  await writeOciArchive(file, { kind: "image", image: await randomImage(1) });
  writeFileSync(`${file}.gz`, gzipSync(readFileSync(file)));
  await assert.rejects(readOciArchive(`${file}.gz`), (e: OciError) => /gzip-compressed/.test(e.message));
});

test("docker-archive: write then read gives the same manifest digest, config and layers", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  for (const format of ["oci", "docker"] as const) {
    const img = await randomImage(2, { format });
    const file = join(d.path, `${format}.tar`);
    await writeDockerArchive(file, img, { repoTags: ["myapp:1.0"] });
    assert.deepEqual(await snapshot(await readDockerArchive(file)), await snapshot(img));
    assert.deepEqual(await snapshot(await readDockerArchive(file, { name: "docker.io/library/myapp:1.0" })), await snapshot(img));
    // It is an OCI layout too.
    assert.equal(await image(await readOciArchive(file, { tag: "1.0" })).digest(), await img.digest());
    const mj = JSON.parse(run("tar", ["-xOf", file, "manifest.json"])) as Array<{ Config: string; RepoTags: string[]; Layers: string[] }>;
    assert.deepEqual(mj[0]?.RepoTags, ["myapp:1.0"]);
    assert.equal(mj[0]?.Config, `blobs/sha256/${(await img.configName()).slice(7)}`);
  }
});

test("skopeo reads our oci-archive and docker-archive, and copies the docker-archive to a layout", async (t) => {
  assert.ok(hasCommand("skopeo"), "skopeo must be installed");
  const d = tempDir();
  t.after(d.cleanup);
  const img = await randomImage(2);
  const oa = join(d.path, "o.tar");
  const da = join(d.path, "d.tar");
  await writeOciArchive(oa, { kind: "image", image: img }, { tag: "latest" });
  await writeDockerArchive(da, img, { repoTags: ["myapp:latest"] });
  const diffIds = (await img.configFile()).rootfs.diff_ids;
  for (const ref of [`oci-archive:${oa}`, `oci-archive:${oa}:latest`, `docker-archive:${da}`]) {
    const out = JSON.parse(run("skopeo", ["inspect", "--config", ref])) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(out.rootfs.diff_ids, diffIds, ref);
  }
  assert.equal(JSON.parse(run("skopeo", ["inspect", `oci-archive:${oa}`])).Digest, await img.digest());
  const dir = join(d.path, "layout");
  run("skopeo", ["copy", `docker-archive:${da}`, `oci:${dir}:copied`]);
  const copied = image(await readLayout(dir, { tag: "copied" }));
  assert.deepEqual((await copied.configFile()).rootfs.diff_ids, diffIds);
  // And we read the oci-archive skopeo writes.
  const theirs = join(d.path, "theirs.tar");
  run("skopeo", ["copy", `oci:${dir}:copied`, `oci-archive:${theirs}:t`]);
  assert.deepEqual(await snapshot(image(await readOciArchive(theirs, { tag: "t" }))), await snapshot(copied));
});

test("podman load accepts our docker-archive", async (t) => {
  assert.ok(hasCommand("podman") && hasCommand("runc"), "podman and runc must be installed");
  const d = tempDir();
  t.after(d.cleanup);
  const img = await randomImage(2);
  const file = join(d.path, "d.tar");
  await writeDockerArchive(file, img, { repoTags: ["paketo-test/loaded:1"] });
  const out = podman(d.path, ["load", "-i", file]);
  assert.match(out, /Loaded image.*paketo-test\/loaded:1/);
  const id = podman(d.path, ["image", "inspect", "--format", "{{.Id}}", "paketo-test/loaded:1"]).trim();
  assert.equal(`sha256:${id}`, await img.configName());
});

test("docker-archive: a classic archive written by skopeo is read, with stable gzip layers", async (t) => {
  assert.ok(hasCommand("skopeo"), "skopeo must be installed");
  const d = tempDir();
  t.after(d.cleanup);
  const img = await randomImage(2, { bytes: 20000 });
  const dir = join(d.path, "layout");
  await writeLayout(dir, { kind: "image", image: img }, { tag: "src" });
  const file = join(d.path, "classic.tar");
  run("skopeo", ["copy", `oci:${dir}:src`, `docker-archive:${file}:example.com/team/app:2`]);
  assert.ok(!run("tar", ["-tf", file]).includes("index.json"), "skopeo wrote a classic archive");

  const back = await readDockerArchive(file);
  const again = await readDockerArchive(file, { name: "example.com/team/app:2" });
  assert.equal(await back.digest(), await again.digest(), "the synthesised manifest is stable");
  assert.equal(await back.mediaType(), "application/vnd.docker.distribution.manifest.v2+json");
  assert.equal(await back.configName(), await img.configName());
  const m = await back.manifest();
  assert.ok(m.layers.every((l) => l.mediaType === "application/vnd.docker.image.rootfs.diff.tar.gzip"));
  const orig = await snapshot(img);
  const got = await snapshot(back);
  assert.deepEqual(got.diffIds, orig.diffIds, "uncompressed layers are the original tars");
  assert.deepEqual(got.layers, m.layers.map((l) => l.digest), "compressed bytes match the synthesised digests");
  // And it can be stored and read back unchanged.
  await writeLayout(dir, { kind: "image", image: back }, { tag: "from-classic" });
  assert.equal(await image(await readLayout(dir, { tag: "from-classic" })).digest(), await back.digest());
});

/** A classic `docker save` archive with two images sharing a layer, built by hand. */
async function classicArchive(): Promise<{ tar: Buffer; diffIds: string[] }> {
  const l1 = await tarOf({ "a.txt": "one" });
  const l2 = await tarOf({ "b.txt": "two" });
  const config = (ids: string[]) => Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: ids } }));
  const c1 = config([sha256(l1)]);
  const c2 = config([sha256(l1), sha256(l2)]);
  const manifest = [
    { Config: `${sha256(c1).slice(7)}.json`, RepoTags: ["a:1"], Layers: ["l1/layer.tar"] },
    { Config: `${sha256(c2).slice(7)}.json`, RepoTags: ["docker.io/library/b:2"], Layers: ["l1/layer.tar", "l2/layer.tar"] },
  ];
  const tar = await tarOf({
    "manifest.json": JSON.stringify(manifest),
    [`${sha256(c1).slice(7)}.json`]: c1,
    [`${sha256(c2).slice(7)}.json`]: c2,
    "l1/layer.tar": l1,
    "l2/layer.tar": gzipSync(l2), // some tools store layers compressed
  });
  return { tar, diffIds: [sha256(l1), sha256(l2)] };
}

test("docker-archive: several images in one archive are chosen by name or position", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const { tar, diffIds } = await classicArchive();
  const file = join(d.path, "multi.tar");
  writeFileSync(file, tar);
  await assert.rejects(readDockerArchive(file), (e: OciError) => {
    assert.match(e.message, /holds 2 images/);
    assert.match(e.hint ?? "", /a:1/);
    return true;
  });
  await assert.rejects(readDockerArchive(file, { name: "c:3" }), (e: OciError) => e.code === "OCI_IMAGE_NOT_FOUND");
  const b = await readDockerArchive(file, { name: "b:2" });
  assert.deepEqual((await snapshot(b)).diffIds, diffIds);
  const a = await readDockerArchive(file, { index: 0 });
  assert.deepEqual((await snapshot(a)).diffIds, diffIds.slice(0, 1));
  const sharedA = (await a.manifest()).layers[0]?.digest;
  assert.equal((await b.manifest()).layers[0]?.digest, sharedA, "the shared layer gets one digest");
});

test("docker-archive: a layer that does not match the config's diff_id is refused", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const { tar } = await classicArchive();
  const bytes = Buffer.from(tar);
  const at = bytes.indexOf(Buffer.from("one"));
  bytes.write("ONE", at);
  const file = join(d.path, "bad.tar");
  writeFileSync(file, bytes);
  await assert.rejects((await readDockerArchive(file, { name: "a:1" })).manifest(), (e: OciError) => e.code === "OCI_DIGEST_MISMATCH");
});

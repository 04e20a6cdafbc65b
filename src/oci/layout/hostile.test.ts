// Hostile OCI layouts: files that are links to devices, fifos, directories or simply too big,
// layers that lie about their content, and indexes nested past the limit. Each must fail at
// once with an error naming the layout and the file, read nothing unbounded, and never hang.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { tempDir } from "../../testing/index.js";
import { serializeConfigFile } from "../config.js";
import type { Descriptor } from "../descriptor.js";
import { type Digest, sha256 } from "../digest.js";
import { emptyImage } from "../empty.js";
import { OciError } from "../errors.js";
import type { Image, Layer } from "../image.js";
import { serializeIndexManifest, serializeManifest } from "../manifest.js";
import { MediaType } from "../media-type.js";
import { appendLayers } from "../mutate/index.js";
import { readAll } from "../partial/index.js";
import { extractLayer } from "../extract/index.js";
import { tar, file } from "../extract/testing.js";
import { blobRelPath, readIndexEntries, readLayout, writeLayout } from "./index.js";
import { lyingLayer, randomImage } from "./testing/fixtures.js";

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function layoutDir(t: TestContext): string {
  const d = tempDir("paketo-hostile-layout-");
  t.after(d.cleanup);
  return d.path;
}

/** Puts bytes into a layout as a blob; returns its descriptor. */
function putBlob(dir: string, mediaType: string, bytes: Uint8Array): Descriptor {
  const digest = sha256(bytes);
  const p = join(dir, blobRelPath(digest));
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, bytes);
  return { mediaType, digest, size: bytes.length };
}

/** A layout by hand: one image of the given layer blobs, with a config claiming `diffIds`. */
function handMadeLayout(dir: string, layers: Buffer[], diffIds: Digest[]): { manifest: Descriptor; config: Descriptor; layers: Descriptor[] } {
  const ls = layers.map((b) => putBlob(dir, MediaType.OciLayerGzip, b));
  const config = putBlob(dir, MediaType.OciConfig, serializeConfigFile({ architecture: "amd64", os: "linux", config: {}, rootfs: { type: "layers", diff_ids: diffIds } }));
  const manifest = putBlob(dir, MediaType.OciManifest, serializeManifest({ schemaVersion: 2, mediaType: MediaType.OciManifest, config, layers: ls }));
  writeFileSync(join(dir, "oci-layout"), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, "index.json"), serializeIndexManifest({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [manifest] }));
  return { manifest, config, layers: ls };
}

async function imageOf(dir: string): Promise<Image> {
  const a = await readLayout(dir);
  assert.equal(a.kind, "image");
  return (a as { kind: "image"; image: Image }).image;
}

function replaceWith(path: string, kind: "devzero" | "dir" | "fifo"): void {
  rmSync(path, { force: true });
  if (kind === "devzero") symlinkSync("/dev/zero", path);
  else if (kind === "dir") mkdirSync(path);
  else spawnSync("mkfifo", [path], { stdio: "inherit" });
}

const refused = (code: string, re: RegExp) => (e: OciError) => {
  assert.ok(e instanceof OciError, String(e));
  assert.equal(e.code, code, e.message);
  assert.match(e.message, re);
  return true;
};

test("a config or layer blob linked to /dev/zero is refused without being read", async (t) => {
  const dir = layoutDir(t);
  const img = await randomImage(1);
  await writeLayout(dir, { kind: "image", image: img });
  const m = await img.manifest();
  replaceWith(join(dir, blobRelPath(m.config.digest)), "devzero");
  replaceWith(join(dir, blobRelPath((m.layers[0] as Descriptor).digest)), "devzero");
  const back = await imageOf(dir);
  await assert.rejects(back.configFile(), refused("OCI_LAYOUT", /^OCI layout \S+: blob sha256:[0-9a-f]{64} is a character device, not a regular file/));
  await assert.rejects(async () => (await back.layers())[0]?.compressed(), refused("OCI_LAYOUT", /is a character device, not a regular file/));
  const dest = join(layoutDir(t), "copy");
  await assert.rejects(writeLayout(dest, { kind: "image", image: back }), refused("OCI_LAYOUT", /character device/));
});

test("index.json or oci-layout linked to /dev/zero, or a directory, is refused", async (t) => {
  for (const [name, kind] of [["index.json", "devzero"], ["oci-layout", "devzero"], ["index.json", "dir"]] as const) {
    const dir = layoutDir(t);
    await writeLayout(dir, { kind: "image", image: await randomImage(1) });
    replaceWith(join(dir, name), kind);
    await assert.rejects(readLayout(dir), refused("OCI_LAYOUT", new RegExp(`OCI layout \\S+: ${name} is a (character device|directory), not a regular file`)));
  }
});

test("an index.json over the manifest limit is refused before it is read", async (t) => {
  const dir = layoutDir(t);
  await writeLayout(dir, { kind: "image", image: await randomImage(1) });
  writeFileSync(join(dir, "index.json"), `${" ".repeat(5 * 1024 * 1024)}{}`);
  await assert.rejects(readLayout(dir), refused("OCI_LIMIT_EXCEEDED", /index\.json is 5242882 bytes, over the 4194304 byte limit/));
  // A blob file bigger than its descriptor says is refused the same way.
  const img = await randomImage(1);
  const other = layoutDir(t);
  await writeLayout(other, { kind: "image", image: img });
  writeFileSync(join(other, blobRelPath((await img.manifest()).config.digest)), Buffer.alloc(1024 * 1024));
  await assert.rejects((await imageOf(other)).configFile(), refused("OCI_LIMIT_EXCEEDED", /over the \d+ byte limit/));
});

test("a fifo as oci-layout, index.json or a blob fails at once instead of waiting for a writer", async (t) => {
  // In a child process: an open() that blocks would hang this test process too.
  for (const which of ["oci-layout", "index.json", "config"] as const) {
    const dir = layoutDir(t);
    const img = await randomImage(1);
    await writeLayout(dir, { kind: "image", image: img });
    replaceWith(join(dir, which === "config" ? blobRelPath((await img.manifest()).config.digest) : which), "fifo");
    const script = `
      const { layout } = await import(${JSON.stringify(`${DIST}/index.js`)});
      try {
        const a = await layout.readLayout(${JSON.stringify(dir)});
        await a.image.configFile();
        console.log("read it");
      } catch (e) { console.log(e.code, e.message); }`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.signal, null, `${which}: the reader hung until killed`);
    assert.match(r.stdout, /^OCI_LAYOUT .* is a fifo, not a regular file/, `${which}: ${r.stdout}${r.stderr}`);
  }
});

test("a layer whose tar does not match its config's diffID fails, naming the layer and the layout", async (t) => {
  const dir = layoutDir(t);
  const evil = gzipSync(tar(file("etc/os-release", "evil")));
  const made = handMadeLayout(dir, [evil], [sha256(tar(file("etc/os-release", "genuine")))]);
  const layer = (await (await imageOf(dir)).layers())[0] as Layer;
  const named = new RegExp(`^layer ${made.layers[0]?.digest} of OCI layout ${dir} \\(its tar, against the diffID in the image config\\)`);
  await assert.rejects(readAll(await layer.uncompressed()), refused("OCI_DIGEST_MISMATCH", named));
  await assert.rejects(extractLayer(layer, join(dir, "x")), refused("OCI_DIGEST_MISMATCH", named));
});

test("a layer blob that is not gzip, or is truncated, is reported as a corrupt layer, not a crash", async (t) => {
  const dir = layoutDir(t);
  const whole = gzipSync(tar(file("a", "x".repeat(200_000))), { level: 0 });
  const junk = Buffer.from("<html>proxy error</html>".repeat(50));
  const made = handMadeLayout(dir, [junk, whole.subarray(0, whole.length >> 1)], [sha256("a"), sha256("b")]);
  const [notGzip, truncated] = (await (await imageOf(dir)).layers()) as [Layer, Layer];
  await assert.rejects(
    extractLayer(notGzip, join(dir, "x")),
    refused("OCI_CORRUPT_LAYER", new RegExp(`^layer ${made.layers[0]?.digest} of OCI layout ${dir} is corrupt: not valid gzip data`)),
  );
  await assert.rejects(
    extractLayer(truncated, join(dir, "y")),
    refused("OCI_CORRUPT_LAYER", new RegExp(`^layer ${made.layers[1]?.digest} of OCI layout ${dir} is truncated`)),
  );
  // The same blob in a layout whose descriptor does not match it: its digest is the error.
  const img = await randomImage(1);
  const other = layoutDir(t);
  await writeLayout(other, { kind: "image", image: img });
  writeFileSync(join(other, blobRelPath((await img.manifest()).layers[0]?.digest as Digest)), junk.subarray(0, (await img.manifest()).layers[0]?.size));
  const lying = (await (await imageOf(other)).layers())[0] as Layer;
  await assert.rejects(extractLayer(lying, join(other, "x")), (e: OciError) => ["OCI_CORRUPT_LAYER", "OCI_DIGEST_MISMATCH"].includes(e.code));
});

test("a layer's tar read only partly closes its blob file", async (t) => {
  const dir = layoutDir(t);
  const big = gzipSync(tar(file("big", Buffer.alloc(8 * 1024 * 1024, 1))), { level: 1 });
  const made = handMadeLayout(dir, [big], [sha256(tar(file("big", Buffer.alloc(8 * 1024 * 1024, 1))))]);
  const blob = join(dir, blobRelPath(made.layers[0]?.digest as Digest));
  const openFds = () => readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === blob;
    } catch {
      return false;
    }
  }).length;
  const layer = (await (await imageOf(dir)).layers())[0] as Layer;
  const s = await layer.uncompressed();
  for await (const _ of s) break; // one chunk, then stop: the stream is destroyed
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(openFds(), 0, "the blob's file descriptor was closed");
});

test("a copy that fails leaves a valid, empty layout behind: never blobs without an index.json", async (t) => {
  const dest = join(layoutDir(t), "dest");
  const good = (await (await randomImage(2)).layers()) as Layer[];
  const img = appendLayers(emptyImage(), good[0] as Layer, lyingLayer(good[1] as Layer));
  await assert.rejects(writeLayout(dest, { kind: "image", image: img }, { tag: "x" }), (e: OciError) => e.code === "OCI_DIGEST_MISMATCH");
  assert.deepEqual(JSON.parse(readFileSync(join(dest, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
  assert.deepEqual(await readIndexEntries(dest), []);
  assert.deepEqual(JSON.parse(readFileSync(join(dest, "index.json"), "utf8")).manifests, []);
});

test("an index nested past the limit is refused naming the layout it came from", async (t) => {
  const dir = layoutDir(t);
  const img = await randomImage(1);
  await writeLayout(dir, { kind: "image", image: img });
  let child: Descriptor = { mediaType: MediaType.OciManifest, digest: await img.digest(), size: (await img.rawManifest()).length };
  for (let i = 0; i < 10; i++) {
    child = putBlob(dir, MediaType.OciIndex, serializeIndexManifest({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [child] }));
  }
  writeFileSync(join(dir, "index.json"), serializeIndexManifest({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [child] }));
  const a = await readLayout(dir);
  await assert.rejects(writeLayout(join(dir, "..", "copy"), a), refused("OCI_LIMIT_EXCEEDED", new RegExp(`^index sha256:[0-9a-f]{64} \\(under index ${child.digest}\\) of OCI layout ${dir} nests indexes more than 8 deep`)));
});

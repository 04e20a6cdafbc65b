// The limits against decompression bombs and full disks: an image's layers share one budget,
// free space is checked before and during an extraction, and the environment can change them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, statfsSync, statSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { tempDir } from "../../testing/index.js";
import { sha256 } from "../digest.js";
import { OciError } from "../errors.js";
import { MediaType } from "../media-type.js";
import { compressedToLayer } from "../partial/index.js";
import { DEFAULT_LIMITS, ExtractBudget, extractLayer, extractTar, limitsFromEnv } from "./index.js";
import { entry, tar } from "./testing.js";

const MiB = 1024 * 1024;

function gzipLayer(tarBytes: Buffer) {
  const gz = gzipSync(tarBytes);
  return compressedToLayer({
    descriptor: { mediaType: MediaType.OciLayerGzip, digest: sha256(gz), size: gz.length },
    diffId: sha256(tarBytes),
    open: async () => Readable.from([gz]),
  });
}

const zeros = (name: string, size: number) => tar(entry({ name, type: "0", size }, Buffer.alloc(size)));

test("the layers of one image share a budget: the layer that takes the image past it is named", async (t) => {
  const d = tempDir("paketo-budget-");
  t.after(d.cleanup);
  const budget = new ExtractBudget(10 * MiB, "image example:1");
  const first = gzipLayer(zeros("a", 6 * MiB));
  const second = gzipLayer(zeros("b", 6 * MiB));
  await extractLayer(first, d.path, { budget });
  await assert.rejects(extractLayer(second, d.path, { budget }), (e: OciError) => {
    assert.equal(e.code, "OCI_LIMIT_EXCEEDED");
    assert.match(e.message, /^layer sha256:[0-9a-f]{64} takes image example:1 past 10\.0 MiB of uncompressed data/);
    assert.match(e.hint ?? "", /PAKETO_EXTRACT_MAX_IMAGE_SIZE/);
    return true;
  });
});

test("too little free disk space is refused before anything is written", async (t) => {
  const d = tempDir("paketo-disk-");
  t.after(d.cleanup);
  const target = join(d.path, "target");
  await assert.rejects(extractTar(Readable.from([zeros("a", 1024)]), target, { what: "layer sha256:abc", minFreeBytes: Number.MAX_SAFE_INTEGER }), (e: OciError) => {
    assert.equal(e.code, "OCI_LIMIT_EXCEEDED");
    assert.match(e.message, /^extracting layer sha256:abc: only .* free on the filesystem of .*, and .* must stay free/);
    return true;
  });
  assert.deepEqual(readdirSync(target), []);
});

test("free disk space is checked while extracting, not only before", async (t) => {
  const d = tempDir("paketo-disk-during-");
  t.after(d.cleanup);
  const s = statfsSync(d.path);
  const free = s.bavail * s.bsize;
  // Room for the check before, none for the 256 MiB the archive would write.
  const minFreeBytes = free - 16 * MiB;
  const size = 256 * MiB;
  async function* archive(): AsyncGenerator<Buffer> {
    yield entry({ name: "big", type: "0", size }).subarray(0, 512);
    const chunk = Buffer.alloc(MiB);
    for (let i = 0; i < size / MiB; i++) yield chunk;
    yield Buffer.alloc(1024);
  }
  await assert.rejects(extractTar(Readable.from(archive(), { objectMode: false }), join(d.path, "t"), { what: "layer sha256:def", minFreeBytes }), (e: OciError) => {
    assert.equal(e.code, "OCI_LIMIT_EXCEEDED");
    assert.match(e.message, /^extracting layer sha256:def: only/);
    return true;
  });
  // It stopped at the first check (64 MiB into the stream), long before the end.
  const big = join(d.path, "t", "big");
  assert.ok(!existsSync(big) || statSync(big).size < 128 * MiB);
});

test("the limits come from the environment when set there", () => {
  assert.deepEqual(limitsFromEnv({}), DEFAULT_LIMITS);
  assert.deepEqual(limitsFromEnv({ PAKETO_EXTRACT_MAX_RATIO: "500", PAKETO_EXTRACT_MAX_IMAGE_SIZE: "64G", PAKETO_EXTRACT_MIN_FREE: "512M" }), {
    maxRatio: 500,
    maxImageBytes: 64 * 1024 ** 3,
    minFreeBytes: 512 * MiB,
  });
  assert.throws(() => limitsFromEnv({ PAKETO_EXTRACT_MAX_RATIO: "lots" }), /PAKETO_EXTRACT_MAX_RATIO="lots" is not a ratio/);
  assert.throws(() => limitsFromEnv({ PAKETO_EXTRACT_MIN_FREE: "1 bucket" }), /PAKETO_EXTRACT_MIN_FREE="1 bucket" is not a size/);
});

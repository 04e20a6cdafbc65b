// A large entry streams to disk: the archive is generated on the fly and never held in memory,
// and the process's peak RSS stays far below the size of the file. Alone in its file so the peak
// (process.resourceUsage().maxRSS, per test process) belongs to this test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync, openSync, readSync, closeSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { tempDir } from "../../testing/index.js";
import { extractTar } from "./index.js";
import { header } from "./testing.js";

const SIZE = 256 * 1024 * 1024;
const CHUNK = 64 * 1024;

async function* hugeTar(): AsyncGenerator<Buffer> {
  yield header({ name: "big.bin", type: "0", size: SIZE, mode: 0o644 });
  const chunk = Buffer.alloc(CHUNK, 0x5a);
  for (let sent = 0; sent < SIZE; sent += CHUNK) yield chunk;
  yield Buffer.alloc(1024); // SIZE is a multiple of 512: no padding, just the end marker
}

test("a 256 MiB entry streams to disk with bounded memory", async (t) => {
  const d = tempDir("paketo-extract-large-");
  t.after(d.cleanup);
  const stats = await extractTar(Readable.from(hugeTar(), { objectMode: false }), d.path);
  assert.deepEqual(stats, { entries: 1, bytes: SIZE, skipped: 0 });
  const p = join(d.path, "big.bin");
  assert.equal(statSync(p).size, SIZE);
  const fd = openSync(p, "r");
  const tail = Buffer.alloc(16);
  readSync(fd, tail, 0, 16, SIZE - 16);
  closeSync(fd);
  assert.deepEqual(tail, Buffer.alloc(16, 0x5a));
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  assert.ok(peakMiB < 160, `peak RSS ${peakMiB.toFixed(0)} MiB for a ${SIZE / 2 ** 20} MiB entry`);
  t.diagnostic(`peak RSS ${peakMiB.toFixed(0)} MiB`);
});

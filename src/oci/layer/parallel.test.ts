import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { OciError } from "../errors.js";
import { buildLayers, layerFromDirectory, type LayerSpec } from "./index.js";

/** Deterministic, moderately compressible bytes. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = (x >>> 24) % 16 === 0 ? x & 255 : 97 + ((x >>> 16) % 8);
  }
  return b;
}

test("buildLayers gives the same layers, in order, as building one after the other", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const specs: LayerSpec[] = [];
  for (let i = 0; i < 5; i++) {
    const dir = writeTree(join(tmp.path, `src${i}`), { "data.bin": bytes(600_000 + i, i + 1), [`f${i}.txt`]: `layer ${i}\n` });
    specs.push({ dir, outputDir: join(tmp.path, "par"), uid: i });
  }
  specs.push({ files: [{ path: "etc/x", content: "from memory" }], outputDir: join(tmp.path, "par") });
  const parallel = await buildLayers(specs, { concurrency: 3 });
  const sequential = [];
  for (const s of specs) {
    const o = { ...s, outputDir: join(tmp.path, "seq") };
    sequential.push("dir" in s ? await layerFromDirectory(s.dir, o) : await buildLayers([o]).then((l) => l[0]));
  }
  assert.equal(parallel.length, 6);
  assert.deepEqual(parallel.map((l) => l.stats), sequential.map((l) => l?.stats));
  assert.equal(new Set(parallel.map((l) => l.stats.digest)).size, 6, "six different layers");
});

test("buildLayers rejects with the first failure", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const ok = writeTree(join(tmp.path, "ok"), { "a": "a" });
  const missing = join(tmp.path, "missing");
  await assert.rejects(
    buildLayers([{ dir: ok, outputDir: join(tmp.path, "o") }, { dir: missing, outputDir: join(tmp.path, "o") }], { concurrency: 2 }),
    (e: unknown) => e instanceof OciError && e.message.includes(missing),
  );
});

test("buildLayers keeps `concurrency` layers in flight at once, and no more", async (t) => {
  // Wall-clock speed-up is measured by the layer-throughput benchmark (it needs an idle machine);
  // here the overlap itself is checked, from the progress events.
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dirs = [0, 1, 2, 3, 4].map((i) => writeTree(join(tmp.path, `src${i}`), { "f.bin": bytes(2 << 20, i + 1) }));
  const maxInFlight = async (concurrency: number): Promise<number> => {
    let now = 0;
    let max = 0;
    const specs: LayerSpec[] = dirs.map((dir) => ({
      dir,
      outputDir: join(tmp.path, `c${concurrency}`),
      onProgress: (e) => {
        if (e.kind === "blob-start") max = Math.max(max, ++now);
        if (e.kind === "blob-done") now--;
      },
    }));
    await buildLayers(specs, { concurrency });
    return max;
  };
  assert.equal(await maxInFlight(1), 1);
  assert.equal(await maxInFlight(2), 2);
  assert.equal(await maxInFlight(3), 3);
  assert.equal(await maxInFlight(8), 5);
});

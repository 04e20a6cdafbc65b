import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { pack } from "tar-stream";
import * as oci from "../../oci/index.js";
import { tempDir } from "../../testing/index.js";
import { extractLayerDir, RestoreError } from "./index.js";

type Entry = { name: string; type?: "file" | "directory" | "symlink" | "link"; mode?: number; linkname?: string; body?: string };

async function tarLayer(entries: Entry[]): Promise<oci.Layer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => p.on("end", () => r()));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) =>
      p.entry({ name: e.name, type: e.type ?? "file", mode: e.mode ?? 0o644, ...(e.linkname ? { linkname: e.linkname } : {}) }, e.body ?? "", (err) => (err ? reject(err) : resolve())),
    );
  }
  p.finalize();
  await done;
  return oci.layerFromTarBytes(Buffer.concat(chunks));
}

test("a cache layer is restored into its own folder only", async (t) => {
  const tmp = tempDir("paketo-restore-");
  t.after(tmp.cleanup);
  const target = join(tmp.path, "layers", "bp", "node");
  const good = await tarLayer([
    { name: "layers/", type: "directory", mode: 0o755 },
    { name: "layers/bp/", type: "directory", mode: 0o755 },
    { name: "layers/bp/node/", type: "directory", mode: 0o750 },
    { name: "layers/bp/node/bin/", type: "directory", mode: 0o755 },
    { name: "layers/bp/node/bin/node", mode: 0o755, body: "node" },
    { name: "layers/bp/node/bin/nodejs", type: "link", linkname: "layers/bp/node/bin/node" },
    { name: "layers/bp/node/.wh.keep", body: "a file, not a whiteout" },
  ]);
  await extractLayerDir(good, "layers/bp/node", target, "test layer");
  assert.equal(readFileSync(join(target, "bin/node"), "utf8"), "node");
  assert.equal(statSync(join(target, "bin/nodejs")).ino, statSync(join(target, "bin/node")).ino);
  assert.equal(statSync(target).mode & 0o777, 0o750);
  assert.ok(existsSync(join(target, ".wh.keep")));

  const code = (e: unknown) => e instanceof RestoreError && e.code === "RESTORE_CACHE";
  const sibling = await tarLayer([{ name: "layers/bp/node/ok", body: "" }, { name: "layers/bp/other/evil", body: "x" }]);
  await assert.rejects(extractLayerDir(sibling, "layers/bp/node", target, "test layer"), code);
  assert.ok(!existsSync(join(tmp.path, "layers", "bp", "other")));
  const link = await tarLayer([{ name: "layers/bp/node/l", type: "link", linkname: "layers/bp/other/x" }]);
  await assert.rejects(extractLayerDir(link, "layers/bp/node", target, "test layer"), code);
  const climb = await tarLayer([{ name: "layers/bp/node/../../../../etc/x", body: "x" }]);
  await assert.rejects(extractLayerDir(climb, "layers/bp/node", target, "test layer"));
  assert.ok(!existsSync(join(tmp.path, "etc")));
});

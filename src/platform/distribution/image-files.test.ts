import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { emptyImage, layer, mutate } from "../../oci/index.js";
import { tempDir } from "../../testing/index.js";
import { readImageFile } from "./image-files.js";

test("readImageFile reads the top-most copy of a file and honours whiteouts", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const l = (files: Record<string, string>) => layer.layerFromFiles(Object.entries(files).map(([path, content]) => ({ path, content })), { outputDir: join(tmp.path, "layers") });
  const base = mutate.appendLayers(emptyImage(), await l({ "cnb/order.toml": "one", "cnb/other": "x" }));
  assert.equal((await readImageFile(base, "/cnb/order.toml"))?.toString(), "one");
  const replaced = mutate.appendLayers(base, await l({ "cnb/order.toml": "two" }), await l({ "etc/unrelated": "y" }));
  assert.equal((await readImageFile(replaced, "cnb/order.toml"))?.toString(), "two");
  const deleted = mutate.appendLayers(base, await l({ "cnb/.wh.order.toml": "" }));
  assert.equal(await readImageFile(deleted, "/cnb/order.toml"), undefined);
  const opaque = mutate.appendLayers(base, await l({ "cnb/.wh..wh..opq": "" }));
  assert.equal(await readImageFile(opaque, "/cnb/order.toml"), undefined);
  const dirGone = mutate.appendLayers(base, await l({ ".wh.cnb": "" }));
  assert.equal(await readImageFile(dirGone, "/cnb/order.toml"), undefined);
  assert.equal(await readImageFile(base, "/cnb/missing"), undefined);
  await assert.rejects(readImageFile(base, "/cnb/order.toml", { maxBytes: 2 }), /over the 2 byte limit/);
});

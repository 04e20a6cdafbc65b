import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CountingProxy, startCountingProxy, startRegistry, tempDir, type TestRegistry, writeTree } from "../../testing/index.js";
import { exportImage } from "../export/index.js";
import { openLayerFactory } from "../layer-cache/index.js";
import { CNB_GID, CNB_UID, GROUP_TOML, makeRunImage, settle, writeBuild } from "../testing/build-fixture.js";
import { restore } from "../restore/index.js";
import { openCacheImage, saveCache } from "./index.js";

describe("cache image in a registry", () => {
  let reg: TestRegistry;
  let proxy: CountingProxy;
  before(async () => {
    reg = await startRegistry();
    proxy = await startCountingProxy(reg.host);
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
  });
  const opts = { storeRoot: "/nonexistent", env: {} };
  const uploads = () => proxy.requests.filter((r) => r.path.includes("/blobs/uploads")).map((r) => `${r.method} ${r.path.replace(/\?.*/, "")}`);

  test("save, restore, and save again uploading only what changed", async (t) => {
    const tmp = tempDir("paketo-cache-image-");
    t.after(tmp.cleanup);
    const ref = `docker://${proxy.host}/cache/app:latest`;
    assert.deepEqual(await openCacheImage(ref, opts).metadata(), { buildpacks: [] }, "a cache image that does not exist yet is an empty cache");

    const build = writeBuild(join(tmp.path, "b1"));
    await settle();
    const layers = openLayerFactory({ dir: join(tmp.path, "lc1"), uid: CNB_UID, gid: CNB_GID });
    const exported = await exportImage({
      layersDir: build.layersDir,
      appDir: build.appDir,
      runImage: await makeRunImage(),
      runImageRef: { reference: "r" },
      launcher: { path: build.launcher },
      platformApi: "0.14",
      layers,
    });
    const saved = await saveCache({ cache: openCacheImage(ref, opts), layersDir: build.layersDir, layers, exported });
    assert.equal(Object.keys(saved.metadata.buildpacks[0]?.layers ?? {}).length, 2);

    // Another machine: a fresh layers dir and layer content cache, restored through the registry.
    const layersDir = join(tmp.path, "b2", "layers");
    writeTree(layersDir, { "group.toml": GROUP_TOML });
    const layers2 = openLayerFactory({ dir: join(tmp.path, "lc2"), uid: CNB_UID, gid: CNB_GID });
    proxy.reset();
    const r = await restore({ layersDir, previousMetadata: exported.metadata, cache: openCacheImage(ref, opts), platformApi: "0.14", layers: layers2 });
    assert.deepEqual(r.contents.sort(), ["acme/node:build-deps", "acme/node:node"]);
    assert.equal(readFileSync(join(layersDir, "acme_node/build-deps/lib.a"), "utf8"), "archive\n");
    const blobGets = proxy.requests.filter((q) => q.method === "GET" && q.path.includes("/blobs/"));
    assert.equal(blobGets.length, 3, "the config and each cache layer once");

    // Saving the restored, unchanged layers again uploads nothing and re-tars nothing.
    writeTree(layersDir, {
      "acme_node/node.toml": '[types]\nlaunch = true\nbuild = true\ncache = true\n\n[metadata]\nversion = "20.1.0"\n',
      "acme_node/build-deps.toml": "[types]\nbuild = true\ncache = true\n",
    });
    proxy.reset();
    const again = await saveCache({ cache: openCacheImage(ref, opts), layersDir, layers: layers2 });
    assert.deepEqual(again.stats, { built: 0, reused: 2, kept: 2 });
    assert.deepEqual(uploads(), []);

    // One layer changed: that layer and the new config are uploaded, nothing else.
    writeFileSync(join(layersDir, "acme_node/build-deps/lib.a"), "archive v2\n");
    proxy.reset();
    const third = await saveCache({ cache: openCacheImage(ref, opts), layersDir, layers: layers2 });
    assert.deepEqual(third.stats, { built: 1, reused: 1, kept: 1 });
    assert.equal(uploads().filter((u) => u === "POST /v2/cache/app/blobs/uploads/").length, 2, "two upload sessions: the layer and the config");
    assert.equal(uploads().filter((u) => u.startsWith("PUT")).length, 2);
    assert.equal(uploads().length, 4);
    assert.notEqual(third.metadata.buildpacks[0]?.layers["build-deps"]?.sha, saved.metadata.buildpacks[0]?.layers["build-deps"]?.sha);
  });
});

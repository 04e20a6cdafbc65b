// A build that saves its cache, run as its own process by the cache tests (so that two can run at
// once, and one can be killed with SIGKILL halfway). Not product code.
// Usage: node save-child.js CACHE_DIR WORK_DIR VARIANT PAYLOAD_BYTES [LAYER_CACHE_DIR]
// Prints "saving" when it starts and "committing" when the cache commit starts.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { openLayerFactory } from "../../layer-cache/index.js";
import { CNB_GID, CNB_UID, writeBuild } from "../../testing/build-fixture.js";
import { type Cache, openCacheDir, saveCache } from "../index.js";

const [cacheDir, work, variant, payload, layerCache] = process.argv.slice(2) as [string, string, string, string, string | undefined];
const build = writeBuild(work, {
  layers: {
    "acme_node/node/variant.txt": `${variant}\n`,
    "acme_node/node/payload.bin": randomBytes(Number(payload)),
  },
});
const layers = openLayerFactory({ dir: layerCache ?? join(work, "layer-cache"), uid: CNB_UID, gid: CNB_GID });
const inner = openCacheDir(cacheDir);
const cache: Cache = {
  name: inner.name,
  metadata: () => inner.metadata(),
  layer: (d) => inner.layer(d),
  commit: (m, l) => {
    process.stdout.write("committing\n");
    return inner.commit(m, l);
  },
};
process.stdout.write("saving\n");
const r = await saveCache({ cache, layersDir: build.layersDir, layers });
process.stdout.write(`saved ${JSON.stringify(r.metadata)}\n`);

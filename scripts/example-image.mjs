#!/usr/bin/env node
// Packs a folder into a one-layer image in the local store (the demo's image until `paketo build`
// exists). Usage: node scripts/example-image.mjs DIR NAME
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { emptyImage, layer, mutate, store } from "../dist/oci/index.js";

const [dir, name] = process.argv.slice(2);
if (!dir || !name) {
  console.error("usage: node scripts/example-image.mjs DIR NAME");
  process.exit(2);
}
const out = mkdtempSync(join(tmpdir(), "paketo-example-"));
try {
  const l = await layer.layerFromDirectory(dir, { outputDir: out, prefix: "srv/www" });
  let img = mutate.appendLayers(emptyImage(), { layer: l, history: { created_by: `paketo example ${dir}` } });
  img = mutate.withWorkingDir(img, "/srv/www");
  img = mutate.withLabels(img, { "org.opencontainers.image.title": "paketo example" });
  const s = await store.openStore(store.defaultStoreRoot(process.env));
  const r = await s.write(name, { kind: "image", image: img });
  console.log(`${r.name} ${r.descriptor.digest}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}

#!/usr/bin/env node
// Part of `npm run build`: bundles the platform lifecycle (src/platform/cnb-lifecycle) into one
// ES module, dist/cnb-lifecycle/lifecycle.mjs, which `paketo builder create` puts in every builder
// at /cnb/lifecycle/lifecycle.mjs with a stub per phase (docs/platform.md). It runs on the build
// image's Node.js, so it carries every dependency and reads no file next to itself.
import { build } from "esbuild";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
await build({
  entryPoints: [join(root, "dist", "platform", "cnb-lifecycle", "entry.js")],
  outfile: join(root, "dist", "cnb-lifecycle", "lifecycle.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minify: true,
  legalComments: "none",
  banner: { js: `import { createRequire as __lcCreateRequire } from "node:module";\nconst require = __lcCreateRequire(import.meta.url);` },
  logLevel: "warning",
});

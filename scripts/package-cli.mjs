#!/usr/bin/env node
// Part of `npm run build`: bundles the command line's start (src/cli/main.ts, the command table
// and each command's options) into one CommonJS file, dist/cli/paketo.cjs, which bin/paketo
// loads. Node.js starts a single CommonJS file measurably faster than a tree of ES modules
// (docs/benchmarks.md, CLI start-up). What a command runs, the progress reporter and the error
// module stay the ES modules tsc wrote into dist/ and are imported when needed, so the product
// has one copy of each module's state (the error class `instanceof` checks against, above all).
import { build } from "esbuild";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outfile = resolve(root, "dist/cli/paketo.cjs");
const commandTable = resolve(root, "src/cli/commands");

await build({
  entryPoints: [resolve(root, "src/cli/main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  packages: "external",
  logLevel: "warning",
  plugins: [
    {
      name: "lazy-imports-stay-in-dist",
      setup(b) {
        b.onResolve({ filter: /^\./ }, (a) => {
          if (a.kind !== "dynamic-import") return undefined;
          const target = resolve(a.resolveDir, a.path);
          // The command table's entries (names, options, help) are bundled; anything else
          // imported on demand is the compiled module in dist/.
          if (dirname(target) === commandTable) return undefined;
          const compiled = resolve(root, "dist", relative(resolve(root, "src"), target));
          const spec = relative(dirname(outfile), compiled);
          return { path: spec.startsWith(".") ? spec : `./${spec}`, external: true };
        });
      },
    },
  ],
});

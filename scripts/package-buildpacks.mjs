#!/usr/bin/env node
// Part of `npm run build`: bundles each of paketo's own buildpacks (src/buildpacks/<name>/main.ts)
// into a CNB buildpack directory, dist/bundled-buildpacks/<name>/ (buildpack.toml, bin/main.mjs, bin/detect,
// bin/build). The default builder (builders/default.toml) is made from these folders.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { packageBuildpack } from "../dist/buildpack-api/packaging/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src", "buildpacks");
const out = join(root, "dist", "bundled-buildpacks");
const names = readdirSync(src, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(src, d.name, "main.ts")) && existsSync(join(src, d.name, "buildpack.toml")))
  .map((d) => d.name)
  .sort();
rmSync(out, { recursive: true, force: true });
const started = Date.now();
await Promise.all(
  names.map((name) =>
    packageBuildpack({
      entry: join(src, name, "main.ts"),
      buildpackToml: readFileSync(join(src, name, "buildpack.toml"), "utf8"),
      outDir: join(out, name),
      root,
    }),
  ),
);
console.log(`packaged ${names.length} buildpack(s) into dist/bundled-buildpacks in ${Date.now() - started} ms`);

#!/usr/bin/env node
// Part of `npm run build`: bundles each of paketo's own buildpacks (src/buildpacks/<name>/main.ts)
// into a CNB buildpack directory, dist/bundled-buildpacks/<name>/ (buildpack.toml, bin/main.mjs, bin/detect,
// bin/build). The default builder (builders/default.toml) is made from these folders.
// npm's own default registry (read from npm's configuration now) goes into each bundle, for a
// platform that gives the buildpacks no registry, and into npm-default-registry beside them, for
// the default builder's build-config env.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { packageBuildpack, packageHost } from "../dist/buildpack-api/packaging/index.js";
import { npm } from "../dist/deps/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const src = join(root, "src", "buildpacks");
const out = join(root, "dist", "bundled-buildpacks");
const names = readdirSync(src, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(src, d.name, "main.ts")) && existsSync(join(src, d.name, "buildpack.toml")))
  .map((d) => d.name)
  .sort();
rmSync(out, { recursive: true, force: true });
/** `src/buildpacks/<name>/assets/*`: files a buildpack reads from its own directory (C sources it compiles). */
function assets(name) {
  const dir = join(src, name, "assets");
  if (!existsSync(dir)) return {};
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [`assets/${f}`, readFileSync(join(dir, f), "utf8")]));
}
const started = Date.now();
const npmDefault = await npm.npmBuiltInRegistry();
if (npmDefault === undefined) console.warn("package-buildpacks: npm did not name its default registry; the bundles will need one configured by the platform");
await Promise.all(
  names.map((name) =>
    packageBuildpack({
      entry: join(src, name, "main.ts"),
      buildpackToml: readFileSync(join(src, name, "buildpack.toml"), "utf8"),
      outDir: join(out, name),
      root,
      constants: npmDefault === undefined ? {} : { PAKETO_NPM_DEFAULT_REGISTRY: npmDefault },
      files: assets(name),
    }),
  ),
);
mkdirSync(out, { recursive: true });
if (npmDefault !== undefined) writeFileSync(join(out, "npm-default-registry"), `${npmDefault}\n`);
// The buildpack host: one Node.js process per phase runs our buildpacks (docs/build.md).
await packageHost({ outDir: join(root, "dist", "buildpack-host"), root });
console.log(`packaged ${names.length} buildpack(s) into dist/bundled-buildpacks in ${Date.now() - started} ms`);

#!/usr/bin/env node
// Part of `npm run build`, after tsc: bundles the command line so that it starts from a few files
// instead of ~400 ES modules (docs/benchmarks.md, CLI start-up and rebuild times).
//
// - dist/cli/paketo.cjs (loaded by bin/paketo): src/cli/main.ts with the command table (names,
//   options, help) in one CommonJS file, which Node.js starts faster than any ES module.
// - dist/cli/bundle/: what the commands run, the progress reporter and the error module, as ES
//   modules split into shared chunks, each loaded when first needed. One copy of every module
//   (the error class `instanceof` checks against, above all) serves the whole command line.
//
// The modules under dist/ that tsc wrote stay as they are, for tests and for importers of the
// library. In the bundle, each module's `import.meta.url` is the URL of its compiled file under
// dist/ (or of the package file it came from), so paths found relative to a module (the default
// builder, the launcher's sources, the buildpack host) are the same as unbundled.
import { build } from "esbuild";
import { readFile, readdir } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const cliDir = join(dist, "cli");
const bundleDir = join(cliDir, "bundle");
const commandTable = join(root, "src", "cli", "commands");

/** Lazily loaded modules (compiled path under dist/) -> entry name in dist/cli/bundle/. */
const lazy = new Map([
  [join(cliDir, "reporter.js"), "reporter"],
  [join(dist, "errors", "index.js"), "errors"],
]);
for (const f of (await readdir(join(cliDir, "commands", "run"))).filter((f) => f.endsWith(".js"))) {
  lazy.set(join(cliDir, "commands", "run", f), `run-${basename(f, ".js")}`);
}

const spec = (from, to) => {
  const r = relative(from, to);
  return r.startsWith(".") ? r : `./${r}`;
};

// 1. The lazily loaded part.
await build({
  entryPoints: Object.fromEntries([...lazy].map(([file, name]) => [name, file])),
  outdir: bundleDir,
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // The buildpack packager drives esbuild, which finds its binary relative to its own files.
  external: ["esbuild"],
  // Lets bundled CommonJS dependencies `require` Node's built-in modules from an ES module.
  banner: { js: `import { createRequire as __cliCreateRequire } from "node:module";\nconst require = __cliCreateRequire(import.meta.url);` },
  logLevel: "warning",
  plugins: [
    {
      name: "module-urls-of-the-compiled-files",
      setup(b) {
        // A package imported on demand (undici) stays a package: esbuild would hand a split chunk
        // of a CommonJS package only its default export, and it is loaded late anyway.
        b.onResolve({ filter: /^[^./]/ }, (a) => (a.kind === "dynamic-import" && !a.path.startsWith("node:") ? { path: a.path, external: true } : undefined));
        b.onLoad({ filter: /\.(m?js|cjs)$/ }, async (a) => {
          const text = await readFile(a.path, "utf8");
          if (!text.includes("import.meta.url")) return undefined;
          const url = `new URL(${JSON.stringify(spec(bundleDir, a.path))}, import.meta.url).href`;
          return { contents: text.replaceAll("import.meta.url", url), loader: "js", resolveDir: dirname(a.path) };
        });
      },
    },
  ],
});

// 2. The start: main.ts and the command table; every other dynamic import goes to step 1's entries.
await build({
  entryPoints: [join(root, "src", "cli", "main.ts")],
  outfile: join(cliDir, "paketo.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  packages: "external",
  logLevel: "warning",
  plugins: [
    {
      name: "lazy-imports-from-the-bundle",
      setup(b) {
        b.onResolve({ filter: /^\./ }, (a) => {
          if (a.kind !== "dynamic-import") return undefined;
          const target = resolve(a.resolveDir, a.path);
          if (dirname(target) === commandTable) return undefined;
          const compiled = join(dist, relative(join(root, "src"), target));
          const name = lazy.get(compiled);
          if (name === undefined) return { errors: [{ text: `${a.path}: imported on demand by the command line but not bundled (scripts/package-cli.mjs)` }] };
          return { path: spec(cliDir, join(bundleDir, `${name}.js`)), external: true };
        });
      },
    },
  ],
});

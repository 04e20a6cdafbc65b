// Packaging a TypeScript buildpack into a CNB buildpack directory (libcnb-package's role):
//   <outDir>/buildpack.toml
//   <outDir>/bin/main.mjs   the buildpack, this API and its dependencies in one file (esbuild)
//   <outDir>/bin/detect     `#!/usr/bin/env node` shims that load main.mjs; the runtime
//   <outDir>/bin/build      dispatches on the shim's name (CNB-6, CNB-10)
// The bundle targets the build image's Node.js (20) and needs no node_modules at run time. Same
// input, same bytes: module paths in the bundle are relative to `root`, files get fixed modes and
// times. A separate entry point from ../index.ts so buildpack bundles never include esbuild.
import { build, type Message } from "esbuild";
import { existsSync } from "node:fs";
import { chmod, mkdir, utimes, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { apiSupported, BUILDPACK_APIS, type BuildpackDescriptor, isComposite, parseBuildpackDescriptor } from "../../cnb/index.js";
import { BuildpackError } from "../errors.js";

export interface PackageOptions {
  /** The buildpack's composition root: a .ts source (`src/buildpacks/x/main.ts`) or compiled .js that calls `main(...)`. */
  entry: string;
  /** buildpack.toml text, written as it is. */
  buildpackToml: string;
  /** The buildpack directory to write (created if needed; files of the same name are replaced). */
  outDir: string;
  /** Paths inside the bundle are relative to this dir. Default: the nearest dir above `entry` with a package.json. */
  root?: string;
  /**
   * String constants the bundle sees in place of global identifiers (esbuild `define`), for
   * values known when the bundle is made: `{ PAKETO_NPM_DEFAULT_REGISTRY: url }`.
   */
  constants?: Record<string, string>;
  /** More files for the buildpack directory, relative path → content (`assets/helper.c`: sources a build compiles). */
  files?: Record<string, string>;
}

export interface PackagedBuildpack {
  dir: string;
  descriptor: BuildpackDescriptor;
  /** Relative paths written, sorted. */
  files: string[];
}

/** The Node.js the bundle must run on: the build image's (Debian 13 ships Node.js 20). */
export const NODE_TARGET = "node20";

const SHIM = `#!/usr/bin/env node\nimport("./main.mjs");\n`;
// Lets bundled CommonJS dependencies `require` Node's built-in modules from an ES module.
const BANNER = `import { createRequire as __bpCreateRequire } from "node:module";\nconst require = __bpCreateRequire(import.meta.url);`;
// 1980-01-01T00:00:01Z, the time the lifecycle gives layer files (D7).
const FIXED_TIME = new Date(Date.UTC(1980, 0, 1, 0, 0, 1));

function projectRoot(entry: string): string {
  let dir = dirname(resolve(entry));
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return dirname(resolve(entry));
    dir = parent;
  }
}

function formatMessages(messages: readonly Message[]): string {
  return messages
    .map((m) => (m.location === null ? m.text : `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}`))
    .join("\n");
}

/** Bundles `entry` and writes a runnable buildpack directory. */
export async function packageBuildpack(opts: PackageOptions): Promise<PackagedBuildpack> {
  const descriptor = parseBuildpackDescriptor(opts.buildpackToml, "buildpack.toml");
  if (isComposite(descriptor)) {
    throw new BuildpackError("BUILDPACK_PACKAGE", `buildpack.toml: ${descriptor.buildpack.id} is a composite buildpack ([[order]]): it has no bin/ to package`);
  }
  if (!apiSupported(descriptor.api, BUILDPACK_APIS)) {
    throw new BuildpackError("BUILDPACK_PACKAGE", `buildpack.toml: Buildpack API ${descriptor.api} is not supported (${BUILDPACK_APIS.join(", ")})`);
  }
  const entry = resolve(opts.entry);
  const root = resolve(opts.root ?? projectRoot(entry));
  let bundle: string;
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      write: false,
      platform: "node",
      target: NODE_TARGET,
      format: "esm",
      banner: { js: BANNER },
      define: Object.fromEntries(Object.entries(opts.constants ?? {}).map(([k, v]) => [k, JSON.stringify(v)])),
      charset: "utf8",
      legalComments: "eof",
      sourcemap: false,
      logLevel: "silent",
      outfile: join(root, "main.mjs"),
    });
    const out = result.outputFiles[0];
    if (out === undefined) throw new Error("esbuild produced no output");
    bundle = out.text;
  } catch (e) {
    const errors = (e as { errors?: Message[] }).errors;
    throw new BuildpackError("BUILDPACK_PACKAGE", `bundling ${opts.entry}: ${errors?.length ? formatMessages(errors) : (e as Error).message}`, { cause: e });
  }
  const dir = resolve(opts.outDir);
  const files: [string, string, number][] = [
    ["buildpack.toml", opts.buildpackToml, 0o644],
    ["bin/build", SHIM, 0o755],
    ["bin/detect", SHIM, 0o755],
    ["bin/main.mjs", bundle, 0o644],
    ...Object.entries(opts.files ?? {}).map(([rel, text]): [string, string, number] => [rel, text, 0o644]),
  ];
  try {
    await mkdir(join(dir, "bin"), { recursive: true });
    for (const [rel, text, mode] of files) {
      const path = join(dir, rel);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, text);
      await chmod(path, mode);
      await utimes(path, FIXED_TIME, FIXED_TIME);
    }
  } catch (e) {
    throw new BuildpackError("BUILDPACK_PACKAGE", `writing buildpack directory ${dir}: ${(e as Error).message}`, { cause: e });
  }
  return { dir, descriptor, files: files.map(([rel]) => rel) };
}

/**
 * paketo's buildpack host (../host.ts), bundled into `<outDir>/host.mjs`: the one Node.js process
 * per phase that runs our buildpacks' invocations (docs/build.md). Same rules as buildpack bundles.
 */
export async function packageHost(opts: { outDir: string; root?: string }): Promise<string> {
  const entry = resolve(new URL("../host.ts", import.meta.url).pathname.replace(/\/dist\//, "/src/"));
  const root = resolve(opts.root ?? projectRoot(entry));
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: root,
    bundle: true,
    write: false,
    platform: "node",
    target: NODE_TARGET,
    format: "esm",
    banner: { js: BANNER },
    charset: "utf8",
    sourcemap: false,
    logLevel: "silent",
    outfile: join(root, "host.mjs"),
  });
  const text = result.outputFiles[0]?.text;
  if (text === undefined) throw new BuildpackError("BUILDPACK_PACKAGE", "bundling the buildpack host produced nothing");
  const out = join(resolve(opts.outDir), "host.mjs");
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  await chmod(out, 0o644);
  await utimes(out, FIXED_TIME, FIXED_TIME);
  return out;
}

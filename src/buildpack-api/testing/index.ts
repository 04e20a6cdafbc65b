// Test harness: runs a buildpack's detect or build against temp directories laid out as the
// lifecycle lays them out (CNB-6, CNB-10), through the same runtime bin/detect and bin/build use,
// and returns what it wrote as parsed values. A buildpack's own tests need no platform.
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import {
  type ApiVersion,
  type BuildFile,
  buildpackFeatures,
  type DetectPlan,
  escapeId,
  type LaunchFile,
  type LayerTypes,
  parseBuildpackDescriptor,
  parseBuildToml,
  parseDetectPlan,
  parseLaunchToml,
  parseLayerMetadata,
  parseStoreToml,
  stringifyBuildpackPlan,
  stringifyLayerMetadata,
  stringifyStoreToml,
  type Table,
} from "../../cnb/index.js";
import type { Buildpack } from "../define.js";
import { EXIT, runBuildpack } from "../run.js";

/** Files by relative path: `{ "package.json": "{}", "src/a.js": "..." }`. */
export type Files = Record<string, string | Uint8Array>;

export interface RunOptions {
  /** The app: files to write, or a directory to copy (never changed in place). Default: empty. */
  app?: Files | string;
  /** The buildpack's process env as the lifecycle sets it (BP_* settings, PATH...). */
  env?: Record<string, string>;
  /** `<platform>/env` files; also applied to the process env (unless clear-env), as the lifecycle does (CNB-9). */
  platformEnv?: Record<string, string>;
  /** Service bindings under `<platform>/bindings/<name>/`. */
  bindings?: Record<string, { type: string; provider?: string; entries?: Files }>;
  /** buildpack.toml text. Default: id `test/buildpack`, version 0.0.0, the newest supported API. */
  buildpackToml?: string;
  /** `CNB_TARGET_*` (API ≥ 0.10). Default: linux on this machine's architecture. */
  target?: { os?: string; arch?: string; variant?: string; distro?: { name: string; version: string } };
  /** `CNB_EXEC_ENV` (API ≥ 0.12). Default: production. */
  execEnv?: string;
  /** Keep the temp directory (its path is `dir` in the result); default: removed after reading. */
  keep?: boolean;
  /**
   * The `dir` of an earlier run (kept with `keep: true`) to run in, as the lifecycle runs the next
   * buildpack of a group: the same app dir, as that buildpack left it (`app` is then ignored), and
   * the layers dir beside its. That dir belongs to the earlier run and is never removed by this one.
   */
  after?: string;
}

export interface Output {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The temp root (`workspace/`, `platform/`, `layers/`, `buildpack/`); removed unless `keep`. */
  dir: string;
}

export type DetectRun = Output & ({ outcome: "pass"; plan: DetectPlan } | { outcome: "fail" } | { outcome: "error" });

/** A layer previous builds left, as the restorer leaves it: a toml without `[types]`, and contents. */
export interface PreviousLayer {
  metadata: Table;
  /** The restored contents. Default: an empty directory. */
  files?: Files;
  /** Only the toml, no directory: a launch layer restored from the previous image's label (CNB-25). */
  metadataOnly?: boolean;
  /** SBOM files the restorer puts beside the layer, by extension (`cdx.json` → `<name>.sbom.cdx.json`). */
  sbom?: Record<string, string>;
}

export interface BuildRunOptions extends RunOptions {
  /** The buildpack plan's entries. */
  plan?: readonly { name: string; metadata?: Table }[];
  /** Layers restored from an earlier build. */
  layers?: Record<string, PreviousLayer>;
  /** store.toml `[metadata]` restored from an earlier build. */
  store?: Table;
}

/** A layer as the build left it. */
export interface LayerSnapshot {
  types: LayerTypes;
  metadata: Table;
  hasDir: boolean;
  /** Every file in the layer dir: relative path (`env/NODE_ENV.override`, `bin/node`) → UTF-8 contents. */
  files: Record<string, string>;
  /** Relative paths of the files with an execute bit. */
  executables: string[];
  /** Symbolic links: relative path → target (`files` follows them too, when they resolve). */
  links: Record<string, string>;
}

export interface BuildRun extends Output {
  outcome: "success" | "error";
  launch: LaunchFile | undefined;
  build: BuildFile | undefined;
  store: Table | undefined;
  /** Layers that have a `<name>.toml`, by name. */
  layers: Record<string, LayerSnapshot>;
  /** The text of every top-level file of the layers dir: `launch.toml`, `<layer>.toml`, `<layer>.sbom.cdx.json`... */
  files: Record<string, string>;
}

const DEFAULT_TOML = `api = "0.12"\n\n[buildpack]\nid = "test/buildpack"\nversion = "0.0.0"\nname = "Test Buildpack"\n`;
const OCI_ARCH: Record<string, string> = { x64: "amd64", arm64: "arm64" };

async function writeFiles(root: string, files: Files): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
}

interface Layout {
  root: string;
  app: string;
  platform: string;
  buildpackDir: string;
  layersDir: string;
  planPath: string;
  api: ApiVersion;
  env: Record<string, string>;
}

async function layout(opts: RunOptions, phase: "detect" | "build"): Promise<Layout> {
  const root = opts.after ?? (await mkdtemp(join(tmpdir(), "buildpack-test-")));
  const toml = opts.buildpackToml ?? DEFAULT_TOML;
  const d = parseBuildpackDescriptor(toml, "buildpack.toml (test)");
  const app = join(root, "workspace");
  const platform = join(root, "platform");
  const buildpackDir = join(root, "buildpack");
  const layersDir = join(root, "layers", escapeId(d.buildpack.id));
  const planPath = join(root, phase === "detect" ? "plan.toml" : "buildpack-plan.toml");
  if (opts.after !== undefined) await mkdir(app, { recursive: true });
  else if (typeof opts.app === "string") await cp(opts.app, app, { recursive: true });
  else await writeFiles(app, opts.app ?? {});
  await writeFiles(join(platform, "env"), opts.platformEnv ?? {});
  for (const [name, b] of Object.entries(opts.bindings ?? {})) {
    await writeFiles(join(platform, "bindings", name), { type: b.type, ...(b.provider === undefined ? {} : { provider: b.provider }), ...b.entries });
  }
  await writeFiles(buildpackDir, { "buildpack.toml": toml });
  await mkdir(layersDir, { recursive: true });
  await writeFile(planPath, "");
  const features = buildpackFeatures(d.api);
  const t = opts.target ?? {};
  const env: Record<string, string> = {
    ...opts.env,
    ...(d.buildpack.clearEnv ? {} : opts.platformEnv),
    CNB_BUILDPACK_DIR: buildpackDir,
  };
  if (!features.positionalArgsOnly) {
    env.CNB_PLATFORM_DIR = platform;
    if (phase === "detect") env.CNB_BUILD_PLAN_PATH = planPath;
    else Object.assign(env, { CNB_LAYERS_DIR: layersDir, CNB_BP_PLAN_PATH: planPath });
  }
  if (features.targetsEnv) {
    env.CNB_TARGET_OS = t.os ?? "linux";
    env.CNB_TARGET_ARCH = t.arch ?? OCI_ARCH[process.arch] ?? process.arch;
    if (t.variant !== undefined) env.CNB_TARGET_ARCH_VARIANT = t.variant;
    if (t.distro !== undefined) Object.assign(env, { CNB_TARGET_DISTRO_NAME: t.distro.name, CNB_TARGET_DISTRO_VERSION: t.distro.version });
  }
  if (features.execEnv) env.CNB_EXEC_ENV = opts.execEnv ?? "production";
  return { root, app, platform, buildpackDir, layersDir, planPath, api: d.api, env };
}

async function invoke<M, S>(bp: Buildpack<M, S>, l: Layout, args: string[], phase: "detect" | "build"): Promise<Omit<Output, "dir">> {
  let stdout = "";
  let stderr = "";
  const exitCode = await runBuildpack(bp, {
    argv: [join(l.buildpackDir, "bin", phase), ...args],
    env: l.env,
    cwd: l.app,
    arch: process.arch,
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
  });
  return { exitCode, stdout, stderr };
}

/** Runs detect as bin/detect would run: `<platform> <plan>` with the CNB_* env of the buildpack's API. */
export async function runDetect<M, S>(bp: Buildpack<M, S>, opts: RunOptions = {}): Promise<DetectRun> {
  const l = await layout(opts, "detect");
  try {
    const out = { ...(await invoke(bp, l, [l.platform, l.planPath], "detect")), dir: l.root };
    if (out.exitCode === EXIT.pass) return { ...out, outcome: "pass", plan: parseDetectPlan(await readFile(l.planPath, "utf8"), l.planPath) };
    return { ...out, outcome: out.exitCode === EXIT.fail ? "fail" : "error" };
  } finally {
    if (!opts.keep && opts.after === undefined) await rm(l.root, { recursive: true, force: true });
  }
}

/** Runs build as bin/build would run: `<layers> <platform> <plan>`, after restoring `opts.layers` and `opts.store`. */
export async function runBuild<M, S>(bp: Buildpack<M, S>, opts: BuildRunOptions = {}): Promise<BuildRun> {
  const l = await layout(opts, "build");
  try {
    await writeFile(l.planPath, stringifyBuildpackPlan({ entries: (opts.plan ?? []).map((e) => ({ name: e.name, metadata: e.metadata ?? {} })) }));
    for (const [name, prev] of Object.entries(opts.layers ?? {})) {
      await writeFile(join(l.layersDir, `${name}.toml`), stringifyLayerMetadata({ metadata: prev.metadata }));
      if (!prev.metadataOnly) await writeFiles(join(l.layersDir, name), prev.files ?? {});
      for (const [ext, text] of Object.entries(prev.sbom ?? {})) await writeFile(join(l.layersDir, `${name}.sbom.${ext}`), text);
    }
    if (opts.store !== undefined) await writeFile(join(l.layersDir, "store.toml"), stringifyStoreToml({ metadata: opts.store }));
    const out = { ...(await invoke(bp, l, [l.layersDir, l.platform, l.planPath], "build")), dir: l.root };
    return { ...out, outcome: out.exitCode === EXIT.pass ? "success" : "error", ...(await readLayersDir(l.layersDir, l.api)) };
  } finally {
    if (!opts.keep && opts.after === undefined) await rm(l.root, { recursive: true, force: true });
  }
}

async function walk(root: string, dir = root, out: { files: Record<string, string>; executables: string[]; links: Record<string, string> } = { files: {}, executables: [], links: {} }) {
  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    if ((await lstat(path)).isSymbolicLink()) out.links[relative(root, path)] = await readlink(path);
    // Links are followed as before (a dangling one has only its `links` entry).
    const st = await stat(path).catch(() => undefined);
    if (st === undefined) continue;
    if (st.isDirectory()) await walk(root, path, out);
    else {
      const rel = relative(root, path);
      out.files[rel] = await readFile(path, "utf8");
      if (st.mode & 0o111) out.executables.push(rel);
    }
  }
  return out;
}

/** Reads a buildpack's layers dir into values (the lifecycle's view of it after bin/build). */
export async function readLayersDir(layersDir: string, api: ApiVersion): Promise<Pick<BuildRun, "launch" | "build" | "store" | "layers" | "files">> {
  const files: Record<string, string> = {};
  const layers: Record<string, LayerSnapshot> = {};
  for (const name of (await readdir(layersDir)).sort()) {
    if (!(await stat(join(layersDir, name))).isFile()) continue;
    files[name] = await readFile(join(layersDir, name), "utf8");
  }
  for (const [name, text] of Object.entries(files)) {
    if (!name.endsWith(".toml") || ["launch.toml", "build.toml", "store.toml"].includes(name)) continue;
    const layer = name.slice(0, -".toml".length);
    const toml = parseLayerMetadata(text, name);
    const dir = join(layersDir, layer);
    const hasDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    const contents = hasDir ? await walk(dir) : { files: {}, executables: [], links: {} };
    layers[layer] = { types: toml.types ?? { launch: false, build: false, cache: false }, metadata: toml.metadata, hasDir, ...contents };
  }
  const launchText = files["launch.toml"];
  const buildText = files["build.toml"];
  const storeText = files["store.toml"];
  return {
    launch: launchText === undefined ? undefined : parseLaunchToml(launchText, "launch.toml", api),
    build: buildText === undefined ? undefined : parseBuildToml(buildText),
    store: storeText === undefined ? undefined : parseStoreToml(storeText).metadata,
    layers,
    files,
  };
}

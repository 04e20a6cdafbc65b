// The package manager itself (npm, yarn, pnpm): resolved to one version, fetched verified from the
// npm registry (or taken from the app, for a committed yarn release), unpacked into a build-only
// cached layer whose bin/ holds wrappers that run it with node-engine's node.
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import semver from "semver";
import { type BuildContext, type Infer, s } from "../../buildpack-api/index.js";
import type { npm } from "../../deps/index.js";
import { bundledNpmSpec } from "./bundled-npm.js";
import { NodeError } from "./errors.js";
import type { NodeInfo } from "./exec.js";
import { type PackageJson, sha256, shown } from "./project.js";
import type { PackageSource } from "./registry.js";

export type PmName = "npm" | "yarn" | "pnpm";

/** What to install: a registry package at a version spec, or a JavaScript file of the app. */
export type PmRequest = (
  | {
      name: PmName;
      kind: "registry";
      /** The registry package: `npm`, `yarn`, `@yarnpkg/cli-dist`, `pnpm`. */
      pkg: string;
      /** An exact version, a range or a dist-tag. */
      spec: string;
      /** Corepack's `+<alg>.<hex>` of the tarball, checked when given. */
      hash?: { alg: string; hex: string };
      /** Where the choice came from, for the log: `package.json "packageManager"`, `BP_NPM_VERSION`... */
      why: string;
      /** A range only takes versions this accepts (besides engines.node). */
      accept?: (m: npm.PackumentVersion) => boolean;
      acceptWhy?: string;
      /** The layer's name (default: `name`) and the wrappers in its bin/ (default: the package's bins, the first named `name` running it). */
      layer?: string;
      bins?: Record<string, string>;
    }
  | { name: PmName; kind: "file"; path: string; why: string }
) & {
  /** Node.js options for the package manager's own process (not its scripts'), in its argv and bin/ wrappers. */
  nodeFlags?: string[];
};

export interface InstalledPm {
  name: PmName;
  version: string;
  /** The argv prefix that runs it: `[node, <entry.js>]` or `[<native binary>]`. */
  argv: string[];
  /** `<layer>/bin`: wrappers named after the package's bins; the lifecycle puts it on PATH for later buildpacks (a build layer). */
  binDir: string;
}

/** package.json `packageManager` (corepack): `yarn@4.5.0` or `pnpm@9.12.0+sha512.<hex>`. */
export function parsePackageManager(pkg: PackageJson, rel: string): { name: string; version: string; hash?: { alg: string; hex: string } } | undefined {
  const field = pkg.packageManager;
  if (field === undefined) return undefined;
  const m = typeof field === "string" ? /^((?:@[^@/]+\/)?[^@]+)@([^+]+)(?:\+([a-z0-9]+)\.([0-9a-f]+))?$/.exec(field.trim()) : null;
  if (!m || semver.valid(m[2]!) === null) {
    throw new NodeError("NODE_PACKAGE_JSON", `${shown(rel, "package.json")}: "packageManager": ${JSON.stringify(field)} is not <name>@<exact version>[+<algorithm>.<hex hash>]`, {
      hint: 'for example "packageManager": "pnpm@9.15.0"',
    });
  }
  return { name: m[1]!, version: m[2]!, ...(m[3] && m[4] ? { hash: { alg: m[3], hex: m[4] } } : {}) };
}

/**
 * package.json `devEngines.packageManager` (one object or a list) for `name`: its version range,
 * `*` when it names the package manager without a version, undefined when it does not name it.
 */
export function devEnginesPackageManager(pkg: PackageJson, rel: string, name: PmName): string | undefined {
  const field = (pkg.devEngines as { packageManager?: unknown } | undefined)?.packageManager;
  if (field === undefined) return undefined;
  for (const entry of Array.isArray(field) ? field : [field]) {
    const e = entry as { name?: unknown; version?: unknown };
    if (e?.name !== name) continue;
    if (e.version === undefined) return "*";
    if (typeof e.version !== "string" || semver.validRange(e.version) === null) {
      throw new NodeError("NODE_PACKAGE_JSON", `${shown(rel, "package.json")}: "devEngines.packageManager" version ${JSON.stringify(e.version)} of ${name} is not a version or a range`);
    }
    return e.version;
  }
  return undefined;
}

const PmMetadata = s.object({ request: s.string(), version: s.string(), entry: s.string(), runner: s.string() });

function isScript(path: string | undefined): boolean {
  return path !== undefined && /\.(c|m)?js$/.test(path);
}

function bins(manifest: { name?: unknown; bin?: unknown }): Record<string, string> {
  const bin = manifest.bin;
  if (typeof bin === "string") return { [String(manifest.name).replace(/^@[^/]+\//, "")]: bin };
  if (typeof bin === "object" && bin !== null) return Object.fromEntries(Object.entries(bin).filter((e): e is [string, string] => typeof e[1] === "string"));
  return {};
}

/** The highest version a range allows that is neither deprecated nor a prerelease, runs on `node` (engines) and passes `accept`. */
export function pickVersion(p: npm.Packument, req: Extract<PmRequest, { kind: "registry" }>, node: NodeInfo): npm.PackumentVersion {
  const exact = semver.valid(req.spec);
  if (exact !== null || p["dist-tags"][req.spec] !== undefined) {
    const v = exact ?? p["dist-tags"][req.spec]!;
    const m = p.versions[v];
    if (!m) throw new NodeError("NODE_PACKAGE_MANAGER", `${req.pkg}@${v} (${req.why}) is not published`);
    return m;
  }
  const range = semver.validRange(req.spec);
  if (range === null) throw new NodeError("NODE_PACKAGE_MANAGER", `${req.why}: ${JSON.stringify(req.spec)} is not a version or a range of ${req.pkg}`);
  const ok = Object.values(p.versions).filter((m) => {
    if (!semver.valid(m.version) || semver.prerelease(m.version) || !semver.satisfies(m.version, range)) return false;
    if (m.deprecated !== undefined && m.deprecated !== false && m.deprecated !== "") return false;
    const engines = m.engines?.node;
    if (engines !== undefined && semver.validRange(engines) !== null && !semver.satisfies(node.version, engines, { includePrerelease: true })) return false;
    return req.accept === undefined || req.accept(m);
  });
  const best = ok.sort((a, b) => semver.rcompare(a.version, b.version))[0];
  if (best === undefined) {
    throw new NodeError("NODE_PACKAGE_MANAGER", `no version of ${req.pkg} matching ${JSON.stringify(req.spec)} (${req.why}) runs on Node.js ${node.version}${req.acceptWhy ? ` ${req.acceptWhy}` : ""}`, {
      hint: "choose another Node.js version (BP_NODE_VERSION) or name a package manager version that supports it",
    });
  }
  return best;
}

function quote(path: string): string {
  return `'${path.replace(/'/g, `'\\''`)}'`;
}

/**
 * The package manager in the cached build layer named after it (`npm`, `yarn`, `pnpm`): reused as
 * it is while the request, Node.js and this buildpack's version are unchanged (no registry lookup
 * at all), else resolved, fetched (verified) and unpacked again.
 */
export async function installPackageManager(ctx: BuildContext, req: PmRequest, node: NodeInfo, source: PackageSource): Promise<InstalledPm> {
  const fileHash = req.kind === "file" ? sha256(await readFile(req.path)) : undefined;
  const request = sha256(
    JSON.stringify({
      req: req.kind === "registry" ? { pkg: req.pkg, spec: req.spec, hash: req.hash, acceptWhy: req.acceptWhy, bins: req.bins } : { path: req.path, fileHash },
      // A range resolves by engines.node, so a new Node.js may pick another version; a new
      // buildpack version may pick newer defaults.
      node: req.kind === "registry" && semver.valid(req.spec) === null ? node.version : undefined,
      buildpack: ctx.buildpack.version,
      flags: req.nodeFlags,
    }),
  );
  const layer = await ctx.layers.cached((req.kind === "registry" ? req.layer : undefined) ?? req.name, {
    build: true,
    cache: true,
    metadata: PmMetadata,
    onRestored: (m) => (m.request === request ? "keep" : { rebuild: "the requested version changed" }),
  });
  const binDir = join(layer.path, "bin");
  let meta: Infer<typeof PmMetadata>;
  // bin name -> what it runs: a path relative to the layer (or absolute), "exec:" for a native executable.
  let names: Record<string, string>;
  if (layer.state.kind === "restored") {
    meta = layer.state.metadata;
    ctx.logger.process(`Reusing cached layer ${layer.path} (${req.name} ${meta.version})`);
    names = JSON.parse(await readFile(join(layer.path, "bins.json"), "utf8").catch(() => "{}")) as Record<string, string>;
  } else if (req.kind === "file") {
    const version = fileVersion(req.path);
    ctx.logger.process(`Using ${req.name} ${version} from ${relative(ctx.appDir, req.path)} (${req.why})`);
    meta = { request, version, entry: req.path, runner: "node" };
    names = { yarn: req.path, yarnpkg: req.path };
  } else {
    const p = await source.packument(req.pkg);
    const manifest = pickVersion(p, req, node);
    ctx.logger.process(`Installing ${req.pkg} ${manifest.version} (${req.why})`);
    const got = await source.install(req.pkg, manifest.version, join(layer.path, "package"), manifest);
    if (req.hash) await checkCorepackHash(req, manifest.version, got.tarball);
    const unpacked = JSON.parse(await readFile(join(layer.path, "package", "package.json"), "utf8")) as { name?: string; bin?: unknown };
    names = Object.fromEntries(Object.entries(req.bins ?? bins(unpacked)).map(([bin, target]) => [bin, join("package", target)]));
    const main = req.bins ? Object.values(names)[0] : names[req.name];
    if (isScript(main)) {
      meta = { request, version: manifest.version, entry: main!, runner: "node" };
    } else {
      // pnpm >= 12 is a native executable, published as @pnpm/exe.<os>-<arch>.
      const exe = `@pnpm/exe.${node.platform}-${node.arch}`;
      const em = req.name === "pnpm" ? (await source.packument(exe)).versions[manifest.version] : undefined;
      if (!em) {
        throw new NodeError("NODE_PACKAGE_MANAGER", `${req.pkg}@${manifest.version} has no JavaScript entry point for ${req.name}${req.name === "pnpm" ? ` and ${exe}@${manifest.version} is not published` : ""}`);
      }
      ctx.logger.subprocess(`Installing ${exe} ${manifest.version} (its native executable)`);
      await source.install(exe, manifest.version, join(layer.path, "native"), em);
      await chmod(join(layer.path, "native", "pnpm"), 0o755);
      meta = { request, version: manifest.version, entry: join("native", "pnpm"), runner: "exec" };
      names = { pnpm: `exec:${meta.entry}` };
    }
  }
  const inLayer = (path: string): string => (path.startsWith("/") ? path : join(layer.path, path));
  const flags = req.nodeFlags ?? [];
  const entry = inLayer(meta.entry);
  // Wrappers: written with the layer. A kept layer has them already (its path never changes), and
  // leaving its files alone lets the platform link it from its restore copy again next time.
  if (layer.state.kind !== "restored") {
    await rm(binDir, { recursive: true, force: true });
    await mkdir(binDir, { recursive: true });
    for (const [bin, target] of Object.entries(names)) {
      const run = target.startsWith("exec:") ? `exec ${quote(inLayer(target.slice(5)))}` : `exec node ${flags.map((f) => `${quote(f)} `).join("")}${quote(inLayer(target))}`;
      await writeFile(join(binDir, bin), `#!/bin/sh\n${run} "$@"\n`);
      await chmod(join(binDir, bin), 0o755);
    }
    await writeFile(join(layer.path, "bins.json"), JSON.stringify(names));
  }
  await layer.write(meta);
  return { name: req.name, version: meta.version, argv: meta.runner === "exec" ? [entry] : ["node", ...flags, entry], binDir };
}

/**
 * node-gyp for dependencies' install scripts under Yarn, which looks for it on PATH or next to
 * node in npm's folder (Paketo's Node.js has npm there; ours has none): the node-gyp of the npm
 * this Node.js release ships with, in the cached build layer `node-gyp`. Returns its bin/.
 */
export async function installNodeGyp(ctx: BuildContext, node: NodeInfo, source: PackageSource): Promise<string> {
  const npm = bundledNpmSpec(ctx.env, node.version);
  const req: PmRequest = { name: "npm", kind: "registry", pkg: "npm", spec: npm.spec, why: `its node-gyp, for dependencies' install scripts; ${npm.why}`, layer: "node-gyp", bins: { "node-gyp": "node_modules/node-gyp/bin/node-gyp.js" } };
  return (await installPackageManager(ctx, req, node, source)).binDir;
}

function fileVersion(path: string): string {
  return /yarn-(\d+\.\d+\.\d+[^/]*?)\.c?js$/.exec(path)?.[1] ?? "(committed release)";
}

async function checkCorepackHash(req: Extract<PmRequest, { kind: "registry" }>, version: string, tarball: string): Promise<void> {
  const { createHash } = await import("node:crypto");
  let got: string;
  try {
    got = createHash(req.hash!.alg).update(await readFile(tarball)).digest("hex");
  } catch (e) {
    throw new NodeError("NODE_PACKAGE_MANAGER", `${req.why}: hash algorithm ${req.hash!.alg} is not supported`, { cause: e });
  }
  if (got !== req.hash!.hex) {
    throw new NodeError("NODE_PACKAGE_MANAGER", `${req.pkg}@${version}: the tarball's ${req.hash!.alg} is ${got}, ${req.why} says ${req.hash!.hex}`, {
      hint: "the packageManager hash must be the one corepack records for this version",
    });
  }
}

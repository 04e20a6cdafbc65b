// Yarn Plug'n'Play: no node_modules. The image keeps the project's .pnp.cjs (and .pnp.loader.mjs)
// and the zip cache it points into, in the launch layer `launch-modules/cache` (and `unplugged/`; production
// packages only: `yarn workspaces focus --all --production`). When a later buildpack needs the
// devDependencies at build time, `build-modules/cache` holds the full set and the project's PnP
// files point there during the build; node-run-script copies the production ones back
// (PAKETO_NODE_MODULES_LAUNCH names `launch-modules/pnp`). Every layer keeps a copy of the PnP
// files it goes with, so a reused layer restores them without running Yarn.
import { copyFile, mkdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { type BuildContext, type LayerRef, layerEnv } from "../../buildpack-api/index.js";
import { type Component, purl, toCycloneDx, toSpdx } from "../../sbom/index.js";
import {
  cacheLayer,
  checkLockfile,
  exists,
  hasDevDependencies,
  type InstallDiagnosis,
  installInputs,
  keyedLayer,
  LAUNCH_MODULES_ENV,
  type NodeInfo,
  neededAtBuild,
  neededAtLaunch,
  PNP_FILES,
  type Project,
  removeSourceModules,
  runPackageManager,
  sbomTime,
  shown,
} from "../node-common/index.js";

export interface PnpInstall extends InstallDiagnosis {
  full: readonly string[];
  production: readonly string[];
  env: Record<string, string>;
  lockText: string | undefined;
}

async function copyPnpFiles(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const f of PNP_FILES) {
    await rm(join(to, f), { force: true });
    if (await exists(join(from, f))) await copyFile(join(from, f), join(to, f));
  }
}

export async function installPnp(ctx: BuildContext, project: Project, install: PnpInstall, node: NodeInfo): Promise<void> {
  const needBuild = neededAtBuild(ctx);
  const separate = needBuild && hasDevDependencies(project.packageJson);
  await removeSourceModules(ctx, project);
  if (install.lockfile !== undefined && install.lockText !== undefined) checkLockfile("yarn.lock", install.lockText, shown(project.rel, "yarn.lock"));
  const base = await installInputs(ctx, project, install.pm, node, install.lockText, [".yarnrc.yml"]);
  // Yarn's global folder mirrors every package fetched: a later install copies from it instead of downloading.
  const mirror = await cacheLayer(ctx, "yarn-cache");
  const env = { ...ctx.env, ...install.env, YARN_GLOBAL_FOLDER: mirror.path, YARN_ENABLE_GLOBAL_CACHE: "false", YARN_ENABLE_MIRROR: "true" };

  const populate = async (layer: LayerRef<{ key: string }>, kind: "full" | "production", key: string): Promise<void> => {
    ctx.logger.process(`Installing ${kind === "full" ? "all dependencies (devDependencies included)" : "production dependencies"} into ${layer.path}`);
    const args = kind === "full" ? install.full : install.production;
    await runPackageManager(ctx, project, install, args, { ...env, YARN_CACHE_FOLDER: join(layer.path, "cache"), YARN_PNP_UNPLUGGED_FOLDER: join(layer.path, "unplugged"), NODE_ENV: kind === "full" ? "development" : "production" });
    await copyPnpFiles(project.dir, join(layer.path, "pnp"));
    await layer.write({ key });
  };
  const ensure = async (name: string, types: { build: boolean; launch: boolean }, kind: "full" | "production"): Promise<LayerRef<{ key: string }>> => {
    const key = `${base}:${kind}`;
    const layer = await keyedLayer(ctx, name, types, key, install.lockText !== undefined);
    if (layer.state.kind === "restored") ctx.logger.process(`Reusing cached layer ${layer.path}`);
    else await populate(layer, kind, key);
    return layer;
  };

  if (!neededAtLaunch(ctx)) {
    const build = await ensure("build-modules", { build: true, launch: false }, "full");
    await copyPnpFiles(join(build.path, "pnp"), project.dir);
    await build.writeEnv(layerEnv().override(LAUNCH_MODULES_ENV, "", { scope: "build" }));
    return;
  }
  let launch: LayerRef<{ key: string }>;
  if (separate) {
    launch = await ensure("launch-modules", { build: false, launch: true }, "production");
    const build = await ensure("build-modules", { build: true, launch: false }, "full");
    await copyPnpFiles(join(build.path, "pnp"), project.dir);
    await build.writeEnv(layerEnv().override(LAUNCH_MODULES_ENV, join(launch.path, "pnp"), { scope: "build" }));
  } else {
    launch = await ensure("launch-modules", { build: needBuild, launch: true }, needBuild ? "full" : "production");
    await copyPnpFiles(join(launch.path, "pnp"), project.dir);
  }
  await writePnpSbom(ctx, project, launch);
}

/** The packages a .pnp.cjs maps (its RAW_RUNTIME_STATE): `npm:` references, as name and version. */
export function pnpPackages(pnpCjs: string): { name: string; version: string }[] {
  const m = /const RAW_RUNTIME_STATE =\s*'((?:[^'\\]|\\[\s\S])*)'/.exec(pnpCjs);
  if (!m) return [];
  const json = m[1]!.replace(/\\\n/g, "").replace(/\\(.)/g, "$1");
  let state: { packageRegistryData?: [string | null, [string | null, { linkType?: string }][]][] };
  try {
    state = JSON.parse(json) as typeof state;
  } catch {
    return [];
  }
  const out = new Map<string, { name: string; version: string }>();
  for (const [name, refs] of state.packageRegistryData ?? []) {
    if (name === null) continue;
    for (const [ref, info] of refs) {
      const at = ref?.lastIndexOf("npm:") ?? -1;
      if (ref === null || at < 0 || info.linkType !== "HARD") continue;
      const version = ref.slice(at + 4).split("::")[0]!;
      out.set(`${name}@${version}`, { name, version });
    }
  }
  return [...out.values()].sort((a, b) => (`${a.name}@${a.version}` < `${b.name}@${b.version}` ? -1 : 1));
}

async function writePnpSbom(ctx: BuildContext, project: Project, launch: LayerRef<{ key: string }>): Promise<void> {
  if ((ctx.env.BP_DISABLE_SBOM ?? "").toLowerCase() === "true") return;
  const text = await readFile(join(launch.path, "pnp", ".pnp.cjs"), "utf8").catch(() => "");
  const packages = pnpPackages(text);
  const components: Component[] = packages.map((p) => {
    let id: string | undefined;
    try {
      id = purl.npm(p.name, p.version);
    } catch {
      id = undefined;
    }
    return { type: "library", name: p.name, version: p.version, ...(id ? { purl: id } : {}) };
  });
  const app = project.packageJson.name || "app";
  const doc = {
    name: `${app} Plug'n'Play packages`,
    timestamp: sbomTime(ctx.env),
    tool: { name: ctx.buildpack.id, version: ctx.buildpack.version },
    subject: { type: "application" as const, name: app, ...(project.packageJson.version ? { version: project.packageJson.version } : {}), ref: `app/${app}` },
    components,
  };
  ctx.logger.process(`Generating SBOM for ${launch.path} (${components.length} packages)`);
  await launch.writeSbom({ format: "cyclonedx", content: toCycloneDx(doc) }, { format: "spdx", content: toSpdx(doc) });
}

// The launch layer an installer (pipenv, poetry, uv) puts the app's dependencies into, as a
// virtual environment: kept, with no installer run at all, while its key is the same (the lock
// and project files' contents, the Python version and machine, the installer's version and
// settings); otherwise made afresh by `install`, its bytecode compiled reproducibly, its SBOM
// read from the installed metadata. The installer's download cache is a cache layer.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type BuildContext, layerEnv, s } from "../../buildpack-api/index.js";
import { sbomFiles } from "../common/sbom.js";
import { compileBytecode } from "./bytecode.js";
import { distributionsSbom, installedDistributions } from "./distributions.js";
import { pythonFacts, type PythonFacts } from "./python.js";

export interface VenvLayerOptions {
  /** The layer's name: `packages`, `poetry-venv`. */
  layer: string;
  /** App files whose contents key the layer (missing ones count as absent). */
  files: readonly string[];
  /** Anything else that keys it: the installer's version, its settings. */
  settings: unknown;
  /** Runs the installer; returns the virtual environment's folder (inside `layer`). */
  install: (o: { layer: string; cache: string; facts: PythonFacts }) => Promise<string>;
}

const LAYER = s.object({ key: s.string(), venv: s.string() });

export async function venvLayer(ctx: BuildContext<unknown, unknown>, o: VenvLayerOptions): Promise<{ venv: string; reused: boolean }> {
  const log = ctx.logger;
  const facts = await pythonFacts(ctx.env, ctx.appDir);
  const h = createHash("sha256").update(JSON.stringify({ python: facts.version, machine: facts.machine, arch: ctx.target.arch, settings: o.settings }));
  for (const f of o.files) h.update(`${f}\0${await readFile(join(ctx.appDir, f), "utf8").catch(() => "<absent>")}\0`);
  const key = h.digest("hex");
  const cache = await ctx.layers.cached(`${o.layer}-cache`, { cache: true, metadata: s.object({}), onRestored: () => "keep" });
  const layer = await ctx.layers.cached(o.layer, {
    build: true,
    launch: true,
    cache: true,
    metadata: LAYER,
    onRestored: (m) => (m.key === key ? "keep" : { rebuild: `${o.files.join(", ")}, the Python or the installer changed` }),
  });
  let venv: string;
  if (layer.state.kind === "restored") {
    venv = layer.state.metadata.venv;
    log.process(`Reusing cached layer ${layer.path}`);
    log.subprocess(`${o.files.join(", ")}, the Python and the installer are unchanged: nothing is installed`);
  } else {
    log.process("Executing build process");
    const started = Date.now();
    venv = await o.install({ layer: layer.path, cache: cache.path, facts });
    const lib = join(venv, "lib");
    await compileBytecode(facts.executable, [lib], { env: ctx.env, cwd: ctx.appDir, logger: log });
    log.action(`Completed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await layer.write({ key, venv });
    if (ctx.env.BP_DISABLE_SBOM !== "true") {
      const sites = (await readdir(lib).catch(() => [] as string[])).filter((d) => d.startsWith("python")).map((d) => join(lib, d, "site-packages"));
      const dists = await installedDistributions(sites);
      log.process(`Generating SBOM for ${layer.path} (${dists.length} distributions)`);
      await layer.writeSbom(...sbomFiles(distributionsSbom(o.layer, dists, { tool: { name: ctx.buildpack.id, version: ctx.buildpack.version }, sourceDateEpoch: ctx.env.SOURCE_DATE_EPOCH }), ctx.buildpack.sbomFormats));
    }
  }
  await layer.writeEnv(layerEnv().override("VIRTUAL_ENV", venv).prepend("PATH", join(venv, "bin"), { delim: ":" }));
  log.break();
  return { venv, reused: layer.state.kind === "restored" };
}

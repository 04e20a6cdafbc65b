// pip: the pip wheel from the package index pip is configured with (deps/pypi: sha256-verified,
// content-addressed cache, offline mode), installed by itself (pip runs from its own wheel) into
// the build layer `pip`, which later buildpacks get on PATH and PYTHONPATH. Kept while the wheel
// and the Python are the same.
import { copyFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, layerEnv, pass, s } from "../../buildpack-api/index.js";
import type { pypi as pypiDeps } from "../../deps/index.js";
import { sbomFiles } from "../common/sbom.js";
import { compileBytecode, distributionsSbom, installedDistributions, pythonFacts, run, toolEnv } from "../python-common/index.js";

export interface PipDeps {
  pypi: Pick<typeof pypiDeps, "PypiSource">;
}

const LAYER = s.object({ sha256: s.string(), python: s.string() });

export const pip = (deps: PipDeps) =>
  defineBuildpack({
    detect: async () => pass({ provides: [{ name: "pip" }], requires: [{ name: "cpython", metadata: { build: true } }] }),

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      if (ctx.plan.select("pip", s.object({})).length === 0) {
        log.process("pip no longer requested by plan");
        return {};
      }
      const spec = ctx.env.BP_PIP_VERSION?.trim() || undefined;
      log.process("Resolving Pip version");
      log.subprocess(spec ? `BP_PIP_VERSION ${spec}` : "no BP_PIP_VERSION: the newest release");
      const source = await deps.pypi.PypiSource.open({ env: ctx.env, offline: ctx.env.PAKETO_OFFLINE === "true" });
      const file = await source.findFile("pip", { ...(spec ? { spec } : {}), where: "BP_PIP_VERSION" });
      log.subprocess(`Selected pip ${file.version} (${file.filename})`);
      const facts = await pythonFacts(ctx.env, ctx.appDir);
      const layer = await ctx.layers.cached("pip", {
        build: true,
        cache: true,
        metadata: LAYER,
        onRestored: (m) => (m.sha256 === file.sha256 && m.python === facts.version ? "keep" : { rebuild: m.sha256 === file.sha256 ? `Python ${m.python} -> ${facts.version}` : "another pip" }),
      });
      const lib = join(layer.path, "lib");
      if (layer.state.kind === "restored") {
        log.process(`Reusing cached layer ${layer.path}`);
      } else {
        log.process("Executing build process");
        const d = await source.download(file);
        log.subprocess(`Installing pip ${file.version}${d.downloaded ? " (downloaded, sha256 verified)" : " (from the download cache)"}`);
        // pip runs from its own wheel; the wheel file needs its name for pip to read it as one
        const env = toolEnv(ctx.env, { PIP_DISABLE_PIP_VERSION_CHECK: "1" });
        const wheel = join(layer.path, file.filename);
        await copyFile(d.path, wheel);
        await run(["python3", join(wheel, "pip"), "install", "--no-index", "--no-deps", "--no-compile", "--no-warn-script-location", "--target", lib, wheel], {
          cwd: ctx.appDir,
          env,
          logger: log,
          code: "PYTHON_TOOL",
          what: `installing pip ${file.version}`,
        });
        await rm(wheel);
        await compileBytecode(facts.executable, [lib], { env: ctx.env, cwd: ctx.appDir, logger: log });
        await layer.write({ sha256: file.sha256, python: facts.version });
        if (ctx.env.BP_DISABLE_SBOM !== "true") {
          const dists = await installedDistributions([lib]);
          await layer.writeSbom(...sbomFiles(distributionsSbom("pip", dists, { tool: { name: ctx.buildpack.id, version: ctx.buildpack.version }, sourceDateEpoch: ctx.env.SOURCE_DATE_EPOCH }), ctx.buildpack.sbomFormats));
        }
      }
      await layer.writeEnv(
        layerEnv()
          .prepend("PYTHONPATH", lib, { delim: ":", scope: "build" })
          .prepend("PATH", join(lib, "bin"), { delim: ":", scope: "build" })
          .default("PIP_DISABLE_PIP_VERSION_CHECK", "1", { scope: "build" }),
      );
      log.break();
      return {};
    },
  });

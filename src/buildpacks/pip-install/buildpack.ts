// pip-install: `pip install --requirement <file> --user` into the `packages` layer
// (PYTHONUSERBASE), with pip's cache in the `cache` layer. Unlike Paketo's, the packages layer is
// kept, with no pip run at all, while its key is the same: the requirement files' contents, the
// Python version and machine, the vendored folder's files, BP_PIP_FIND_LINKS and every PIP_*
// setting. Bytecode is compiled reproducibly (python-common/bytecode.ts) instead of by pip.
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, s } from "../../buildpack-api/index.js";
import { sbomFiles } from "../common/sbom.js";
import { compileBytecode, distributionsSbom, installedDistributions, PythonError, pythonFacts, run, toolEnv } from "../python-common/index.js";

const LAYER = s.object({ key: s.string() });

/** The requirement files: BP_PIP_REQUIREMENT's (each must exist), else requirements.txt when present. */
export async function requirementFiles(appDir: string, env: Readonly<Record<string, string | undefined>>): Promise<string[] | undefined> {
  const named = (env.BP_PIP_REQUIREMENT ?? "").split(/\s+/).filter(Boolean);
  const files = named.length ? named : ["requirements.txt"];
  for (const f of files) {
    const st = await stat(isAbsolute(f) ? f : join(appDir, f)).catch(() => undefined);
    if (!st?.isFile()) return undefined;
  }
  return files;
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => undefined))?.isDirectory() ?? false;
}

/** Names, sizes and SHA-256 of every file under `dir` (the vendored folder), sorted. */
async function treeDigest(dir: string): Promise<string> {
  const h = createHash("sha256");
  const walk = async (d: string): Promise<void> => {
    for (const e of (await readdir(d, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) h.update(`${relative(dir, p)}\0${createHash("sha256").update(await readFile(p)).digest("hex")}\n`);
    }
  };
  await walk(dir);
  return h.digest("hex");
}

export const pipInstall = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const files = await requirementFiles(ctx.appDir, ctx.env);
      if (!files) return fail(ctx.env.BP_PIP_REQUIREMENT ? `a file of BP_PIP_REQUIREMENT (${ctx.env.BP_PIP_REQUIREMENT}) is not present` : "no requirements.txt");
      return pass({
        provides: [{ name: "site-packages" }],
        requires: [
          { name: "cpython", metadata: { build: true, launch: true } },
          { name: "pip", metadata: { build: true } },
          { name: "site-packages", metadata: { build: true, launch: true } },
        ],
      });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const files = await requirementFiles(ctx.appDir, ctx.env);
      if (!files) throw new PythonError("PYTHON_SETTING", `BP_PIP_REQUIREMENT=${ctx.env.BP_PIP_REQUIREMENT}: a named file is not in the app`);
      const vendor = join(ctx.appDir, ctx.env.BP_PIP_DEST_PATH || "vendor");
      const vendored = await isDir(vendor);
      const findLinks = (ctx.env.BP_PIP_FIND_LINKS ?? "").split(/\s+/).filter(Boolean);

      const cache = await ctx.layers.cached("cache", { cache: true, metadata: s.object({}), onRestored: () => "keep" });
      const facts = await pythonFacts(ctx.env, ctx.appDir);
      const h = createHash("sha256");
      h.update(JSON.stringify({ python: facts.version, machine: facts.machine, arch: ctx.target.arch, findLinks, vendored }));
      for (const f of files) h.update(`${f}\0${await readFile(isAbsolute(f) ? f : join(ctx.appDir, f), "utf8")}\0`);
      for (const [k, v] of Object.entries(ctx.env).sort(([a], [b]) => a.localeCompare(b))) if (k.startsWith("PIP_") && k !== "PIP_CERT") h.update(`${k}=${v}\n`);
      if (vendored) h.update(await treeDigest(vendor));
      const key = h.digest("hex");

      const layer = await ctx.layers.cached("packages", {
        build: true,
        launch: true,
        cache: true,
        metadata: LAYER,
        onRestored: (m) => (m.key === key ? "keep" : { rebuild: "the requirement files, the Python or pip's settings changed" }),
      });
      const userSite = join(layer.path, "lib", `python${facts.minor}`, "site-packages");
      if (layer.state.kind === "restored") {
        log.process(`Reusing cached layer ${layer.path}`);
        log.subprocess("the requirement files, the Python and pip's settings are unchanged: pip is not run");
      } else {
        log.process("Executing build process");
        const args = ["python3", "-m", "pip", "install", ...files.flatMap((f) => ["--requirement", f]), "--exists-action=w", `--cache-dir=${cache.path}`, "--user", "--no-compile", "--no-warn-script-location", "--disable-pip-version-check"];
        if (vendored) {
          log.subprocess(`Installing from ${relative(ctx.appDir, vendor)} only (no index)`);
          args.push("--ignore-installed", "--no-index", "--find-links", vendor);
        }
        for (const l of findLinks) args.push("--find-links", l);
        log.subprocess(`Running '${args.slice(1).join(" ")}'`);
        const started = Date.now();
        await run(args, {
          cwd: ctx.appDir,
          env: toolEnv(ctx.env, { PYTHONUSERBASE: layer.path }),
          logger: log,
          code: "PYTHON_INSTALL",
          what: `pip install --requirement ${files.join(" --requirement ")}`,
          hint: vendored ? `every requirement must be in ${relative(ctx.appDir, vendor)} (BP_PIP_DEST_PATH)` : "check the requirement file: each requirement must exist on the index for this Python",
        });
        await compileBytecode(facts.executable, [userSite], { env: ctx.env, cwd: ctx.appDir, logger: log });
        log.action(`Completed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        await layer.write({ key });
        if (ctx.env.BP_DISABLE_SBOM !== "true") {
          const dists = await installedDistributions([userSite]);
          log.process(`Generating SBOM for ${layer.path} (${dists.length} distributions)`);
          await layer.writeSbom(...sbomFiles(distributionsSbom("packages", dists, { tool: { name: ctx.buildpack.id, version: ctx.buildpack.version }, sourceDateEpoch: ctx.env.SOURCE_DATE_EPOCH }), ctx.buildpack.sbomFormats));
        }
      }
      await layer.writeEnv(
        layerEnv()
          .override("PYTHONUSERBASE", layer.path)
          .prepend("PYTHONPATH", userSite, { delim: ":" })
          .prepend("PATH", join(layer.path, "bin"), { delim: ":" }),
      );
      log.break();
      return {};
    },
  });

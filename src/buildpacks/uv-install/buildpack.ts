// uv-install: a uv project's locked dependencies, `uv sync --frozen --no-dev`, into a virtual
// environment in the `packages` launch layer (UV_PROJECT_ENVIRONMENT). uv itself is the binary
// in its wheel on the package index (deps/pypi: sha256-verified, cached), unpacked into the build
// layer `uv`; uv never downloads a Python (UV_PYTHON_DOWNLOADS=never) and uses the cpython layer's.
import { chmod, mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, s } from "../../buildpack-api/index.js";
import type { pypi as pypiDeps } from "../../deps/index.js";
import { pyprojectVersion, run, toolEnv, venvLayer } from "../python-common/index.js";

const exists = (p: string) => stat(p).then(() => true, () => false);

/** manylinux platform tags a glibc 2.41 machine accepts, newest first. */
function platforms(arch: string): string[] {
  const m = arch === "arm64" ? "aarch64" : "x86_64";
  const tags: string[] = [];
  for (let minor = 41; minor >= 17; minor--) tags.push(`manylinux_2_${minor}_${m}`);
  return [...tags, `manylinux2014_${m}`];
}

const UNPACK = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nn = [i for i in z.namelist() if i.endswith('.data/scripts/uv')]\nopen(sys.argv[2], 'wb').write(z.read(n[0]))\n";

export const uvInstall = (deps: { pypi: Pick<typeof pypiDeps, "PypiSource"> }) =>
  defineBuildpack({
    detect: async (ctx) => {
      if (!(await exists(join(ctx.appDir, "uv.lock")))) return fail("no uv.lock");
      const v = await pyprojectVersion(ctx.appDir);
      return pass({
        provides: [{ name: "site-packages" }],
        requires: [
          { name: "cpython", metadata: { build: true, launch: true, ...(v ? { version: v.version, "version-source": v.source } : {}) } },
          { name: "site-packages", metadata: { build: true, launch: true } },
        ],
      });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const spec = ctx.env.BP_UV_VERSION?.trim() || undefined;
      const source = await deps.pypi.PypiSource.open({ env: ctx.env, offline: ctx.env.PAKETO_OFFLINE === "true" });
      const file = await source.findFile("uv", { ...(spec ? { spec } : {}), where: "BP_UV_VERSION", platforms: platforms(ctx.target.arch) });
      log.process(`Selected uv ${file.version} (${file.filename})`);
      const tool = await ctx.layers.cached("uv", {
        build: true,
        cache: true,
        metadata: s.object({ sha256: s.string() }),
        onRestored: (m) => (m.sha256 === file.sha256 ? "keep" : { rebuild: "another uv" }),
      });
      const uv = join(tool.path, "bin", "uv");
      if (tool.state.kind === "restored") {
        log.process(`Reusing cached layer ${tool.path}`);
      } else {
        const d = await source.download(file);
        log.subprocess(`Installing uv ${file.version}${d.downloaded ? " (downloaded, sha256 verified)" : " (from the download cache)"}`);
        await mkdir(join(tool.path, "bin"), { recursive: true });
        await run(["python3", "-c", UNPACK, d.path, uv], { cwd: ctx.appDir, env: toolEnv(ctx.env), code: "PYTHON_TOOL", what: `unpacking uv from ${file.filename}` });
        await chmod(uv, 0o755);
        await tool.write({ sha256: file.sha256 });
      }
      await tool.writeEnv(layerEnv().prepend("PATH", join(tool.path, "bin"), { delim: ":", scope: "build" }));

      await venvLayer(ctx, {
        layer: "packages",
        files: ["pyproject.toml", "uv.lock"],
        settings: { uv: file.version },
        install: async ({ layer, cache, facts }) => {
          const venv = join(layer, "venv");
          const env = toolEnv(ctx.env, {
            UV_PROJECT_ENVIRONMENT: venv,
            UV_PYTHON_DOWNLOADS: "never",
            UV_PYTHON: facts.executable,
            UV_CACHE_DIR: cache,
            UV_LINK_MODE: "copy",
            UV_NO_PROGRESS: "1",
            ...(ctx.env.PIP_INDEX_URL && !ctx.env.UV_DEFAULT_INDEX ? { UV_DEFAULT_INDEX: ctx.env.PIP_INDEX_URL } : {}),
            ...(ctx.env.PAKETO_OFFLINE === "true" ? { UV_OFFLINE: "1" } : {}),
          });
          const args = [uv, "sync", "--frozen", "--no-dev", "--no-editable", "--python", facts.executable];
          log.subprocess(`Running 'uv ${args.slice(1).join(" ")}'`);
          await run(args, { cwd: ctx.appDir, env, logger: log, code: "PYTHON_INSTALL", what: "'uv sync --frozen'", hint: "uv.lock must be up to date with pyproject.toml (uv lock)" });
          return venv;
        },
      });
      return {};
    },
  });

// pipenv-install: a Pipfile's packages into a virtual environment in the `packages` launch layer
// (WORKON_HOME): with a Pipfile.lock, `pipenv sync`, exactly what the lock says (Paketo runs
// `pipenv install --deploy`, which also refuses a lock whose Pipfile hash differs; pipenv's hash of
// a Pipfile changed between releases, so a lock made by an older pipenv, Paketo's own sample's,
// would be refused); else `pipenv install`, which locks. Kept while Pipfile, Pipfile.lock and the Python are the
// same (python-common/packages.ts). The Python version Pipfile names is a cpython requirement.
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, fail, pass } from "../../buildpack-api/index.js";
import { pipfileVersion, run, toolEnv, venvLayer } from "../python-common/index.js";

const exists = (p: string) => stat(p).then(() => true, () => false);

export const pipenvInstall = () =>
  defineBuildpack({
    detect: async (ctx) => {
      if (!(await exists(join(ctx.appDir, "Pipfile")))) return fail("no Pipfile");
      const v = await pipfileVersion(ctx.appDir);
      return pass({
        provides: [{ name: "site-packages" }],
        requires: [
          { name: "cpython", metadata: { build: true, launch: true, ...(v ? { version: v.version, "version-source": v.source } : {}) } },
          { name: "pipenv", metadata: { build: true } },
          { name: "site-packages", metadata: { build: true, launch: true } },
        ],
      });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const locked = await exists(join(ctx.appDir, "Pipfile.lock"));
      const version = (await run(["pipenv", "--version"], { cwd: ctx.appDir, env: toolEnv(ctx.env), code: "PYTHON_TOOL", what: "pipenv --version" })).trim();
      await venvLayer(ctx, {
        layer: "packages",
        files: ["Pipfile", "Pipfile.lock"],
        settings: { pipenv: version },
        install: async ({ layer, cache, facts }) => {
          const env = toolEnv(ctx.env, {
            WORKON_HOME: layer,
            PIPENV_CACHE_DIR: cache,
            PIPENV_NOSPIN: "1",
            PIPENV_YES: "1",
            PIPENV_IGNORE_VIRTUALENVS: "1",
            PIPENV_VENV_IN_PROJECT: "0",
            PIPENV_PYTHON: facts.executable,
            CI: "1",
          });
          const args = locked ? ["pipenv", "sync"] : ["pipenv", "install"];
          log.subprocess(`Running '${args.join(" ")}'`);
          await run(args, { cwd: ctx.appDir, env, logger: log, code: "PYTHON_INSTALL", what: `'${args.join(" ")}'`, hint: locked ? "Pipfile.lock must be valid and name packages the index has (pipenv lock)" : "check the Pipfile" });
          return (await run(["pipenv", "--venv"], { cwd: ctx.appDir, env, code: "PYTHON_TOOL", what: "pipenv --venv" })).trim().split("\n").pop()!.trim();
        },
      });
      return {};
    },
  });

// poetry-install: the locked packages of the groups BP_POETRY_INSTALL_ONLY names (default main), as
// `poetry sync --only main` installs them, into a virtual environment in the `poetry-venv` launch
// layer: poetry.lock becomes a hash-pinned requirements file pip installs (lock.ts says why), then
// the project itself when it is a package (its scripts). Poetry itself locks a project that has no
// poetry.lock. Kept while pyproject.toml, poetry.lock, the Python, Poetry's version and the groups
// are the same (python-common/packages.ts). A project with a uv.lock and no poetry.lock is left to
// uv-install.
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { defineBuildpack, fail, pass } from "../../buildpack-api/index.js";
import { pyprojectVersion, run, toolEnv, venvLayer } from "../python-common/index.js";
import { lockToRequirements } from "./lock.js";

const exists = (p: string) => stat(p).then(() => true, () => false);

export const poetryInstall = () =>
  defineBuildpack({
    detect: async (ctx) => {
      if (!(await exists(join(ctx.appDir, "pyproject.toml")))) return fail("no pyproject.toml");
      if ((await exists(join(ctx.appDir, "uv.lock"))) && !(await exists(join(ctx.appDir, "poetry.lock")))) return fail("uv.lock and no poetry.lock: a uv project");
      const v = await pyprojectVersion(ctx.appDir);
      return pass({
        provides: [{ name: "poetry-venv" }],
        requires: [
          { name: "cpython", metadata: { build: true, launch: true, ...(v ? { version: v.version, "version-source": v.source } : {}) } },
          { name: "poetry", metadata: { build: true } },
          { name: "poetry-venv", metadata: { build: true, launch: true } },
        ],
      });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const only = ctx.env.BP_POETRY_INSTALL_ONLY?.trim() || "main";
      const version = (await run(["poetry", "--version"], { cwd: ctx.appDir, env: toolEnv(ctx.env), code: "PYTHON_TOOL", what: "poetry --version" })).match(/(\d+)\.\d+[.\d]*/)?.[0] ?? "2";
      await venvLayer(ctx, {
        layer: "poetry-venv",
        files: ["pyproject.toml", "poetry.lock"],
        settings: { poetry: version, only, lockOf: await readFile(join(ctx.appDir, "poetry.lock"), "utf8").then(() => true, () => false) },
        install: async ({ layer, cache, facts }) => {
          const env = toolEnv(ctx.env, { POETRY_CACHE_DIR: cache, POETRY_NO_INTERACTION: "1", PIP_CACHE_DIR: join(cache, "pip") });
          if (!(await exists(join(ctx.appDir, "poetry.lock")))) {
            log.subprocess("Running 'poetry lock' (no poetry.lock)");
            await run(["poetry", "lock"], { cwd: ctx.appDir, env, logger: log, code: "PYTHON_INSTALL", what: "'poetry lock'", hint: "commit a poetry.lock made with poetry lock" });
          }
          const groups = only.split(",").map((g) => g.trim()).filter(Boolean);
          const { lines, count } = lockToRequirements(await readFile(join(ctx.appDir, "poetry.lock"), "utf8"), groups);
          const requirements = join(cache, "requirements.txt");
          await writeFile(requirements, lines.length ? `${lines.join("\n")}\n` : "");
          const venv = join(layer, "venv");
          await run(["python3", "-m", "venv", "--without-pip", venv], { cwd: ctx.appDir, env, logger: log, code: "PYTHON_TOOL", what: "creating the virtual environment" });
          const pip = ["python3", "-m", "pip", "--python", join(venv, "bin", "python"), "install", "--no-compile", "--no-warn-script-location", "--disable-pip-version-check", `--cache-dir=${join(cache, "pip")}`];
          log.subprocess(`Installing ${count} locked package(s) of ${groups.join(", ")} from poetry.lock (pip --require-hashes)`);
          await run([...pip, "--no-deps", "--require-hashes", "--requirement", requirements], { cwd: ctx.appDir, env, logger: log, code: "PYTHON_INSTALL", what: "installing poetry.lock's packages", hint: "poetry.lock must match pyproject.toml (poetry check --lock)" });
          if (await projectIsPackage(ctx.appDir)) {
            log.subprocess("Installing the project itself (its scripts)");
            await run([...pip, "--no-deps", ctx.appDir], { cwd: ctx.appDir, env, logger: log, code: "PYTHON_INSTALL", what: "installing the project", hint: "check the project's [build-system] and packages in pyproject.toml" });
          }
          return venv;
        },
      });
      return {};
    },
  });

/** Is the project a package to install (its scripts)? Not with `package-mode = false`, nor without a [build-system]. */
async function projectIsPackage(appDir: string): Promise<boolean> {
  try {
    const t = parseToml(await readFile(join(appDir, "pyproject.toml"), "utf8")) as { tool?: { poetry?: { "package-mode"?: boolean } }; "build-system"?: unknown };
    return t.tool?.poetry?.["package-mode"] !== false && t["build-system"] !== undefined;
  } catch {
    return false;
  }
}

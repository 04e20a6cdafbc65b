// poetry-run: the web process is BP_POETRY_RUN_TARGET, else the project's single script
// (`[tool.poetry.scripts]`, or `[project.scripts]`). Paketo runs it as `poetry run <target>`; here
// the command runs directly from the project's virtual environment (poetry-install puts its bin/
// on PATH), which is what `poetry run` does, without Poetry in the image.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { defineBuildpack, fail, pass, type Process } from "../../buildpack-api/index.js";
import { logProcesses } from "../node-start/start.js";

async function scripts(appDir: string): Promise<string[]> {
  const text = await readFile(join(appDir, "pyproject.toml"), "utf8").catch(() => undefined);
  if (text === undefined) return [];
  try {
    const t = parseToml(text) as { tool?: { poetry?: { scripts?: Record<string, unknown> } }; project?: { scripts?: Record<string, unknown> } };
    return Object.keys(t.tool?.poetry?.scripts ?? t.project?.scripts ?? {});
  } catch {
    return [];
  }
}

export const poetryRun = () =>
  defineBuildpack({
    detect: async (ctx) => {
      if (ctx.env.BP_POETRY_RUN_TARGET?.trim()) return pass({ requires: [{ name: "cpython", metadata: { launch: true } }, { name: "poetry-venv", metadata: { launch: true } }] });
      const s = await scripts(ctx.appDir);
      if (s.length !== 1) return fail(s.length ? `pyproject.toml has ${s.length} scripts and BP_POETRY_RUN_TARGET is not set` : "no BP_POETRY_RUN_TARGET and no script in pyproject.toml");
      return pass({ requires: [{ name: "cpython", metadata: { launch: true } }, { name: "poetry-venv", metadata: { launch: true } }] });
    },
    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const target = ctx.env.BP_POETRY_RUN_TARGET?.trim();
      const command = target ? target.split(/\s+/) : [(await scripts(ctx.appDir))[0]!];
      const web: Process = { type: "web", command, default: true };
      logProcesses(log, [web]);
      return { processes: [web] };
    },
  });

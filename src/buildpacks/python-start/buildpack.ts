// python-start: asks for CPython at launch; its default `web` process is `python`, as Paketo's (a
// Procfile, later in the order, names the real command: `web: gunicorn app:app`). Detect passes
// for a Python app: a *.py file in the app's root or one folder down, or a Python project file,
// so the CPython-only group does not take apps of other languages.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, fail, pass, type Process } from "../../buildpack-api/index.js";
import { logProcesses } from "../node-start/start.js";

export const pythonStart = () =>
  defineBuildpack({
    detect: async (ctx) => {
      if (!(await isPythonApp(ctx.appDir))) return fail("no *.py file and no Python project file (requirements.txt, Pipfile, pyproject.toml, .python-version, runtime.txt)");
      return pass({ requires: [{ name: "cpython", metadata: { launch: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const web: Process = { type: "web", command: ["python"], default: true };
      logProcesses(log, [web]);
      return { processes: [web] };
    },
  });

const PROJECT_FILES = new Set(["requirements.txt", "Pipfile", "pyproject.toml", "uv.lock", ".python-version", "runtime.txt", "setup.py"]);

async function isPythonApp(appDir: string): Promise<boolean> {
  const top = await readdir(appDir, { withFileTypes: true }).catch(() => []);
  if (top.some((e) => e.isFile() && (e.name.endsWith(".py") || PROJECT_FILES.has(e.name)))) return true;
  for (const d of top) {
    if (!d.isDirectory() || d.name.startsWith(".") || d.name === "node_modules") continue;
    const inner = await readdir(join(appDir, d.name)).catch(() => [] as string[]);
    if (inner.some((n) => n.endsWith(".py"))) return true;
  }
  return false;
}

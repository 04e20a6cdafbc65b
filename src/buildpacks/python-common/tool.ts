// A Python tool (poetry, pipenv) installed from the package index into a virtual environment of its
// own in a build layer, so its dependencies never mix with the app's: `python3 -m venv`, then pip
// (the pip buildpack's) installs the exact release deps/pypi resolved. Kept while that release and
// the Python are the same. Only the tool's own commands are put on PATH.
import { mkdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { type BuildContext, layerEnv, s } from "../../buildpack-api/index.js";
import type { pypi as pypiDeps } from "../../deps/index.js";
import { compileBytecode } from "./bytecode.js";
import { run, toolEnv } from "./exec.js";
import { pythonFacts } from "./python.js";

export interface ToolOptions {
  pypi: Pick<typeof pypiDeps, "PypiSource">;
  /** The layer, also the project name on the index: `poetry`, `pipenv`. */
  name: string;
  /** A version spec (BP_POETRY_VERSION) and where it came from. */
  spec: string | undefined;
  where: string;
  /** Commands to put on PATH. */
  commands: readonly string[];
}

const LAYER = s.object({ version: s.string(), python: s.string() });

export async function installTool(ctx: BuildContext<unknown, unknown>, o: ToolOptions): Promise<{ version: string; bin: string }> {
  const log = ctx.logger;
  log.process(`Resolving ${o.name} version`);
  const source = await o.pypi.PypiSource.open({ env: ctx.env, offline: ctx.env.PAKETO_OFFLINE === "true" });
  const file = await source.findFile(o.name, { ...(o.spec ? { spec: o.spec } : {}), where: o.where, sdist: true });
  log.subprocess(`Selected ${o.name} ${file.version}${o.spec ? ` (${o.where} ${o.spec})` : ""}`);
  const facts = await pythonFacts(ctx.env, ctx.appDir);
  const layer = await ctx.layers.cached(o.name, {
    build: true,
    cache: true,
    metadata: LAYER,
    onRestored: (m) => (m.version === file.version && m.python === facts.version ? "keep" : { rebuild: `${m.version} on Python ${m.python} -> ${file.version} on ${facts.version}` }),
  });
  const venv = join(layer.path, "venv");
  const bin = join(layer.path, "bin");
  if (layer.state.kind === "restored") {
    log.process(`Reusing cached layer ${layer.path}`);
  } else {
    log.process(`Installing ${o.name} ${file.version}`);
    const env = toolEnv(ctx.env);
    await run(["python3", "-m", "venv", "--without-pip", venv], { cwd: ctx.appDir, env, logger: log, code: "PYTHON_TOOL", what: `creating ${o.name}'s virtual environment` });
    await run(["python3", "-m", "pip", "--python", join(venv, "bin", "python"), "install", "--no-compile", "--no-warn-script-location", "--disable-pip-version-check", `${o.name}==${file.version}`], {
      cwd: ctx.appDir,
      env,
      logger: log,
      code: "PYTHON_TOOL",
      what: `installing ${o.name} ${file.version}`,
    });
    await compileBytecode(facts.executable, [join(venv, "lib")], { env: ctx.env, cwd: ctx.appDir, logger: log });
    await mkdir(bin, { recursive: true });
    for (const c of o.commands) await symlink(join(venv, "bin", c), join(bin, c));
    await layer.write({ version: file.version, python: facts.version });
  }
  await layer.writeEnv(layerEnv().prepend("PATH", bin, { delim: ":", scope: "build" }));
  log.break();
  return { version: file.version, bin };
}

// Detection of the Python buildpacks through the buildpack harness: which app files make each pass,
// and the plan entries they write (versions from the package managers' files).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runDetect } from "../../buildpack-api/testing/index.js";
import { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { pypi } from "../../deps/index.js";
import { cpython } from "../cpython/buildpack.js";
import { pipInstall } from "../pip-install/buildpack.js";
import { pipenvInstall } from "../pipenv-install/buildpack.js";
import { poetryInstall } from "../poetry-install/buildpack.js";
import { poetryRun } from "../poetry-run/buildpack.js";
import { pythonStart } from "../python-start/buildpack.js";
import { uvInstall } from "../uv-install/buildpack.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const toml = (name: string) => readFileSync(join(root, "src/buildpacks", name, "buildpack.toml"), "utf8");

test("cpython: always provides; requires with BP_CPYTHON_VERSION, else .python-version, else runtime.txt", async () => {
  const bp = cpython({ install: installDebianPackages });
  const none = await runDetect(bp, { buildpackToml: toml("cpython") });
  assert.ok(none.outcome === "pass");
  assert.deepEqual(none.plan.requires, []);
  const file = await runDetect(bp, { buildpackToml: toml("cpython"), app: { ".python-version": "3.11\n", "runtime.txt": "python-3.13.1\n" } });
  assert.ok(file.outcome === "pass");
  assert.deepEqual(file.plan.requires, [{ name: "cpython", metadata: { version: "3.11", "version-source": ".python-version" } }]);
  const env = await runDetect(bp, { buildpackToml: toml("cpython"), app: { ".python-version": "3.11\n" }, env: { BP_CPYTHON_VERSION: "3.13.*" } });
  assert.ok(env.outcome === "pass");
  assert.deepEqual(env.plan.requires, [{ name: "cpython", metadata: { version: "3.13.*", "version-source": "BP_CPYTHON_VERSION" } }]);
});

test("pip-install: requirements.txt or every BP_PIP_REQUIREMENT file", async () => {
  const bp = pipInstall();
  assert.equal((await runDetect(bp, { buildpackToml: toml("pip-install"), app: { "app.py": "" } })).outcome, "fail");
  assert.equal((await runDetect(bp, { buildpackToml: toml("pip-install"), app: { "requirements.txt": "flask\n" } })).outcome, "pass");
  const named = { "req/base.txt": "", "req/prod.txt": "" };
  assert.equal((await runDetect(bp, { buildpackToml: toml("pip-install"), app: named, env: { BP_PIP_REQUIREMENT: "req/base.txt req/prod.txt" } })).outcome, "pass");
  const missing = await runDetect(bp, { buildpackToml: toml("pip-install"), app: named, env: { BP_PIP_REQUIREMENT: "req/base.txt req/dev.txt" } });
  assert.equal(missing.outcome, "fail");
  assert.match(missing.stdout, /BP_PIP_REQUIREMENT/);
});

test("pipenv-install, poetry-install, uv-install, poetry-run: their files, and the Python version they name", async () => {
  const pe = await runDetect(pipenvInstall(), { buildpackToml: toml("pipenv-install"), app: { Pipfile: '[requires]\npython_version = "3.11"\n' } });
  assert.ok(pe.outcome === "pass");
  assert.deepEqual(pe.plan.requires[0], { name: "cpython", metadata: { build: true, launch: true, version: "3.11", "version-source": "Pipfile" } });
  const po = await runDetect(poetryInstall(), { buildpackToml: toml("poetry-install"), app: { "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.10"\n' } });
  assert.ok(po.outcome === "pass");
  assert.deepEqual(po.plan.requires[0], { name: "cpython", metadata: { build: true, launch: true, version: "^3.10", "version-source": "pyproject.toml" } });
  const uvProject = { "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.11"\n', "uv.lock": "version = 1\n" };
  assert.equal((await runDetect(poetryInstall(), { buildpackToml: toml("poetry-install"), app: uvProject })).outcome, "fail", "a uv project is uv-install's");
  assert.equal((await runDetect(uvInstall({ pypi }), { buildpackToml: toml("uv-install"), app: uvProject })).outcome, "pass");
  const one = '[tool.poetry.scripts]\nserve = "app:run"\n';
  assert.equal((await runDetect(poetryRun(), { buildpackToml: toml("poetry-run"), app: { "pyproject.toml": one } })).outcome, "pass");
  assert.equal((await runDetect(poetryRun(), { buildpackToml: toml("poetry-run"), app: { "pyproject.toml": `${one}other = "app:other"\n` } })).outcome, "fail");
  assert.equal((await runDetect(poetryRun(), { buildpackToml: toml("poetry-run"), app: { "pyproject.toml": "" }, env: { BP_POETRY_RUN_TARGET: "python -m app" } })).outcome, "pass");
});

test("python-start: a Python app only (a *.py file or a Python project file)", async () => {
  const bp = pythonStart();
  assert.equal((await runDetect(bp, { buildpackToml: toml("python-start"), app: { "server.js": "" } })).outcome, "fail");
  assert.equal((await runDetect(bp, { buildpackToml: toml("python-start"), app: { "server.py": "" } })).outcome, "pass");
  assert.equal((await runDetect(bp, { buildpackToml: toml("python-start"), app: { "src/main.py": "" } })).outcome, "pass");
  assert.equal((await runDetect(bp, { buildpackToml: toml("python-start"), app: { "runtime.txt": "python-3.11\n" } })).outcome, "pass");
});

// Version specs in Paketo's, pip's, Poetry's and runtime.txt's forms, and the CPython minor each picks.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { PythonError } from "./errors.js";
import { CPYTHON_BY_RELEASE, chooseMinor, normaliseSpec, pipfileVersion, pyprojectVersion, pythonVersionFile, runtimeTxt } from "./version.js";
import { installedDistributions } from "./distributions.js";

const trixie = CPYTHON_BY_RELEASE.trixie!;

test("specs pick the first CPython minor of the release that can satisfy them", () => {
  const pick = (s: string | undefined) => chooseMinor(s === undefined ? undefined : normaliseSpec(s), trixie)?.minor;
  assert.equal(pick(undefined), "3.13");
  assert.equal(pick("3.11.*"), "3.11");
  assert.equal(pick("3.11.x"), "3.11");
  assert.equal(pick("python-3.11.2"), "3.11");
  assert.equal(pick(">=3.9,<4"), "3.13");
  assert.equal(pick("^3.10"), "3.13");
  assert.equal(pick("~=3.11"), "3.13");
  assert.equal(pick("==3.11.*"), "3.11");
  assert.equal(pick("3.12"), undefined);
  assert.throws(() => chooseMinor("not a spec", trixie), (e: unknown) => e instanceof PythonError && e.code === "PYTHON_VERSION");
});

test("version files: .python-version, runtime.txt, Pipfile, pyproject.toml", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  assert.equal(await pythonVersionFile(d.path), undefined);
  writeFileSync(join(d.path, ".python-version"), "# pyenv\n3.11.9\n");
  writeFileSync(join(d.path, "runtime.txt"), "python-3.11.2\n");
  writeFileSync(join(d.path, "Pipfile"), '[requires]\npython_version = "3.11"\n');
  writeFileSync(join(d.path, "pyproject.toml"), '[tool.poetry.dependencies]\npython = "^3.10"\n');
  assert.deepEqual(await pythonVersionFile(d.path), { version: "3.11.9", source: ".python-version" });
  assert.deepEqual(await runtimeTxt(d.path), { version: "3.11.2", source: "runtime.txt" });
  assert.deepEqual(await pipfileVersion(d.path), { version: "3.11", source: "Pipfile" });
  assert.deepEqual(await pyprojectVersion(d.path), { version: "^3.10", source: "pyproject.toml" });
  writeFileSync(join(d.path, "pyproject.toml"), '[project]\nrequires-python = ">=3.11"\n');
  assert.deepEqual(await pyprojectVersion(d.path), { version: ">=3.11", source: "pyproject.toml" });
});

test("installed distributions from their METADATA: name, version, license in its three forms", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const meta = (dir: string, text: string) => {
    mkdirSync(join(d.path, dir));
    writeFileSync(join(d.path, dir, "METADATA"), text);
  };
  meta("flask-3.1.3.dist-info", "Metadata-Version: 2.4\nName: Flask\nVersion: 3.1.3\nLicense-Expression: BSD-3-Clause\nSummary: A web framework\n\nbody: not a header\n");
  meta("gunicorn-23.0.0.dist-info", "Metadata-Version: 2.1\nName: gunicorn\nVersion: 23.0.0\nLicense: MIT\n");
  meta("six-1.17.0.dist-info", "Metadata-Version: 2.1\nName: six\nVersion: 1.17.0\nLicense: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n");
  mkdirSync(join(d.path, "not-a-dist"));
  const dists = await installedDistributions([d.path, join(d.path, "missing")]);
  assert.deepEqual(dists.map((x) => [x.name, x.version, x.licenses]), [
    ["Flask", "3.1.3", ["BSD-3-Clause"]],
    ["gunicorn", "23.0.0", ["MIT"]],
    ["six", "1.17.0", ["MIT License"]],
  ]);
});

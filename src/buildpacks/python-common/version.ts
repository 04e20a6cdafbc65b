// Which CPython an app asks for, and where a build gets it: Debian's python3.X packages of the run
// image's release, or of an older release whose packages run on it (trixie: 3.13 from trixie, 3.11
// from bookworm). Version specs come in Paketo's forms (BP_CPYTHON_VERSION `3.11.*`, `3.11.x`),
// pip's (`>=3.9,<4`, `~=3.10`), Poetry's (`^3.10`) and runtime.txt's (`python-3.11.2`).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import semver from "semver";
import { parse as parseToml } from "smol-toml";
import { PythonError } from "./errors.js";

/** The CPython minors a Debian release can install, best first (the release's own first). */
export const CPYTHON_BY_RELEASE: Readonly<Record<string, ReadonlyArray<{ minor: string; suite?: string }>>> = {
  trixie: [{ minor: "3.13" }, { minor: "3.11", suite: "bookworm" }],
  bookworm: [{ minor: "3.11" }],
};

/** A spec in any of the forms above as a semver range over the upstream version, or undefined for "any". */
export function normaliseSpec(spec: string): string | undefined {
  let s = spec.trim().replace(/^python-/, "");
  if (s === "" || s === "*" || s === "default") return undefined;
  s = s.replace(/\.x\b/g, ".*").replace(/==\s*/g, "").replace(/~=\s*(\d+\.\d+)(?!\.\d)/g, ">=$1").replace(/~=\s*(\d+)\.(\d+)\.(\d+)/g, "~$1.$2.$3");
  s = s.split(",").map((p) => p.trim()).filter(Boolean).join(" ");
  return s;
}

/** The minor of `choices` that `spec` allows (the first), or undefined. */
export function chooseMinor(spec: string | undefined, choices: ReadonlyArray<{ minor: string; suite?: string }>): { minor: string; suite?: string } | undefined {
  const range = spec === undefined ? "*" : semver.validRange(spec, { loose: true });
  if (range === null) {
    throw new PythonError("PYTHON_VERSION", `${JSON.stringify(spec)} is not a Python version spec`, { hint: "write a version (3.13, 3.11.2) or a range (3.11.*, >=3.10)" });
  }
  return choices.find((c) => semver.intersects(range, `~${c.minor}.0`, { loose: true }));
}

export interface VersionRequest {
  version: string;
  source: string;
}

/** `.python-version`'s first version line (pyenv's file), or undefined. */
export async function pythonVersionFile(appDir: string): Promise<VersionRequest | undefined> {
  const text = await readFile(join(appDir, ".python-version"), "utf8").catch(() => undefined);
  const line = text?.split(/\r?\n/).map((l) => l.replace(/#.*/, "").trim()).find((l) => /^\d+(\.\d+)*$/.test(l));
  return line ? { version: line, source: ".python-version" } : undefined;
}

/** runtime.txt's `python-3.11.2`, or undefined. */
export async function runtimeTxt(appDir: string): Promise<VersionRequest | undefined> {
  const text = await readFile(join(appDir, "runtime.txt"), "utf8").catch(() => undefined);
  const m = text && /^\s*python-(\d+(?:\.\d+)*)\s*$/m.exec(text);
  return m ? { version: m[1]!, source: "runtime.txt" } : undefined;
}

/** Pipfile's `[requires] python_full_version` / `python_version`, or undefined. */
export async function pipfileVersion(appDir: string): Promise<VersionRequest | undefined> {
  const text = await readFile(join(appDir, "Pipfile"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const req = (parseToml(text) as { requires?: Record<string, unknown> }).requires ?? {};
    const v = req.python_full_version ?? req.python_version;
    return typeof v === "string" && v.trim() ? { version: v.trim(), source: "Pipfile" } : undefined;
  } catch {
    return undefined; // pipenv-install reports a broken Pipfile
  }
}

/** pyproject.toml's `[tool.poetry.dependencies] python`, else `[project] requires-python`, or undefined. */
export async function pyprojectVersion(appDir: string): Promise<VersionRequest | undefined> {
  const text = await readFile(join(appDir, "pyproject.toml"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const t = parseToml(text) as { tool?: { poetry?: { dependencies?: Record<string, unknown> } }; project?: { "requires-python"?: unknown } };
    const v = t.tool?.poetry?.dependencies?.python ?? t.project?.["requires-python"];
    return typeof v === "string" && v.trim() ? { version: v.trim(), source: "pyproject.toml" } : undefined;
  } catch {
    return undefined;
  }
}

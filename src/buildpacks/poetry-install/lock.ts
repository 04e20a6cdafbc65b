// poetry.lock as a hash-pinned requirements file for pip: every locked package of the wanted groups
// (`groups = [...]` in lock format 2.1, `category` before it; optional packages, which only extras
// bring in, left out), with its environment markers and the sha256 of each of its files. Poetry's
// own installer asks the index's JSON API (`/pypi/<name>/<version>/json`), which a simple-API
// index or mirror need not serve; pip needs only the simple API, and --require-hashes keeps the
// lock's guarantee.
import { parse as parseToml } from "smol-toml";
import { PythonError } from "../python-common/index.js";

interface LockedPackage {
  name: string;
  version: string;
  optional?: boolean;
  groups?: string[];
  category?: string;
  markers?: string | Record<string, string>;
  files?: Array<{ file: string; hash: string }>;
  source?: { type?: string; url?: string };
}

export function lockToRequirements(text: string, groups: readonly string[], where = "poetry.lock"): { lines: string[]; count: number } {
  let lock: { package?: LockedPackage[]; metadata?: { files?: Record<string, Array<{ file: string; hash: string }>> } };
  try {
    lock = parseToml(text) as typeof lock;
  } catch (e) {
    throw new PythonError("PYTHON_INSTALL", `${where} is not valid TOML: ${(e as Error).message.split("\n")[0]}`, { hint: "regenerate it with poetry lock", cause: e });
  }
  if (!Array.isArray(lock.package)) throw new PythonError("PYTHON_INSTALL", `${where} has no [[package]] entries`, { hint: "regenerate it with poetry lock" });
  const lines: string[] = [];
  for (const p of lock.package) {
    if (typeof p.name !== "string" || typeof p.version !== "string") throw new PythonError("PYTHON_INSTALL", `${where}: a [[package]] entry lacks its name or version`, { hint: "regenerate it with poetry lock" });
    if (p.optional) continue;
    const own = p.groups ?? [p.category ?? "main"];
    const group = groups.find((g) => own.includes(g));
    if (!group) continue;
    if (p.source?.type && p.source.type !== "legacy") {
      throw new PythonError("PYTHON_INSTALL", `${where}: ${p.name} comes from a ${p.source.type} source (${p.source.url ?? ""}), which this buildpack does not install`, { hint: "depend on a release from the package index" });
    }
    const files = p.files ?? lock.metadata?.files?.[p.name] ?? [];
    const hashes = files.map((f) => f.hash).filter((h) => /^sha256:[0-9a-f]{64}$/.test(h));
    if (hashes.length === 0) throw new PythonError("PYTHON_INSTALL", `${where}: ${p.name} ${p.version} has no sha256 file hashes`, { hint: "regenerate it with poetry lock" });
    const markers = typeof p.markers === "string" ? p.markers : p.markers?.[group];
    lines.push(`${p.name}==${p.version}${markers ? ` ; ${markers}` : ""} ${hashes.map((h) => `--hash=${h}`).join(" ")}`);
  }
  return { lines, count: lines.length };
}

// Reading the version sources of a project at detect: BP_NODE_VERSION, package.json engines.node,
// .nvmrc and .node-version (in the project dir, BP_NODE_PROJECT_PATH when set).
import { join } from "node:path";
import { readIfExists, readPackageJson, shown } from "../node-common/project.js";
import { NodeEngineError } from "./errors.js";
import { parseVersionSpec, type VersionSource } from "./version.js";

export interface FoundVersion {
  source: VersionSource;
  /** The spec as written (trimmed), checked by parseVersionSpec. */
  version: string;
}

/**
 * The first line of a version file that says something: blank lines and `#` comments are
 * skipped, and so is a trailing ` # comment` (nvm allows both).
 */
export function versionFileSpec(text: string): string {
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line !== "") return line;
  }
  return "";
}

/** Every version source the project has, highest priority first. Broken specs are errors naming their file. */
export async function findVersionSources(dir: string, rel: string, env: Readonly<Record<string, string | undefined>>): Promise<FoundVersion[]> {
  const found: FoundVersion[] = [];
  const add = (source: VersionSource, version: string, where: string): void => {
    if (parseVersionSpec(version, where) !== undefined) found.push({ source, version: version.trim() });
  };
  const fromEnv = env.BP_NODE_VERSION;
  if (fromEnv !== undefined) add("BP_NODE_VERSION", fromEnv, "BP_NODE_VERSION");
  const pkg = await readPackageJson(dir, rel);
  const engines = pkg?.["engines"];
  if (engines !== undefined && engines !== null && typeof engines === "object" && !Array.isArray(engines)) {
    const node = (engines as Record<string, unknown>)["node"];
    if (node !== undefined) {
      if (typeof node !== "string") {
        throw new NodeEngineError("NODE_ENGINE_VERSION", `${shown(rel, "package.json")}: engines.node must be a string, not ${JSON.stringify(node)}`, {
          hint: 'write a semver range, e.g. "engines": { "node": ">=20" }',
        });
      }
      add("package.json", node, `${shown(rel, "package.json")} engines.node`);
    }
  }
  for (const file of [".nvmrc", ".node-version"] as const) {
    const text = await readIfExists(join(dir, file));
    if (text !== undefined) add(file, versionFileSpec(text), shown(rel, file));
  }
  return found;
}

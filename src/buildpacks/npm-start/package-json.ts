// The part of package.json npm-start reads: the start script (BP_NPM_START_SCRIPT, default
// `start`) and its pre/post hooks, named as npm names them (`pre<name>`, `post<name>`).
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { StartError } from "../node-start/errors.js";
import type { ProjectDir } from "../node-start/start.js";

export interface StartScripts {
  /** The script name (`start`, or BP_NPM_START_SCRIPT). */
  name: string;
  start: string;
  pre: string | undefined;
  post: string | undefined;
}

/** package.json as an object, or undefined when the project has none. */
export async function readPackageJson(project: ProjectDir): Promise<Record<string, unknown> | undefined> {
  const file = join(project.rel, "package.json");
  let text: string;
  try {
    text = await readFile(join(project.abs, "package.json"), "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new StartError("START_PACKAGE_JSON", `reading ${file}: ${(e as Error).message}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new StartError("START_PACKAGE_JSON", `${file} is not valid JSON: ${(e as Error).message}`, { cause: e, hint: "fix the file; `npm pkg get` shows what npm reads" });
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new StartError("START_PACKAGE_JSON", `${file} is not a JSON object`);
  return json as Record<string, unknown>;
}

/**
 * The start script and its hooks; undefined when the script is missing or empty. A script asked
 * for by BP_NPM_START_SCRIPT must exist (an error, as in Paketo).
 */
export function startScripts(pkg: Record<string, unknown>, env: Readonly<Record<string, string>>, file: string): StartScripts | undefined {
  const asked = env.BP_NPM_START_SCRIPT ?? "";
  const name = asked === "" ? "start" : asked;
  const raw = pkg.scripts;
  const scripts = typeof raw === "object" && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const script = (n: string): string | undefined => {
    const v = scripts[n];
    if (v === undefined) return undefined;
    if (typeof v !== "string") throw new StartError("START_PACKAGE_JSON", `${file}: scripts.${n} is not a string`);
    return v.trim() === "" ? undefined : v;
  };
  const start = script(name);
  if (start === undefined) {
    if (asked === "") return undefined;
    throw new StartError("START_SCRIPT", `BP_NPM_START_SCRIPT=${asked}: ${file} has no script "${asked}"`, {
      hint: `the scripts are: ${Object.keys(scripts).join(", ") || "none"}`,
    });
  }
  return { name, start, pre: script(`pre${name}`), post: script(`post${name}`) };
}

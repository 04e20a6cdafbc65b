// Which file node-start runs: BP_LAUNCHPOINT (relative to the app root), else the first of
// server, app, main, index (.js, .cjs, .mjs) in the project directory (Paketo's libnodejs order).
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { StartError } from "./errors.js";
import { inside, type ProjectDir, readBool } from "./start.js";

export const APP_FILES: readonly string[] = ["server", "app", "main", "index"].flatMap((b) => [".js", ".cjs", ".mjs"].map((e) => b + e));

/** The file to start: its path inside the app, and where the choice came from. */
export interface NodeApp {
  /** Absolute path. */
  file: string;
  source: "BP_LAUNCHPOINT" | "project";
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

/** The app file, or undefined when there is none to start (detect fails). */
export async function findNodeApp(appDir: string, project: ProjectDir, env: Readonly<Record<string, string>>): Promise<NodeApp | undefined> {
  const launchpoint = env.BP_LAUNCHPOINT ?? "";
  if (launchpoint !== "") {
    const at = inside(appDir, launchpoint);
    if (at === undefined || at.rel === "") {
      throw new StartError("START_LAUNCHPOINT", `BP_LAUNCHPOINT=${launchpoint} does not name a file inside the app`, { hint: "give a path relative to the app root, e.g. ./src/server.js" });
    }
    if (readBool(env, "BP_VERIFY_LAUNCHPOINT", true) && !(await isFile(at.abs))) {
      throw new StartError("START_LAUNCHPOINT", `BP_LAUNCHPOINT=${launchpoint}: ${at.rel} is not a file of the app`, {
        hint: "BP_LAUNCHPOINT is relative to the app root (not to BP_NODE_PROJECT_PATH); set BP_VERIFY_LAUNCHPOINT=false if the file is made later in the build",
      });
    }
    return { file: at.abs, source: "BP_LAUNCHPOINT" };
  }
  for (const name of APP_FILES) {
    const file = join(project.abs, name);
    if (await isFile(file)) return { file, source: "project" };
  }
  return undefined;
}

export async function hasPackageJson(project: ProjectDir): Promise<boolean> {
  return isFile(join(project.abs, "package.json"));
}

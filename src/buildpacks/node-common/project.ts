// The Node.js project a buildpack works on: the app dir or BP_NODE_PROJECT_PATH under it, its
// package.json and which lockfile it has.
import { createHash } from "node:crypto";
import { readdir, readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import { NodeError } from "./errors.js";

export type Env = Readonly<Record<string, string | undefined>>;

/** The parts of package.json the buildpacks read; anything else is kept as parsed. */
export interface PackageJson {
  name?: string;
  version?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: unknown;
  packageManager?: string;
  [k: string]: unknown;
}

export interface Project {
  /** The app dir (/workspace). */
  appDir: string;
  /** Where package.json is: the app dir, or BP_NODE_PROJECT_PATH under it. */
  dir: string;
  /** `dir` relative to the app dir, "" for the app dir itself; for messages (`api/package.json`). */
  rel: string;
  packageJson: PackageJson;
}

/** The project dir: BP_NODE_PROJECT_PATH (relative to the app dir, and inside it) or the app dir. */
export async function projectDir(appDir: string, env: Env): Promise<string> {
  const setting = (env.BP_NODE_PROJECT_PATH ?? "").trim();
  if (setting === "") return appDir;
  const dir = resolve(appDir, setting);
  const rel = relative(appDir, dir);
  if (isAbsolute(setting) || rel.startsWith("..") || isAbsolute(rel)) {
    throw new NodeError("NODE_PROJECT", `BP_NODE_PROJECT_PATH=${setting}: not a path inside the app directory`, {
      hint: "give the subproject's path relative to the app root, e.g. BP_NODE_PROJECT_PATH=services/api",
    });
  }
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new NodeError("NODE_PROJECT", `BP_NODE_PROJECT_PATH=${setting}: ${rel} is not a directory of the app`, {
      hint: "the path is relative to the app root",
    });
  }
  // A symlink must not lead out of the app either.
  const [realApp, realDir] = await Promise.all([realpath(appDir), realpath(dir)]);
  if (relative(realApp, realDir).startsWith("..")) {
    throw new NodeError("NODE_PROJECT", `BP_NODE_PROJECT_PATH=${setting}: ${rel} leads outside the app directory`);
  }
  return dir;
}


/** The file's text, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw e;
  }
}

/** `<rel>/<file>` for messages: names the file the way the user sees it in the repository. */
export function shown(rel: string, file: string): string {
  return rel === "" ? file : `${rel}/${file}`;
}

/** package.json of `dir`, or undefined when there is none; a broken one is an error naming it. */
export async function readPackageJson(dir: string, rel: string): Promise<PackageJson | undefined> {
  const text = await readIfExists(join(dir, "package.json"));
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new NodeError("NODE_PACKAGE_JSON", `${shown(rel, "package.json")} is not valid JSON: ${(e as Error).message}`, {
      hint: "fix the syntax error (for example with `npm pkg get`, which reports it too)",
      cause: e,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new NodeError("NODE_PACKAGE_JSON", `${shown(rel, "package.json")} is not a JSON object`);
  }
  const pkg = value as PackageJson;
  for (const field of ["scripts", "dependencies", "devDependencies"] as const) {
    const v = pkg[field];
    if (v !== undefined && (typeof v !== "object" || v === null || Array.isArray(v))) {
      throw new NodeError("NODE_PACKAGE_JSON", `${shown(rel, "package.json")}: "${field}" must be an object of names to strings`);
    }
  }
  return pkg;
}

/** The project of a build or detect: the dir, and its package.json (required). */
export async function loadProject(appDir: string, env: Env): Promise<Project | undefined> {
  const dir = await projectDir(appDir, env);
  const rel = relative(appDir, dir);
  const packageJson = await readPackageJson(dir, rel);
  return packageJson === undefined ? undefined : { appDir, dir, rel, packageJson };
}

/** Whether a production install leaves something out: devDependencies, or workspaces (whose members may have some). */
export function hasDevDependencies(pkg: PackageJson): boolean {
  return Object.keys(pkg.devDependencies ?? {}).length > 0 || pkg.workspaces !== undefined;
}

/** The package.json fields that change what an install produces (not `version`, not `scripts.build`). */
const INSTALL_FIELDS = [
  "dependencies",
  "devDependencies",
  "optionalDependencies",
  "peerDependencies",
  "peerDependenciesMeta",
  "bundleDependencies",
  "bundledDependencies",
  "dependenciesMeta",
  "overrides",
  "resolutions",
  "workspaces",
  "packageManager",
  "devEngines",
  "pnpm",
  "allowScripts",
];
const INSTALL_SCRIPTS = ["preinstall", "install", "postinstall", "prepare"];

export function installRelevant(pkg: PackageJson): unknown {
  const fields = Object.fromEntries(INSTALL_FIELDS.filter((f) => pkg[f] !== undefined).map((f) => [f, pkg[f]]));
  const scripts = Object.fromEntries(INSTALL_SCRIPTS.filter((s) => pkg.scripts?.[s] !== undefined).map((s) => [s, pkg.scripts?.[s]]));
  return { ...fields, scripts };
}

/**
 * Every package.json below `dir` (workspace members), skipping node_modules and dot dirs, as
 * `[relative path, install-relevant fields]`, sorted. Bounded in depth: monorepos nest a few levels.
 */
export async function memberManifests(dir: string, depth = 4): Promise<[string, unknown][]> {
  const out: [string, unknown][] = [];
  const walk = async (d: string, level: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!e.isDirectory() || e.name === "node_modules" || e.name.startsWith(".")) continue;
      const sub = join(d, e.name);
      const text = await readIfExists(join(sub, "package.json"));
      if (text !== undefined) {
        try {
          out.push([relative(dir, sub), installRelevant(JSON.parse(text) as PackageJson)]);
        } catch {
          out.push([relative(dir, sub), text]);
        }
      }
      if (level < depth) await walk(sub, level + 1);
    }
  };
  await walk(dir, 1);
  return out;
}

export function sha256(...parts: (string | Uint8Array)[]): string {
  const h = createHash("sha256");
  for (const p of parts) {
    h.update(typeof p === "string" ? Buffer.from(p) : p);
    h.update("\0");
  }
  return h.digest("hex");
}

/** The project a build works on: detection found its package.json, so its absence now is an error. */
export async function buildProject(appDir: string, env: Env): Promise<Project> {
  const project = await loadProject(appDir, env);
  if (project === undefined) throw new NodeError("NODE_PACKAGE_JSON", "package.json is gone since detection");
  return project;
}

/**
 * The plan of a package-manager install buildpack: it provides its package manager and
 * node_modules, and requires Node.js and its package manager at build. Whether node_modules (and
 * Node.js) are needed at launch is for later buildpacks to say: a start buildpack requires both
 * at launch, node-run-script only at build (a front-end a web server serves ships neither). The
 * `or` alternative requires node_modules at launch itself, so the buildpack also passes where
 * nothing else asks for node_modules (a Procfile app).
 */
export function installerPlan(pm: "npm" | "yarn" | "pnpm") {
  const provides = [{ name: pm }, { name: "node_modules" }];
  return {
    provides,
    requires: [
      { name: "node", metadata: { build: true } },
      { name: pm, metadata: { build: true } },
    ],
    or: [
      {
        provides,
        requires: [
          { name: "node", metadata: { build: true, launch: true } },
          { name: pm, metadata: { build: true } },
          { name: "node_modules", metadata: { launch: true } },
        ],
      },
    ],
  };
}

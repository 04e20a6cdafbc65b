// Reading what buildpacks wrote, on the host, without following symlinks out of the tree they
// were allowed to write. A buildpack's `launch.toml -> /home/me/.docker/config.json` (or a layer
// dir linked to /etc) points at the sandbox's file inside the sandbox but at the host's file here.
import { lstat, open, readdir, realpath, stat } from "node:fs/promises";
import { join, relative, isAbsolute } from "node:path";
import { PaketoError } from "../../errors/index.js";
import type { EnvFileContent } from "../env/index.js";

/** Largest result file read into memory (TOML, plan, SBOM, env file). */
export const MAX_RESULT_FILE = 16 * 1024 * 1024;

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** What is at a path, without following a final symlink. */
export type Entry = "missing" | "dir" | "file" | "symlink" | "other";

export async function entryType(p: string): Promise<Entry> {
  try {
    const s = await lstat(p);
    return s.isDirectory() ? "dir" : s.isFile() ? "file" : s.isSymbolicLink() ? "symlink" : "other";
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return "missing";
    throw e;
  }
}

/**
 * The real path of `p` when it (and every symlink on the way) stays inside `root`; undefined when
 * `p` does not exist. Throws LIFECYCLE_SYMLINK_ESCAPE when it resolves outside. `shown` names the
 * path in messages (the path buildpacks see).
 */
export async function resolveInside(root: string, p: string, shown: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw e;
  }
  const realRoot = await realpath(root);
  if (!inside(realRoot, real)) {
    throw new PaketoError("LIFECYCLE_SYMLINK_ESCAPE", `${shown} leads through a symlink out of the directory it must stay in; refused`, {
      hint: "a buildpack may only link to files inside the directories it writes (its layers, the app)",
    });
  }
  return real;
}

/** The text of a file written by a buildpack, or undefined when it does not exist. */
export async function readFileInside(root: string, p: string, shown: string, maxBytes = MAX_RESULT_FILE): Promise<string | undefined> {
  const real = await resolveInside(root, p, shown);
  if (real === undefined) return undefined;
  const fh = await open(real, "r");
  try {
    const s = await fh.stat();
    if (!s.isFile()) throw new PaketoError("LIFECYCLE_NOT_A_FILE", `${shown} is not a regular file`);
    if (s.size > maxBytes) throw new PaketoError("LIFECYCLE_FILE_TOO_LARGE", `${shown} is ${s.size} bytes; at most ${maxBytes} are read`);
    return (await fh.readFile()).toString("utf8");
  } finally {
    await fh.close();
  }
}

/**
 * The files of an env directory (`<platform>/env`, `<layer>/env.build`...), in name order, with
 * their contents verbatim. Subdirectories and symlinks to directories are skipped, as the reference
 * does (`env.launch/<process>/` lives inside `env.launch/`). A missing directory has no files.
 */
export async function readEnvDir(root: string, dir: string, shown: string): Promise<EnvFileContent[]> {
  if ((await resolveInside(root, dir, shown)) === undefined) return [];
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOTDIR") return [];
    throw e;
  }
  const out: EnvFileContent[] = [];
  for (const name of names) {
    const p = join(dir, name);
    const shownFile = `${shown}/${name}`;
    const real = await resolveInside(root, p, shownFile);
    if (real === undefined || (await stat(real)).isDirectory()) continue;
    out.push({ name, content: (await readFileInside(root, p, shownFile)) ?? "" });
  }
  return out;
}

/** The names of the subdirectories of `dir` that exist among `names` (following symlinks, as the reference's os.Stat). */
export async function existingSubdirs(dir: string, names: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of names) {
    try {
      if ((await stat(join(dir, n))).isDirectory()) out.push(n);
    } catch {
      // absent
    }
  }
  return out;
}

// Build mounts (a paketo platform extension, bubblewrap only): a buildpack may ask that later
// buildpacks see one of its layer folders as a real folder of the app, e.g. node_modules, which
// some tools refuse to read through a symlink that leads out of the project (Turbopack). It sets
// the build env `PAKETO_BUILD_MOUNTS=<app path>=<layer path>[:<app path>=<layer path>...]`; for
// each later bin/build the platform binds the layer folder at the app path inside the sandbox.
// On the host the app keeps what the buildpacks left there (a symlink, or nothing): the mount
// point is made just for the run and put back after it, so the exported app and the CNB contract
// are unchanged, and a platform without this extension (the reference lifecycle, --sandbox none)
// just does not mount: buildpacks check and fall back (src/buildpacks/node-common/build-tree.ts).
//
// A request whose app path lies under another request's app path (node_modules/.cache under
// node_modules) is mounted inside that layer folder, only where the folder is already there: the
// platform never writes into a layer to make a mount point.
import { lstat, mkdir, readdir, readlink, rmdir, symlink, unlink } from "node:fs/promises";
import { join, posix } from "node:path";
import { resolveInRoot, ResolveRefusal } from "../../fs/index.js";
import type { Bind } from "../../sandbox/index.js";
import type { BuildPaths } from "./paths.js";

export const BUILD_MOUNTS_ENV = "PAKETO_BUILD_MOUNTS";

/** One requested mount, in the paths buildpacks see. */
export interface MountRequest {
  /** Where in the app (under the app dir). */
  target: string;
  /** Which layer folder (under the layers dir). */
  source: string;
}

/** A path strictly below `root`, normalised; undefined for anything else (relative, `..`, the root itself). */
function below(root: string, p: string): string | undefined {
  if (!p.startsWith("/") || posix.normalize(p) !== p || p.endsWith("/")) return undefined;
  const rel = posix.relative(root, p);
  return rel === "" || rel.startsWith("..") ? undefined : rel;
}

/**
 * The requests of a `PAKETO_BUILD_MOUNTS` value that are well formed: absolute normalised paths,
 * targets under the app dir and sources under the layers dir. Sorted so that a target comes
 * before the targets under it; a target named twice keeps its first source. `problems` says what
 * was left out and why.
 */
export function parseBuildMounts(value: string, dirs: { workspace: string; layers: string }): { mounts: MountRequest[]; problems: string[] } {
  const mounts: MountRequest[] = [];
  const problems: string[] = [];
  for (const entry of value.split(":").filter((e) => e.trim() !== "")) {
    const eq = entry.indexOf("=");
    const target = eq < 0 ? entry : entry.slice(0, eq);
    const source = eq < 0 ? "" : entry.slice(eq + 1);
    if (below(dirs.workspace, target) === undefined) problems.push(`${JSON.stringify(entry)}: the mount point must be a path under ${dirs.workspace}`);
    else if (below(dirs.layers, source) === undefined) problems.push(`${JSON.stringify(entry)}: the source must be a layer folder under ${dirs.layers}`);
    else if (mounts.some((m) => m.target === target)) problems.push(`${JSON.stringify(entry)}: ${target} is already mounted`);
    else mounts.push({ target, source });
  }
  mounts.sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0));
  return { mounts, problems };
}

/** What the app held at a mount point before the run, to put back after it. */
type Before = { kind: "symlink"; link: string } | { kind: "missing" } | { kind: "dir" };

export interface PreparedMounts {
  binds: Bind[];
  /** What was not mounted and why (for the debug log). */
  notes: string[];
  /** Puts the app's mount points back as they were (after the run, also when it failed). */
  restore(): Promise<void>;
}

const NONE: PreparedMounts = { binds: [], notes: [], restore: async () => {} };

/** The host folder of `rel` under `root`, with no symlink on the way; undefined when missing or not a folder. */
async function hostDir(root: string, rel: string): Promise<string | undefined> {
  let comps: string[] | undefined;
  try {
    comps = await resolveInRoot(root, rel.split("/"), { symlinks: "refuse", missing: "stop" });
  } catch (e) {
    if (e instanceof ResolveRefusal) return undefined;
    throw e;
  }
  if (comps === undefined) return undefined;
  const p = join(root, ...comps);
  const st = await lstat(p).catch(() => undefined);
  return st?.isDirectory() ? p : undefined;
}

/**
 * Reads the requests in `env` and prepares the host side: each top-level mount point becomes an
 * empty folder for the run (a symlink there is removed and remembered, a missing one is created);
 * a mount point already holding files is left alone. Returns no binds with --sandbox none.
 */
export async function prepareBuildMounts(paths: BuildPaths, env: Readonly<Record<string, string>>): Promise<PreparedMounts> {
  const value = env[BUILD_MOUNTS_ENV];
  if (paths.mode === "none" || value === undefined || value.trim() === "") return NONE;
  const { mounts, problems } = parseBuildMounts(value, paths.sandbox);
  const notes = [...problems];
  const binds: Bind[] = [];
  const undo: Array<{ host: string; before: Before }> = [];
  const mounted: Array<MountRequest & { hostSource: string }> = [];
  try {
    for (const m of mounts) {
      const hostSource = await hostDir(paths.host.layers, below(paths.sandbox.layers, m.source) as string);
      if (hostSource === undefined) {
        notes.push(`${m.target}: ${m.source} is not a folder (or leads through a symlink); not mounted`);
        continue;
      }
      const parent = mounted.find((p) => below(p.target, m.target) !== undefined);
      if (parent !== undefined) {
        // Inside another mount: the folder must already be there in that layer.
        if ((await hostDir(parent.hostSource, below(parent.target, m.target) as string)) === undefined) {
          notes.push(`${m.target}: no such folder in ${parent.source}; not mounted`);
          continue;
        }
      } else {
        const rel = below(paths.sandbox.workspace, m.target) as string;
        const comps = rel.split("/");
        const dir = comps.length === 1 ? paths.host.workspace : await hostDir(paths.host.workspace, comps.slice(0, -1).join("/"));
        if (dir === undefined) {
          notes.push(`${m.target}: its parent is not a folder of the app; not mounted`);
          continue;
        }
        const host = join(dir, comps[comps.length - 1] as string);
        const st = await lstat(host).catch(() => undefined);
        let before: Before;
        if (st === undefined) before = { kind: "missing" };
        else if (st.isSymbolicLink()) before = { kind: "symlink", link: await readlink(host) };
        else if (st.isDirectory() && (await readdir(host)).length === 0) before = { kind: "dir" };
        else {
          notes.push(`${m.target}: the app has files there; not mounted`);
          continue;
        }
        if (before.kind === "symlink") await unlink(host);
        if (before.kind !== "dir") await mkdir(host);
        undo.push({ host, before });
      }
      binds.push({ source: hostSource, target: m.target });
      mounted.push({ ...m, hostSource });
    }
  } catch (e) {
    await restoreAll(undo);
    throw e;
  }
  return { binds, notes, restore: () => restoreAll(undo) };
}

async function restoreAll(undo: ReadonlyArray<{ host: string; before: Before }>): Promise<void> {
  for (const { host, before } of [...undo].reverse()) {
    if (before.kind === "dir") continue;
    // Only an empty folder is ours to remove: everything written there went to the layer.
    const st = await lstat(host).catch(() => undefined);
    if (!st?.isDirectory() || (await readdir(host)).length > 0) continue;
    await rmdir(host);
    if (before.kind === "symlink") await symlink(before.link, host);
  }
}

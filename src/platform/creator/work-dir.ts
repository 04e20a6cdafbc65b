// The work folders of builds and builder creations, under the cache's `work/`. A build's folder
// holds the app copy, its layers and the platform dir with the user env and binding secrets, so
// every folder is private to this user (0700, and `work/` itself too), and it is named after its
// owner, `<kind>-<host>.<pid>.<random>` (fs/temp.ts's scheme): a folder whose process is gone (a
// build killed with kill -9) is removed by the next build and by `paketo prune`, so no secret
// outlives the build that had it for longer than that.
import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { HOST_TAG, staleTemp } from "../../fs/index.js";

export type WorkKind = "build" | "builder";

/** A folder that does not record an owner (made by earlier versions) is removed once it is this old. */
const UNOWNED_STALE_MS = 24 * 60 * 60 * 1000;

/** Makes `<workRoot>/<kind>-<owner>`, private; `workRoot` is made private too. Removes stale folders first. */
export async function openWorkDir(workRoot: string, kind: WorkKind): Promise<string> {
  await mkdir(workRoot, { recursive: true, mode: 0o700 });
  await chmod(workRoot, 0o700); // made 0755 by earlier versions
  await sweepWorkDirs(workRoot);
  for (;;) {
    const dir = join(workRoot, `${kind}-${HOST_TAG}.${process.pid}.${randomBytes(8).toString("hex")}`);
    try {
      await mkdir(dir, { mode: 0o700 });
      await chmod(dir, 0o700); // whatever the umask
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
}

/** Whether a work folder's name says its process has ended (on this host), or it is an old unowned one. */
async function stale(workRoot: string, name: string, now: number): Promise<boolean> {
  const m = /^(?:build|builder)-(.+)$/.exec(name);
  if (!m) return false;
  const owner = m[1] as string;
  if (/^[0-9a-f]{8}\.\d+\.[0-9a-f]+$/.test(owner)) return staleTemp(owner);
  // mkdtemp's `build-XXXXXX` of earlier versions: no owner to ask, so by age.
  const s = await lstat(join(workRoot, name)).catch(() => undefined);
  return s !== undefined && now - s.mtimeMs > UNOWNED_STALE_MS;
}

/** Removes the work folders whose builds are gone; those of running builds are never touched. Returns how many. */
export async function sweepWorkDirs(workRoot: string, now = Date.now()): Promise<number> {
  const names = await readdir(workRoot).catch(() => [] as string[]);
  let n = 0;
  for (const name of names) {
    if (!(await stale(workRoot, name, now))) continue;
    await removeTree(join(workRoot, name));
    n++;
  }
  return n;
}

/**
 * Removes a folder and everything in it, including folders a buildpack left without write
 * permission (module caches often are read-only), which a plain recursive rm cannot empty.
 */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EACCES" && code !== "EPERM") throw e;
  }
  await makeWritable(dir);
  await rm(dir, { recursive: true, force: true });
}

async function makeWritable(dir: string): Promise<void> {
  const s = await lstat(dir).catch(() => undefined);
  if (!s?.isDirectory()) return;
  await chmod(dir, 0o700).catch(() => {});
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) await makeWritable(join(dir, name));
}

import type { Stats } from "node:fs";
import { copyFile, lstat, mkdir, readdir, readlink, symlink, chmod } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";
import ignore from "ignore";
import { PaketoError } from "../../errors/index.js";
import { limiter } from "../../lifecycle/index.js";

export interface WorkspaceFilter {
  /** gitignore-style patterns: only matching files are copied (project.toml `include`). */
  include?: readonly string[];
  /** gitignore-style patterns: matching files are left out (project.toml `exclude`). */
  exclude?: readonly string[];
}

/** File copies in flight at once: each waits on the disk, so a few dozen keep it busy where one at a time left it idle. */
const COPY_CONCURRENCY = 32;

/**
 * Copies the application source into the build's workspace. Symlinks are copied as symlinks and
 * never followed, so a link in the app that points outside it cannot pull host files into the
 * build; special files (sockets, fifos, devices) are left out. Modes are kept (executable bits
 * matter to buildpacks; setuid and setgid are dropped); times are not (export fixes them anyway).
 * Entries are examined and copied many at a time, and the fingerprint is taken in name order, so
 * it does not depend on which copy finished first.
 */
export async function copyApp(src: string, dest: string, filter: WorkspaceFilter = {}): Promise<{ files: number; bytes: number; fingerprint: string }> {
  const st = await lstat(src).catch((e: unknown) => {
    throw new PaketoError("PLATFORM_APP_DIR", `the app directory ${src} cannot be read`, { cause: e, hint: "pass the app with --path DIR" });
  });
  if (!st.isDirectory()) throw new PaketoError("PLATFORM_APP_DIR", `${src} is not a directory`, { hint: "pass the app with --path DIR" });
  const inc = filter.include?.length ? ignore().add([...filter.include]) : undefined;
  const exc = filter.exclude?.length ? ignore().add([...filter.exclude]) : undefined;
  const stats = { files: 0, bytes: 0 };
  const limit = limiter(COPY_CONCURRENCY);
  // What was copied, by name, type, mode, size and mtime: equal fingerprints, equal workspaces.
  const fp = createHash("sha256");
  const walk = async (dir: string) => {
    const names = (await readdir(dir)).sort();
    const entries = await Promise.all(names.map((name) => limit(() => lstat(join(dir, name)))));
    // This folder's copies; awaited before returning, so the caller can then set the folder's mode.
    const copies: Promise<unknown>[] = [];
    for (const [i, name] of names.entries()) {
      const s = entries[i] as Stats;
      const abs = join(dir, name);
      const rel = relative(src, abs);
      const probe = s.isDirectory() ? `${rel}/` : rel;
      if (exc?.ignores(probe)) continue;
      const out = join(dest, rel);
      if (s.isDirectory()) {
        fp.update(`d\0${rel}\0${s.mode}\n`);
        await mkdir(out, { recursive: true });
        await walk(abs);
        await chmod(out, s.mode & 0o7777);
        continue;
      }
      // With include patterns, a file is copied only if it matches (directories are walked).
      if (inc && !inc.ignores(rel)) continue;
      if (s.isSymbolicLink()) {
        const target = await readlink(abs);
        fp.update(`l\0${rel}\0${target}\n`);
        copies.push(limit(() => symlink(target, out)));
      } else if (s.isFile()) {
        fp.update(`f\0${rel}\0${s.mode}\0${s.size}\0${s.mtimeMs}\n`);
        // copyFile gives the copy the source's mode; only setuid and setgid need taking off.
        copies.push(limit(async () => {
          await copyFile(abs, out);
          if (s.mode & 0o7000) await chmod(out, s.mode & 0o777);
        }));
        stats.bytes += s.size;
      } else continue;
      stats.files++;
    }
    await Promise.all(copies);
  };
  await mkdir(dest, { recursive: true });
  await walk(src);
  return { ...stats, fingerprint: fp.digest("hex") };
}

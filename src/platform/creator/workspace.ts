import type { Stats } from "node:fs";
import { copyFile, lstat, mkdir, readdir, readlink, symlink, chmod } from "node:fs/promises";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
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
export async function copyApp(
  src: string,
  dest: string,
  filter: WorkspaceFilter = {},
): Promise<{ files: number; bytes: number; fingerprint: string; contentDigest: string }> {
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
  // What was copied, by name, type, mode and bytes (each copy's sha256, read back while it is in
  // the page cache): equal digests, equal workspaces, whatever the times. Entries are kept in walk
  // order and hashed at the end, so the digest does not depend on which copy finished first.
  const content: (string | Promise<string>)[] = [];
  const sha256File = async (path: string) => {
    const h = createHash("sha256");
    for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
    return h.digest("hex");
  };
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
        content.push(`d\0${rel}\0${s.mode}\n`);
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
        content.push(`l\0${rel}\0${target}\n`);
        copies.push(limit(() => symlink(target, out)));
      } else if (s.isFile()) {
        fp.update(`f\0${rel}\0${s.mode}\0${s.size}\0${s.mtimeMs}\n`);
        // copyFile gives the copy the source's mode; only setuid and setgid need taking off.
        const copied = limit(async () => {
          await copyFile(abs, out);
          if (s.mode & 0o7000) await chmod(out, s.mode & 0o777);
          return `f\0${rel}\0${s.mode & 0o777}\0${await sha256File(out)}\n`;
        });
        copies.push(copied);
        content.push(copied);
        stats.bytes += s.size;
      } else continue;
      stats.files++;
    }
    await Promise.all(copies);
  };
  await mkdir(dest, { recursive: true });
  await walk(src);
  const digest = createHash("sha256");
  for (const part of await Promise.all(content)) digest.update(part);
  return { ...stats, fingerprint: fp.digest("hex"), contentDigest: digest.digest("hex") };
}

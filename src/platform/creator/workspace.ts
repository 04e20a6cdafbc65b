import { copyFile, lstat, mkdir, readdir, readlink, symlink, chmod } from "node:fs/promises";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join, relative } from "node:path";
import ignore from "ignore";
import { PaketoError } from "../../errors/index.js";

export interface WorkspaceFilter {
  /** gitignore-style patterns: only matching files are copied (project.toml `include`). */
  include?: readonly string[];
  /** gitignore-style patterns: matching files are left out (project.toml `exclude`). */
  exclude?: readonly string[];
}

/**
 * Copies the application source into the build's workspace. Symlinks are copied as symlinks and
 * never followed, so a link in the app that points outside it cannot pull host files into the
 * build; special files (sockets, fifos, devices) are left out. Modes are kept (executable bits
 * matter to buildpacks); times are not (export fixes them anyway).
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
  // What was copied, by name, type, mode, size and mtime: equal fingerprints, equal workspaces.
  const fp = createHash("sha256");
  // What was copied, by name, type, mode and bytes (of the copy, read back while it is in the
  // page cache): equal digests, equal workspaces, whatever the times.
  const content = createHash("sha256");
  const walk = async (dir: string) => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const abs = join(dir, name);
      const rel = relative(src, abs);
      const s = await lstat(abs);
      const probe = s.isDirectory() ? `${rel}/` : rel;
      if (exc?.ignores(probe)) continue;
      const out = join(dest, rel);
      if (s.isDirectory()) {
        fp.update(`d\0${rel}\0${s.mode}\n`);
        content.update(`d\0${rel}\0${s.mode}\n`);
        await mkdir(out, { recursive: true });
        await walk(abs);
        await chmod(out, s.mode & 0o7777);
        continue;
      }
      // With include patterns, a file is copied only if it matches (directories are walked).
      if (inc && !inc.ignores(rel)) continue;
      if (s.isSymbolicLink()) {
        await mkdir(join(out, ".."), { recursive: true });
        const target = await readlink(abs);
        fp.update(`l\0${rel}\0${target}\n`);
        content.update(`l\0${rel}\0${target}\n`);
        await symlink(target, out);
      } else if (s.isFile()) {
        fp.update(`f\0${rel}\0${s.mode}\0${s.size}\0${s.mtimeMs}\n`);
        await mkdir(join(out, ".."), { recursive: true });
        await copyFile(abs, out);
        await chmod(out, s.mode & 0o777);
        content.update(`f\0${rel}\0${s.mode & 0o777}\0`);
        for await (const chunk of createReadStream(out)) content.update(chunk as Buffer);
        content.update("\n");
        stats.bytes += s.size;
      } else continue;
      stats.files++;
    }
  };
  await mkdir(dest, { recursive: true });
  await walk(src);
  return { ...stats, fingerprint: fp.digest("hex"), contentDigest: content.digest("hex") };
}

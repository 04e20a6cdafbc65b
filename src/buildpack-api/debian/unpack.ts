// Unpacking .debs into a layer, and the fix-ups that make the result work from where it lands:
// merged-/usr paths, package contents left out by path, symbolic links pointed at the layer (or at
// the run image, for what the layer does not hold), extra links the maintainer scripts would make.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, readlink, rm, stat, symlink } from "node:fs/promises";
import { dirname, join, posix, relative } from "node:path";
import { pipeline } from "node:stream/promises";
import { debian } from "../../deps/index.js";
import { entryKind } from "../../fs/index.js";
import { BuildpackError } from "../errors.js";

/** What dpkg would leave that nothing in an image reads: documentation, manuals, translations, init scripts. */
export const DEFAULT_EXCLUDE_PATHS: readonly string[] = [
  "usr/share/doc/**",
  "usr/share/doc-base/**",
  "usr/share/man/**",
  "usr/share/info/**",
  "usr/share/locale/**",
  "usr/share/lintian/**",
  "usr/share/linda/**",
  "usr/share/bug/**",
  "usr/share/menu/**",
  "usr/share/bash-completion/**",
  "usr/share/zsh/**",
  "usr/share/gdb/**",
  "usr/share/apport/**",
  "usr/lib/systemd/**",
  "etc/init.d/**",
  "etc/logrotate.d/**",
  "etc/ufw/**",
  "etc/cron.daily/**",
];
/** Kept although an exclusion matches: license texts. */
export const DEFAULT_KEEP_PATHS: readonly string[] = ["usr/share/doc/*/copyright"];

/** `bin/x` → `usr/bin/x`: Debian 12 and later have merged /usr, so a layer has one place for each. */
export function mergedUsr(path: string): string {
  const m = /^(bin|sbin|lib|lib32|lib64|libx32)(\/.*)?$/.exec(path);
  return m ? `usr/${m[1]}${m[2] ?? ""}` : path;
}

/** Hex SHA-256 of a file, streamed. */
async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  await pipeline(createReadStream(path), h);
  return h.digest("hex");
}

/**
 * Unpacks each package's data into `root`, in the order given (later packages win a shared path,
 * as dpkg's Replaces would have it). Every cached .deb is hashed again first: the download cache is
 * shared with other builds, so its files are checked against the lock when they are used.
 */
export async function unpackDebs(root: string, debs: readonly debian.CachedPackage[], opts: { include: (path: string) => boolean; decompressors?: debian.Decompressors }): Promise<void> {
  for (const { pkg, path } of debs) {
    const what = `${pkg.name}_${pkg.version}_${pkg.architecture}.deb`;
    const actual = await sha256File(path);
    if (actual !== pkg.sha256) {
      await rm(path, { force: true });
      throw new BuildpackError("BUILDPACK_DEBIAN", `${what} in the download cache has SHA-256 ${actual}, not ${pkg.sha256}: removed`, { hint: "build again to download it afresh" });
    }
    const deb = await debian.openDeb(path, { what, ...(opts.decompressors ? { decompressors: opts.decompressors } : {}) });
    await deb.extractData(root, {
      what,
      parentSymlinks: "inside",
      whiteouts: "keep",
      devices: "skip",
      mtime: "now",
      onEntry: (e) => {
        const name = mergedUsr(normalise(e.name));
        if (name === "") return undefined;
        if (!opts.include(name)) return false;
        if (e.type === "link" && e.linkname !== undefined) return { name, linkname: mergedUsr(normalise(e.linkname)) };
        return { name };
      },
    });
  }
}

function normalise(name: string): string {
  return name.replace(/^(\.\/|\/)+/, "").replace(/\/+$/, "").replace(/^\.$/, "");
}

async function existsIn(root: string, rel: string): Promise<boolean> {
  return (await entryKind(join(root, rel))) !== "missing";
}

/**
 * Points every symbolic link of the tree where it works from the layer: a link whose target (read
 * as a path of the image, merged-/usr) is in the layer becomes a relative link to it (so a
 * conffile link into /etc finds the layer's own etc/); any other becomes an absolute link into
 * the run image (a relative one would climb out of the layer into /layers).
 */
export async function fixLinks(root: string): Promise<number> {
  let changed = 0;
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isSymbolicLink()) continue;
    const abs = join(e.parentPath, e.name);
    const rel = relative(root, abs).split("\\").join("/");
    const target = await readlink(abs);
    const inImage = target.startsWith("/") ? posix.normalize(target) : posix.normalize(posix.join("/", posix.dirname(rel), target));
    const mapped = mergedUsr(inImage.replace(/^\/+/, ""));
    let want: string;
    if (mapped !== "" && (await existsIn(root, mapped))) want = posix.relative(posix.dirname(rel), mapped) || ".";
    else want = `/${mapped}`;
    if (want !== target) {
      await rm(abs, { force: true });
      await symlink(want, abs);
      changed++;
    }
  }
  return changed;
}

/** Adds links (path in the layer → target), replacing what is there; e.g. `usr/sbin/httpd` → `apache2`. */
export async function addLinks(root: string, links: Readonly<Record<string, string>>): Promise<void> {
  for (const [path, target] of Object.entries(links).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const rel = normalise(path);
    if (rel === "" || rel.split("/").includes("..")) throw new BuildpackError("BUILDPACK_DEBIAN", `link ${JSON.stringify(path)} is not a path inside the layer`);
    const abs = join(root, rel);
    await mkdir(dirname(abs), { recursive: true });
    await rm(abs, { recursive: true, force: true });
    await symlink(target, abs);
  }
}

/** Removes paths matching `globs` (e.g. a file only a maintainer script would have removed). */
export async function removePaths(root: string, globs: readonly string[], keep: readonly string[] = []): Promise<void> {
  if (globs.length === 0) return;
  const kept = debian.pathFilter(globs, keep);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.parentPath.length < b.parentPath.length ? 1 : -1))) {
    const rel = relative(root, join(e.parentPath, e.name)).split("\\").join("/");
    if (kept(rel)) continue;
    // Deepest first: a folder that still holds a kept path stays.
    if (keep.length && e.isDirectory() && (await readdir(join(root, rel)).catch(() => [])).length > 0) continue;
    await rm(join(root, rel), { recursive: true, force: true });
  }
}

/** Directories of the tree (relative to `root`) that exist and hold anything. */
export async function nonEmptyDirs(root: string, candidates: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const c of candidates) {
    const st = await stat(join(root, c)).catch(() => undefined);
    if (st?.isDirectory() && (await readdir(join(root, c))).length > 0) out.push(c);
  }
  return out;
}

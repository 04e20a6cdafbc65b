import { constants, type Stats } from "node:fs";
import { lstat, open, readdir, rm, unlink, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { ResolveRefusal, resolveInRoot } from "../../fs/index.js";
import { Refusal } from "./names.js";

/** How a symbolic link met on the way to an entry's parent directory is treated. */
export type ParentSymlinks = "refuse" | "inside";

/**
 * The directory being extracted into. Every path below it is handled as components, checked one
 * lstat at a time, so nothing is ever written through a symbolic link to outside it:
 * - parents are resolved by resolveDir: real directories only, or (policy "inside") symbolic
 *   links resolved as if `root` were "/" (absolute targets start at root, ".." stops at root);
 * - the last component is never followed: it is removed first and created with O_EXCL/O_NOFOLLOW.
 *
 * It assumes that nothing but this extraction changes the target meanwhile.
 */
export class Target {
  /** Directories (relative keys, "a/b") known to be real directories: saves an lstat per component. */
  private readonly knownDirs = new Set<string>();

  constructor(
    readonly root: string,
    private readonly symlinks: ParentSymlinks,
    /** Told about every path this extraction creates (for whiteouts: same-layer entries survive). */
    private readonly onCreate: (key: string) => void,
  ) {}

  abs(comps: readonly string[]): string {
    return comps.length === 0 ? this.root : join(this.root, ...comps);
  }

  /**
   * Resolves directory components to a real directory inside root, returning its symlink-free
   * components. Missing directories are created (mode 0755 less umask) when `create`, else the
   * result is undefined. Throws a Refusal for a symbolic link (policy "refuse"), a link loop or a
   * component that is not a directory.
   */
  async resolveDir(comps: readonly string[], create: boolean): Promise<string[] | undefined> {
    let resolved: string[] | undefined;
    try {
      resolved = await resolveInRoot(
        this.root,
        comps,
        { symlinks: this.symlinks === "refuse" ? "refuse" : "follow", missing: create ? "create" : "stop", known: this.knownDirs },
        (made) => this.onCreate(made.join("/")),
      );
    } catch (e) {
      if (e instanceof ResolveRefusal) throw new Refusal(e.message);
      throw e;
    }
    if (resolved) for (let i = 1; i <= resolved.length; i++) this.knownDirs.add(resolved.slice(0, i).join("/"));
    return resolved;
  }

  /** lstat of a resolved path, undefined when missing. */
  lstat(comps: readonly string[]): Promise<Stats | undefined> {
    return lstatOrUndefined(this.abs(comps));
  }

  /** Removes whatever is at a resolved path (recursively, never following links). */
  async remove(comps: readonly string[], st?: Stats): Promise<void> {
    if (comps.length === 0) throw new Refusal("it would replace the target directory itself");
    const s = st ?? (await this.lstat(comps));
    if (s === undefined) return;
    if (s.isDirectory()) {
      this.forgetDirs(comps.join("/"));
      await rm(this.abs(comps), { recursive: true, force: true });
    } else {
      await unlink(this.abs(comps));
    }
  }

  /**
   * Removes what lower layers left at a resolved path, keeping whatever `created` says this
   * extraction made: a directory made here loses only its lower-layer children.
   */
  async removeLower(comps: readonly string[], created: ReadonlySet<string>): Promise<void> {
    const st = await this.lstat(comps);
    if (st === undefined) return;
    if (!created.has(comps.join("/"))) {
      await this.remove(comps, st);
      return;
    }
    if (st.isDirectory()) {
      for (const child of await readdir(this.abs(comps))) await this.removeLower([...comps, child], created);
    }
  }

  /** Creates a file at a resolved path that no longer exists, refusing to follow a link there. */
  createFile(comps: readonly string[], mode: number): Promise<FileHandle> {
    return open(this.abs(comps), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
  }

  /** Opens a directory for fchmod/fchown/futimes, or undefined if it is no longer a real directory. */
  async openDir(comps: readonly string[]): Promise<FileHandle | undefined> {
    for (let i = 1; i < comps.length; i++) {
      const st = await this.lstat(comps.slice(0, i));
      if (!st?.isDirectory()) return undefined;
    }
    try {
      return await open(this.abs(comps), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return undefined;
      throw e;
    }
  }

  /** Records a directory this extraction made or verified. */
  knowDir(comps: readonly string[]): void {
    this.knownDirs.add(comps.join("/"));
  }

  private forgetDirs(key: string): void {
    if (key === "") {
      this.knownDirs.clear();
      return;
    }
    const prefix = `${key}/`;
    for (const k of this.knownDirs) if (k === key || k.startsWith(prefix)) this.knownDirs.delete(k);
  }
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

import { link, lchown, lutimes, mkdir, readdir, readlink, symlink } from "node:fs/promises";
import { MAX_NAME_BYTES, Refusal, splitEntryName, whiteoutKind, WHITEOUT_PREFIX } from "./names.js";
import type { ParentSymlinks } from "./target.js";
import { Target } from "./target.js";

/** The kinds of archive entry, as tar-stream names them ("contiguous-file" counts as "file"). */
export type EntryType =
  | "file"
  | "directory"
  | "symlink"
  | "link"
  | "character-device"
  | "block-device"
  | "fifo"
  | "unknown";

/** One archive entry as the archive states it, before any check. */
export interface EntryInfo {
  /** The name exactly as in the archive (pax and GNU long names applied). */
  name: string;
  type: EntryType;
  /** Target of a symlink or hard link. */
  linkname: string | undefined;
  /** Declared size of the data. */
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
}

/** What the settings below resolve to (see ExtractOptions for their meaning). */
export interface Policy {
  whiteouts: "apply" | "keep" | "ignore";
  parentSymlinks: ParentSymlinks;
  /** Apply owners from the archive (ownership "keep" and running as root). */
  chown: boolean;
  preservePermissions: boolean;
  keepSetuid: boolean;
  devices: "refuse" | "skip";
  /** undefined: leave times as the extraction makes them. */
  mtime: "archive" | Date | undefined;
}

interface DirMeta {
  comps: string[];
  info: EntryInfo;
}

/**
 * Places archive entries under a target directory, one at a time, in archive order. Directory
 * modes, owners and times are applied at the end (finish), deepest first, so a read-only
 * directory can still receive its entries and directory times are not disturbed by them.
 */
export class Placer {
  private readonly target: Target;
  /** Paths this extraction made (only tracked when whiteouts apply). */
  private readonly created = new Set<string>();
  private readonly dirs = new Map<string, DirMeta>();
  private readonly track: boolean;
  bytes = 0;
  skipped = 0;

  constructor(
    root: string,
    private readonly policy: Policy,
  ) {
    this.track = policy.whiteouts === "apply";
    this.target = new Target(root, policy.parentSymlinks, (key) => this.made(key));
  }

  /** Places one entry whose data is `body`; throws a Refusal for a broken rule. */
  async place(info: EntryInfo, body: AsyncIterable<Buffer>): Promise<void> {
    const comps = splitEntryName(info.name);
    const base = comps.at(-1);
    if (base !== undefined && base.startsWith(WHITEOUT_PREFIX) && this.policy.whiteouts !== "keep") {
      if (this.policy.whiteouts === "ignore") this.skipped++;
      else await this.whiteout(comps.slice(0, -1), base);
      return;
    }
    switch (info.type) {
      case "directory":
        return this.directory(comps, info);
      case "file":
        return this.file(comps, info, body);
      case "symlink":
        return this.symlink(comps, info);
      case "link":
        return this.hardlink(comps, info);
      case "character-device":
      case "block-device":
      case "fifo":
        if (this.policy.devices === "skip") {
          this.skipped++;
          return;
        }
        throw new Refusal(`${info.type.replace("-", " ")} entries are not allowed`);
      default:
        throw new Refusal("unsupported entry type");
    }
  }

  /** Applies the deferred directory metadata. */
  async finish(): Promise<void> {
    const todo = [...this.dirs.values()].sort((a, b) => b.comps.length - a.comps.length);
    for (const { comps, info } of todo) {
      const fh = await this.target.openDir(comps);
      if (!fh) continue; // replaced or removed by a later entry
      try {
        if (this.policy.chown) await fh.chown(info.uid, info.gid);
        if (this.policy.preservePermissions) await fh.chmod(this.mode(info.mode));
        const t = this.time(info);
        if (t) await fh.utimes(t, t);
      } finally {
        await fh.close();
      }
    }
  }

  private async whiteout(dir: string[], base: string): Promise<void> {
    const w = whiteoutKind(base);
    if (w.kind === "reserved") {
      this.skipped++;
      return;
    }
    if (w.kind === "opaque") {
      const d = await this.target.resolveDir(dir, true);
      if (!d) return;
      this.made(d.join("/"));
      for (const child of await readdir(this.target.abs(d))) await this.target.removeLower([...d, child], this.created);
      return;
    }
    if (w.kind === "file") {
      const d = await this.target.resolveDir(dir, false);
      if (d) await this.target.removeLower([...d, w.name], this.created);
    }
  }

  /** Resolves the parent of a new entry and clears its place; returns the entry's components. */
  private async clear(comps: string[], what: string): Promise<string[]> {
    const last = comps.at(-1);
    if (last === undefined) throw new Refusal(`a ${what} cannot replace the target directory itself`);
    const parent = (await this.target.resolveDir(comps.slice(0, -1), true)) as string[];
    const me = [...parent, last];
    await this.target.remove(me);
    return me;
  }

  private async directory(comps: string[], info: EntryInfo): Promise<void> {
    const last = comps.at(-1);
    if (last === undefined) return; // "./": the target itself keeps its own mode, owner and times
    const parent = (await this.target.resolveDir(comps.slice(0, -1), true)) as string[];
    const me = [...parent, last];
    const st = await this.target.lstat(me);
    if (st?.isDirectory()) {
      // exists: keep it, update its metadata below
    } else if (st?.isSymbolicLink() && this.policy.parentSymlinks === "inside" && (await this.resolvesToDir(me))) {
      return; // like dpkg and tar --keep-directory-symlink: a link to a directory stands for it
    } else {
      if (st) await this.target.remove(me, st);
      const mode = this.policy.preservePermissions ? 0o700 : (info.mode & 0o777) | 0o700;
      await mkdir(this.target.abs(me), mode);
    }
    this.target.knowDir(me);
    this.made(me.join("/"));
    if (this.policy.chown || this.policy.preservePermissions || this.policy.mtime) {
      this.dirs.set(me.join("/"), { comps: me, info });
    }
  }

  private async resolvesToDir(comps: string[]): Promise<boolean> {
    try {
      return (await this.target.resolveDir(comps, false)) !== undefined;
    } catch (e) {
      if (e instanceof Refusal) return false;
      throw e;
    }
  }

  private async file(comps: string[], info: EntryInfo, body: AsyncIterable<Buffer>): Promise<void> {
    const me = await this.clear(comps, "file");
    const fh = await this.target.createFile(me, this.policy.preservePermissions ? 0o600 : info.mode & 0o777);
    this.made(me.join("/"));
    try {
      for await (const chunk of body) {
        let off = 0;
        while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
        this.bytes += chunk.length;
      }
      if (this.policy.chown) await fh.chown(info.uid, info.gid);
      if (this.policy.preservePermissions) await fh.chmod(this.mode(info.mode));
      const t = this.time(info);
      if (t) await fh.utimes(t, t);
    } finally {
      await fh.close();
    }
  }

  private async symlink(comps: string[], info: EntryInfo): Promise<void> {
    const to = info.linkname;
    if (!to) throw new Refusal("symbolic link has no target");
    if (to.includes("\0")) throw new Refusal("symbolic link target contains a NUL byte");
    if (Buffer.byteLength(to) > MAX_NAME_BYTES) {
      throw new Refusal(`symbolic link target is longer than ${MAX_NAME_BYTES} bytes`);
    }
    const me = await this.clear(comps, "symbolic link");
    const p = this.target.abs(me);
    await symlink(to, p);
    this.made(me.join("/"));
    if (this.policy.chown) await lchown(p, info.uid, info.gid);
    const t = this.time(info);
    if (t) await lutimes(p, t, t);
  }

  /**
   * A hard link must name something already inside the target (extracted earlier or there
   * before), reached without leaving it, and a regular file or a symbolic link. Linking a
   * symbolic link makes a copy of the link itself, never of what it points to.
   */
  private async hardlink(comps: string[], info: EntryInfo): Promise<void> {
    const to = info.linkname;
    if (!to) throw new Refusal("hard link has no target");
    const rule = (r: string): Refusal => new Refusal(`hard link target ${JSON.stringify(to)}: ${r}`);
    let src: string[];
    try {
      const srcComps = splitEntryName(to);
      const last = srcComps.at(-1);
      if (last === undefined) throw new Refusal("is the target directory itself");
      const dir = await this.target.resolveDir(srcComps.slice(0, -1), false);
      if (!dir) throw new Refusal("does not exist");
      src = [...dir, last];
    } catch (e) {
      if (e instanceof Refusal) throw rule(e.message);
      throw e;
    }
    const sst = await this.target.lstat(src);
    if (!sst) throw rule("does not exist");
    if (sst.isDirectory()) throw rule("is a directory");
    if (!sst.isFile() && !sst.isSymbolicLink()) throw rule("is not a regular file or symbolic link");
    const last = comps.at(-1);
    if (last === undefined) throw new Refusal("a hard link cannot replace the target directory itself");
    const parent = (await this.target.resolveDir(comps.slice(0, -1), true)) as string[];
    const me = [...parent, last];
    if (me.join("/") === src.join("/")) return; // a link to itself
    await this.target.remove(me);
    if (sst.isSymbolicLink()) await symlink(await readlink(this.target.abs(src)), this.target.abs(me));
    else await link(this.target.abs(src), this.target.abs(me));
    this.made(me.join("/"));
  }

  /** Notes a path this extraction made, for whiteouts (which spare their own layer's entries). */
  private made(key: string): void {
    if (this.track) this.created.add(key);
  }

  private mode(m: number): number {
    return m & (this.policy.keepSetuid ? 0o7777 : 0o1777);
  }

  private time(info: EntryInfo): Date | undefined {
    const t = this.policy.mtime === "archive" ? info.mtime : this.policy.mtime;
    return t && Number.isFinite(t.getTime()) ? t : undefined;
  }
}

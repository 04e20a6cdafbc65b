// A root filesystem being assembled in a staging folder, without root: files on disk carry the
// content and permission bits; what disk cannot carry for an unprivileged user (owners) or must
// not depend on the umask (folders nobody described) is kept beside it, and applied when the
// tree becomes a layer.
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ResolveRefusal, resolveInRootSync } from "../fs/index.js";
import type { layer } from "../oci/index.js";
import { StackError } from "./errors.js";

/** One item of the tree, as it will be written into a layer. */
export interface RootEntry {
  /** Relative to the root, `/`-separated: `usr/bin/env`. */
  path: string;
  source: string;
  type: "file" | "directory" | "symlink";
  /** Permission bits including setuid, setgid and sticky. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname?: string;
}

export class Rootfs {
  /** Modes of folders described by a package or an effect; others get 0755, whatever the umask. */
  private readonly dirModes = new Map<string, number>();
  private readonly owners = new Map<string, { uid: number; gid: number }>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  abs(rel: string): string {
    return rel === "" ? this.dir : join(this.dir, rel);
  }

  /**
   * Resolves the folders of `rel` inside the root, following symbolic links as if the root were
   * `/` (`lib/cpp` → `usr/lib/cpp` when `lib -> usr/lib`). The last component is not followed.
   */
  resolve(rel: string): string {
    const parts = split(rel);
    const last = parts.pop();
    if (last === undefined) return "";
    return [...this.resolveDirs(parts), last].join("/");
  }

  /** `realpath` inside the root: every symbolic link followed; missing components kept as written. */
  realpath(rel: string): string {
    return this.resolveDirs(split(rel)).join("/");
  }

  private resolveDirs(comps: string[]): string[] {
    try {
      return resolveInRootSync(this.dir, comps, { symlinks: "follow", missing: "keep" }) as string[];
    } catch (e) {
      // Following links and keeping missing parts, a link loop is the only refusal.
      if (e instanceof ResolveRefusal) throw new StackError("STACK_ASSEMBLY", `too many levels of symbolic links at /${e.key}`);
      throw e;
    }
  }

  /** Like `test -e`: does the path exist, following symbolic links inside the root? */
  exists(rel: string): boolean {
    try {
      statSync(this.abs(this.realpath(rel)));
      return true;
    } catch {
      return false;
    }
  }

  /** lstat of the path itself (its folders resolved), or undefined. */
  lstat(rel: string): ReturnType<typeof lstatSync> | undefined {
    try {
      return lstatSync(this.abs(this.resolve(rel)));
    } catch {
      return undefined;
    }
  }

  readFile(rel: string): Buffer {
    return readFileSync(this.abs(this.realpath(rel)));
  }

  /** Lists a folder (following links), sorted by bytes; [] when missing. */
  list(rel: string): string[] {
    try {
      return readdirSync(this.abs(this.realpath(rel))).sort(byteOrder);
    } catch {
      return [];
    }
  }

  /** Creates a folder and its missing parents (0755) with exactly `mode`. */
  mkdir(rel: string, mode = 0o755): void {
    const r = this.resolve(rel);
    this.mkdirs(r);
    chmodSync(this.abs(r), mode);
    this.dirModes.set(r, mode);
  }

  /** Writes a file (replacing whatever was there, never through a link) with exactly `mode`. */
  writeFile(rel: string, content: string | Uint8Array, mode = 0o644): void {
    const r = this.resolve(rel);
    this.mkdirs(parentOf(r));
    this.removeForReplace(r);
    writeFileSync(this.abs(r), content, { mode, flag: "wx" });
    chmodSync(this.abs(r), mode);
  }

  /** Creates a symbolic link, replacing a file, a link or an empty folder there. */
  symlink(rel: string, target: string): void {
    const r = this.resolve(rel);
    this.mkdirs(parentOf(r));
    this.removeForReplace(r);
    symlinkSync(target, this.abs(r));
  }

  remove(rel: string): void {
    rmSync(this.abs(this.resolve(rel)), { force: true, recursive: true });
  }

  /** Records the owner a path gets in the image (disk keeps the running user's). */
  setOwner(rel: string, uid: number, gid: number): void {
    this.owners.set(this.resolve(rel), { uid, gid });
  }

  /** Records the mode a package gave a folder, so it does not depend on the umask. */
  noteDirMode(rel: string, mode: number): void {
    this.dirModes.set(this.resolve(rel), mode);
  }

  /**
   * Every item of the tree (in no particular order: the layer writer sorts) with the mode and
   * owner it gets in the image: files and links as on disk (extraction applied modes exactly),
   * folders as recorded (else 0755), owners as recorded (else root).
   */
  entries(): RootEntry[] {
    const out: RootEntry[] = [];
    const walk = (relDir: string): void => {
      for (const name of readdirSync(this.abs(relDir))) {
        const path = relDir ? `${relDir}/${name}` : name;
        const source = this.abs(path);
        const st = lstatSync(source);
        const owner = this.owners.get(path) ?? { uid: 0, gid: 0 };
        if (st.isDirectory()) {
          out.push({ path, source, type: "directory", mode: this.dirModes.get(path) ?? 0o755, ...owner, size: 0 });
          walk(path);
        } else if (st.isSymbolicLink()) {
          out.push({ path, source, type: "symlink", mode: 0o777, ...owner, size: 0, linkname: readlinkSync(source) });
        } else if (st.isFile()) {
          out.push({ path, source, type: "file", mode: st.mode & 0o7777, ...owner, size: st.size });
        } else {
          throw new StackError("STACK_ASSEMBLY", `/${path} is not a file, folder or symbolic link; an image layer cannot hold it`);
        }
      }
    };
    walk("");
    return out;
  }

  private mkdirs(rel: string): void {
    const parts = split(rel);
    for (let i = 1; i <= parts.length; i++) {
      const p = parts.slice(0, i).join("/");
      try {
        mkdirSync(this.abs(p));
        chmodSync(this.abs(p), 0o755);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      }
    }
  }

  private removeForReplace(r: string): void {
    let st;
    try {
      st = lstatSync(this.abs(r));
    } catch {
      return;
    }
    if (!st.isDirectory()) {
      unlinkSync(this.abs(r));
      return;
    }
    try {
      rmdirSync(this.abs(r));
      this.dirModes.delete(r);
    } catch (e) {
      throw new StackError("STACK_ASSEMBLY", `cannot replace the folder /${r}: ${(e as NodeJS.ErrnoException).code === "ENOTEMPTY" ? "it is not empty" : (e as Error).message}`, { cause: e });
    }
  }
}

/** The layer entry of a root entry: its file on disk, with mode and owner made explicit. */
export function toLayerEntry(e: RootEntry): layer.SourceEntry {
  return { path: e.path, source: e.source, mode: e.mode, uid: e.uid, gid: e.gid };
}

function split(rel: string): string[] {
  return rel.split("/").filter((c) => c !== "" && c !== ".");
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf("/");
  return i < 0 ? "" : rel.slice(0, i);
}

/** Byte order of the UTF-8 names (what `LC_ALL=C sort` gives). */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

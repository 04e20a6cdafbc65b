// Resolving a path inside a root folder as if the root were "/": absolute symlink targets start at
// the root, ".." stops at it, so nothing resolves to outside. Used where paketo writes or reads a
// tree it does not trust or that is not yet mounted anywhere (image extraction, stack assembly).
//
// The walk is written once, as a generator that asks its driver for lstat / readlink / mkdir, so
// the same rules run synchronously (stack assembly) and asynchronously (extraction).
import { lstatSync, mkdirSync, readlinkSync } from "node:fs";
import { lstat, mkdir, readlink } from "node:fs/promises";
import { join } from "node:path";

/** Most symbolic links followed while resolving one path (as Linux's ELOOP limit). */
export const MAX_LINK_HOPS = 40;

export interface ResolvePolicy {
  /** A symlink on the way: follow it inside the root, or refuse. */
  symlinks: "follow" | "refuse";
  /** A missing component: keep it as written (and go on), stop (the result is undefined), or create it as a folder. */
  missing: "keep" | "stop" | "create";
  /** Components already known to be real folders ("a/b"), skipped without an lstat. */
  known?: ReadonlySet<string>;
}

/** Why a resolution was refused; the caller turns it into its own error. */
export class ResolveRefusal extends Error {
  constructor(
    message: string,
    readonly key: string,
  ) {
    super(message);
    this.name = "ResolveRefusal";
  }
}

type Kind = "missing" | "dir" | "symlink" | "other";
type Ask = { op: "kind"; comps: string[] } | { op: "readlink"; comps: string[] } | { op: "mkdir"; comps: string[] };

function* walk(comps: readonly string[], policy: ResolvePolicy): Generator<Ask, string[] | undefined, Kind | string | undefined> {
  const cur: string[] = [];
  const pending = [...comps];
  let hops = 0;
  while (pending.length > 0) {
    const c = pending.shift() as string;
    if (c === "" || c === ".") continue;
    if (c === "..") {
      cur.pop();
      continue;
    }
    cur.push(c);
    const key = cur.join("/");
    if (policy.known?.has(key)) continue;
    const kind = (yield { op: "kind", comps: [...cur] }) as Kind;
    if (kind === "missing") {
      if (policy.missing === "stop") return undefined;
      if (policy.missing === "create") yield { op: "mkdir", comps: [...cur] };
      continue;
    }
    if (kind === "symlink") {
      if (policy.symlinks === "refuse") throw new ResolveRefusal(`its parent ${JSON.stringify(key)} is a symbolic link`, key);
      if (++hops > MAX_LINK_HOPS) throw new ResolveRefusal(`too many levels of symbolic links at ${JSON.stringify(key)}`, key);
      const link = (yield { op: "readlink", comps: [...cur] }) as string;
      cur.pop();
      if (link.startsWith("/")) cur.length = 0;
      pending.unshift(...link.split("/"));
      continue;
    }
    if (kind === "other") {
      // Only a refusing walk insists on folders; a following one keeps going (stack assembly
      // resolves the path of a file it is about to replace).
      if (policy.missing !== "keep") throw new ResolveRefusal(`its parent ${JSON.stringify(key)} is not a directory`, key);
    }
  }
  return cur;
}

const abs = (root: string, comps: readonly string[]) => (comps.length === 0 ? root : join(root, ...comps));

function kindOf(st: { isSymbolicLink(): boolean; isDirectory(): boolean } | undefined): Kind {
  return st === undefined ? "missing" : st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "dir" : "other";
}

/**
 * The symlink-free components of `comps` inside `root`, or undefined (policy missing: "stop").
 * Throws a ResolveRefusal for a refused symlink, a link loop or a non-folder on the way.
 */
export async function resolveInRoot(root: string, comps: readonly string[], policy: ResolvePolicy, onCreate?: (comps: string[]) => void): Promise<string[] | undefined> {
  const it = walk(comps, policy);
  let answer: Kind | string | undefined;
  for (;;) {
    const step = it.next(answer);
    if (step.done) return step.value;
    const ask = step.value;
    const p = abs(root, ask.comps);
    if (ask.op === "kind") {
      answer = kindOf(
        await lstat(p).catch((e: NodeJS.ErrnoException) => {
          if (e.code === "ENOENT") return undefined;
          throw e;
        }),
      );
    } else if (ask.op === "readlink") answer = await readlink(p);
    else {
      await mkdir(p, 0o755);
      onCreate?.(ask.comps);
      answer = undefined;
    }
  }
}

/** resolveInRoot, synchronously. */
export function resolveInRootSync(root: string, comps: readonly string[], policy: ResolvePolicy): string[] | undefined {
  const it = walk(comps, policy);
  let answer: Kind | string | undefined;
  for (;;) {
    const step = it.next(answer);
    if (step.done) return step.value;
    const ask = step.value;
    const p = abs(root, ask.comps);
    if (ask.op === "kind") {
      let st;
      try {
        st = lstatSync(p);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT" && (e as NodeJS.ErrnoException).code !== "ENOTDIR") throw e;
      }
      answer = kindOf(st);
    } else if (ask.op === "readlink") answer = readlinkSync(p);
    else {
      mkdirSync(p, 0o755);
      answer = undefined;
    }
  }
}

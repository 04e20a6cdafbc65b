// App slices (CNB-20): each slice's matches become one layer, the rest of the app dir a last one.
// Pure: it works on the list of walked paths. The rules are the reference lifecycle's
// (layers/slices.go): a matched folder takes its whole subtree; files an earlier slice took are
// invisible to later ones; each layer gets the (unmatched) parent folders of what it holds, and a
// parent all of whose children were taken is taken too; an empty slice is an empty layer.
import type { Slice } from "../../cnb/index.js";
import { cleanPath, compileGlob, type Glob, GlobError } from "./glob.js";
import { ExportError } from "./errors.js";

/** A path of the app dir: `""` is the app dir itself, else relative with `/`. */
export interface AppPath {
  rel: string;
  isDir: boolean;
}

/**
 * Splits the app dir into `slices.length + 1` layers, given every path of it in walk order
 * (parents before children, the app dir first). Returns, per layer, indices into `paths`.
 * `appDir` is the app dir's path in the image (absolute slice paths must lie inside it).
 */
export function sliceAppDir(paths: readonly AppPath[], slices: readonly Slice[], appDir: string): number[][] {
  const index = new Map<string, number>();
  const children = new Map<string, string[]>();
  paths.forEach((p, i) => {
    index.set(p.rel, i);
    if (p.rel !== "") {
      const parent = parentOf(p.rel);
      const list = children.get(parent);
      if (list) list.push(p.rel);
      else children.set(parent, [p.rel]);
    }
  });
  const taken = new Set<string>();
  const layers: number[][] = [];

  for (const [n, slice] of slices.entries()) {
    const globs = slice.paths.map((p) => globFor(p, appDir, n + 1));
    const matched = new Set<string>();
    const add = (rel: string): void => {
      if (!index.has(rel) || taken.has(rel)) return;
      for (const c of children.get(rel) ?? []) add(c);
      matched.add(rel);
      taken.add(rel);
    };
    for (const g of globs) {
      for (const p of paths) if (p.rel !== "" && g.match(p.rel)) add(p.rel);
    }
    const files = new Set(matched);
    const parents: string[] = [];
    for (const rel of matched) {
      for (let p = parentOrUndefined(rel); p !== undefined; p = parentOrUndefined(p)) {
        if (files.has(p)) continue;
        files.add(p);
        parents.push(p);
      }
    }
    // Deepest first, so a folder sees whether its subfolders were taken.
    parents.sort((a, b) => depth(b) - depth(a));
    for (const dir of parents) {
      if ((children.get(dir) ?? []).every((c) => taken.has(c))) taken.add(dir);
    }
    layers.push([...files].map((rel) => index.get(rel) as number).sort((a, b) => a - b));
  }

  const rest: number[] = [];
  paths.forEach((p, i) => {
    if (!taken.has(p.rel)) rest.push(i);
  });
  layers.push(rest);
  return layers;
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf("/");
  return i < 0 ? "" : rel.slice(0, i);
}

function parentOrUndefined(rel: string): string | undefined {
  return rel === "" ? undefined : parentOf(rel);
}

function depth(rel: string): number {
  return rel === "" ? 0 : rel.split("/").length;
}

function globFor(path: string, appDir: string, n: number): Glob {
  let p = cleanPath(path);
  if (p.startsWith("/")) {
    const root = cleanPath(appDir);
    if (p === root) p = ".";
    else if (p.startsWith(`${root}/`)) p = p.slice(root.length + 1);
    else throw new ExportError("EXPORT_SLICE", `slice ${n}: ${JSON.stringify(path)} is not inside the app dir ${root}`);
  }
  if (p === ".." || p.startsWith("../")) throw new ExportError("EXPORT_SLICE", `slice ${n}: ${JSON.stringify(path)} leaves the app dir`);
  try {
    return compileGlob(p);
  } catch (e) {
    if (e instanceof GlobError) throw new ExportError("EXPORT_SLICE", `slice ${n}: ${e.message}`);
    throw e;
  }
}

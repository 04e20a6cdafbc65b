// A folder's entries in the order a layer's tar holds them, one at a time: names compared as the
// tar writes them (a folder's with a trailing "/", bytes of UTF-8), a folder just before what it
// holds. A recursive walk that sorts each folder's names so gives exactly the order of sorting all
// paths at once (everything under "a/" shares that prefix, so it sorts right after "a/"), while
// holding only the names of the folders on the current path: the app layer of two hundred
// thousand files is written without a list of them.
import { type BigIntStats, lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { UnphasedError } from "../errors.js";

export interface SortedEntry {
  /** Path under the walked folder (`/`-separated); "" for the folder itself. */
  rel: string;
  abs: string;
  stat: BigIntStats;
}

const SURROGATE = /[\uD800-\uDFFF]/;

function lstatOrThrow(p: string): BigIntStats {
  try {
    return lstatSync(p, { bigint: true });
  } catch (e) {
    throw new UnphasedError("LAYERS_DIR", `cannot read ${p}: ${(e as Error).message}`, { cause: e });
  }
}

/** `root` itself, then everything under it in tar order; symlinks are entries, never followed. */
export function* sortedWalk(root: string): Generator<SortedEntry> {
  const rootStat = lstatOrThrow(root);
  yield { rel: "", abs: root, stat: rootStat };
  if (rootStat.isDirectory()) yield* under(root, "");
}

function* under(abs: string, rel: string): Generator<SortedEntry> {
  let names: string[];
  try {
    names = readdirSync(abs);
  } catch (e) {
    throw new UnphasedError("LAYERS_DIR", `cannot list ${abs}: ${(e as Error).message}`, { cause: e });
  }
  const items = names.map((name) => {
    const a = join(abs, name);
    const stat = lstatOrThrow(a);
    return { name, a, stat, key: stat.isDirectory() ? `${name}/` : name };
  });
  names = [];
  if (items.some((i) => SURROGATE.test(i.key))) items.sort((x, y) => Buffer.compare(Buffer.from(x.key), Buffer.from(y.key)));
  else items.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  for (let i = 0; i < items.length; i++) {
    const it = items[i] as (typeof items)[number];
    const r = rel ? `${rel}/${it.name}` : it.name;
    yield { rel: r, abs: it.a, stat: it.stat };
    if (it.stat.isDirectory()) yield* under(it.a, r);
  }
}

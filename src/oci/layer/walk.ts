import { type BigIntStats, lstatSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { OciError } from "../errors.js";
import type { SourceEntry } from "./options.js";
import { knownStats, S_IFDIR, S_IFMT } from "./plan.js";
import { readError } from "./read.js";

/** Entries walked between two turns of the event loop. */
const YIELD_EVERY = 2000;

/**
 * Everything under `dir` (not `dir` itself) as layer entries, at `at` inside the layer (default:
 * the layer's root). Symlinks are entries, never followed; `dir` itself may be a symlink.
 * Combine several with other entries and pass them to layerFromFiles.
 *
 * The walk uses synchronous calls (a lstat through the thread pool costs a round trip of tens of
 * microseconds; in the page cache the call itself costs a few) and lets the event loop run every
 * few thousand entries.
 */
export async function directoryEntries(dir: string, opts: { at?: string } = {}): Promise<SourceEntry[]> {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    throw readError(dir, err);
  }
  if (!isDir) throw new OciError("OCI_ARCHIVE", `${dir} is not a folder`);
  const out: SourceEntry[] = [];
  const todo: Array<[abs: string, rel: string]> = [[dir, opts.at ?? ""]];
  let sinceYield = 0;
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [abs, rel] = next;
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch (err) {
      throw readError(abs, err);
    }
    for (const name of names) {
      const source = join(abs, name);
      let st: BigIntStats;
      try {
        st = lstatSync(source, { bigint: true });
      } catch (err) {
        if (name.includes("\uFFFD")) {
          throw new OciError("OCI_ARCHIVE", `${source}: the file name is not valid UTF-8, which layers need`, { cause: err });
        }
        throw readError(source, err);
      }
      const path = rel ? `${rel}/${name}` : name;
      const entry: SourceEntry = { path, source };
      knownStats.set(entry, st);
      out.push(entry);
      if ((Number(st.mode) & S_IFMT) === S_IFDIR) todo.push([source, path]);
    }
    sinceYield += names.length;
    if (sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return out;
}

// The layer that turns one root filesystem into another: what the build image adds on top of the
// base run image's OS layer. Computed against the base layer's tar itself, the authority on what
// is below, so the two stacked give exactly the build root filesystem.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { extract as tarExtract } from "tar-stream";
import type { Layer, layer } from "../oci/index.js";
import { type RootEntry, toLayerEntry } from "./staging-rootfs.js";

interface LowerEntry {
  type: "file" | "directory" | "symlink";
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname?: string;
  sha256?: string;
}

/** What a layer's tar holds: path → type, mode, owner, and a content hash for files. */
export async function readLayerIndex(l: Layer): Promise<Map<string, LowerEntry>> {
  const out = new Map<string, LowerEntry>();
  const ex = tarExtract();
  const input = await l.uncompressed();
  input.on("error", (e) => ex.destroy(e));
  input.pipe(ex as unknown as NodeJS.WritableStream);
  for await (const entry of ex) {
    const h = entry.header;
    const name = h.name.replace(/^\.?\/+/, "").replace(/\/+$/, "");
    const mode = (h.mode ?? 0) & 0o7777;
    const base = { mode, uid: h.uid ?? 0, gid: h.gid ?? 0 };
    if (h.type === "file" || h.type === "contiguous-file") {
      const hash = createHash("sha256");
      for await (const c of entry as unknown as AsyncIterable<Buffer>) hash.update(c);
      out.set(name, { type: "file", ...base, size: h.size ?? 0, sha256: hash.digest("hex") });
      continue;
    }
    if (h.type === "link") {
      const target = out.get((h.linkname ?? "").replace(/^\.?\/+/, ""));
      if (target) out.set(name, { ...target, ...base });
    } else if (h.type === "directory") out.set(name, { type: "directory", ...base, size: 0 });
    else if (h.type === "symlink") out.set(name, { type: "symlink", ...base, size: 0, linkname: h.linkname ?? "" });
    for await (const _ of entry as unknown as AsyncIterable<Buffer>) {
      // drain
    }
  }
  return out;
}

/**
 * The entries of a layer that, above `lower`, gives `upper`: what is new or different (content,
 * type, mode, owner, link target), every folder on the way to those with its real mode and owner,
 * and a whiteout for each topmost path `upper` no longer has.
 */
export function diffEntries(upper: readonly RootEntry[], lower: ReadonlyMap<string, LowerEntry>): layer.LayerEntry[] {
  const byPath = new Map(upper.map((e) => [e.path, e]));
  const changed = new Set<string>();
  for (const e of upper) {
    const l = lower.get(e.path);
    if (!l || !same(e, l)) changed.add(e.path);
  }
  const out: layer.LayerEntry[] = [];
  const included = new Set<string>();
  const include = (p: string) => {
    if (included.has(p)) return;
    const e = byPath.get(p);
    if (!e) return;
    included.add(p);
    out.push(e.type === "directory" ? { path: p, dir: true, mode: e.mode, uid: e.uid, gid: e.gid } : toLayerEntry(e));
  };
  for (const p of changed) {
    include(p);
    for (let i = p.lastIndexOf("/"); i > 0; i = p.lastIndexOf("/", i - 1)) include(p.slice(0, i));
  }
  for (const p of lower.keys()) {
    if (byPath.has(p)) continue;
    const slash = p.lastIndexOf("/");
    const parent = slash < 0 ? "" : p.slice(0, slash);
    if (parent !== "" && !byPath.has(parent)) continue; // a removed folder's whiteout covers it
    if (parent !== "" && byPath.get(parent)?.type !== "directory") continue; // replaced by a non-folder
    out.push({ path: `${parent ? `${parent}/` : ""}.wh.${p.slice(slash + 1)}`, content: "", mode: 0o644 });
    if (parent) include(parent);
  }
  return out;
}

function same(e: RootEntry, l: LowerEntry): boolean {
  if (e.type !== l.type || e.mode !== l.mode || e.uid !== l.uid || e.gid !== l.gid) return false;
  if (e.type === "symlink") return e.linkname === l.linkname;
  if (e.type === "file") return e.size === l.size && createHash("sha256").update(readFileSync(e.source)).digest("hex") === l.sha256;
  return true;
}

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { canonicalDescriptor, type Descriptor } from "../descriptor.js";
import type { Digest } from "../digest.js";
import { OciError } from "../errors.js";
import { MAX_MANIFEST_BYTES, parseIndexManifest } from "../manifest.js";
import { readRegularFile } from "../regular-file.js";
import { MediaType } from "../media-type.js";
import { writeFileAtomic } from "./atomic.js";
import { type LockOptions, withLock } from "./lock.js";
import { INDEX_FILE, REF_NAME } from "./paths.js";

/** One entry of index.json: the parsed descriptor and the JSON it was read from (kept as is). */
export interface IndexEntry {
  descriptor: Descriptor;
  raw: Record<string, unknown>;
}

export function refName(d: Descriptor): string | undefined {
  return d.annotations?.[REF_NAME];
}

/** A new index.json entry for a descriptor, tagged when `tag` is given. */
export function indexEntry(d: Descriptor, tag?: string): IndexEntry {
  const descriptor: Descriptor = { mediaType: d.mediaType, digest: d.digest, size: d.size };
  if (tag !== undefined) descriptor.annotations = { [REF_NAME]: tag };
  return { descriptor, raw: canonicalDescriptor(descriptor) as unknown as Record<string, unknown> };
}

/** Reads and validates index.json; `undefined` when the file does not exist. */
async function readIndexFile(dir: string): Promise<{ raw: Record<string, unknown>; entries: IndexEntry[] } | undefined> {
  let bytes: Buffer | undefined;
  try {
    // index.json is an image index: bounded like every manifest, refused before it is read.
    bytes = await readRegularFile(join(dir, INDEX_FILE), MAX_MANIFEST_BYTES, { what: `OCI layout ${dir}: ${INDEX_FILE}`, code: "OCI_LAYOUT" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if (e instanceof OciError) throw e;
    throw new OciError("OCI_LAYOUT", `cannot read ${join(dir, INDEX_FILE)}`, { cause: e });
  }
  return bytes === undefined ? undefined : parseIndexFile(bytes, join(dir, INDEX_FILE));
}

/** Parses index.json bytes into entries, keeping each entry's JSON as it was. */
export function parseIndexFile(bytes: Uint8Array, where: string): { raw: Record<string, unknown>; entries: IndexEntry[] } {
  const idx = parseIndexManifest(bytes, where); // validates shape and size
  const raw = JSON.parse(Buffer.from(bytes).toString("utf8")) as Record<string, unknown> & { manifests: unknown[] };
  return { raw, entries: idx.manifests.map((descriptor, i) => ({ descriptor, raw: raw.manifests[i] as Record<string, unknown> })) };
}

/** The entries of a layout's index.json; none when there is no index.json. */
export async function readIndexEntries(dir: string): Promise<IndexEntry[]> {
  return (await readIndexFile(dir))?.entries ?? [];
}

export function serializeIndexEntries(entries: IndexEntry[], base: Record<string, unknown> = {}): Uint8Array {
  const out: Record<string, unknown> = { ...base, schemaVersion: 2, mediaType: base.mediaType ?? MediaType.OciIndex };
  out.manifests = entries.map((e) => e.raw);
  return Buffer.from(`${JSON.stringify(out)}\n`);
}

/**
 * Read-modify-write of index.json under the layout lock; the new file replaces the old one
 * atomically. `edit` returns the new entry list and a value handed back to the caller.
 */
export async function updateIndex<T>(
  dir: string,
  edit: (entries: IndexEntry[]) => { entries: IndexEntry[]; result: T },
  opts: LockOptions = {},
): Promise<T> {
  await mkdir(dir, { recursive: true });
  return withLock(
    dir,
    "updating index.json",
    async () => {
      const file = await readIndexFile(dir);
      const { entries, result } = edit(file?.entries ?? []);
      const base = { ...file?.raw };
      delete base.manifests;
      await writeFileAtomic(dir, join(dir, INDEX_FILE), serializeIndexEntries(entries, base));
      return result;
    },
    opts,
  );
}

/** The tags of entries, for messages: `latest, 1.0` (untagged ones by digest). */
export function describeEntries(entries: Descriptor[]): string {
  if (entries.length === 0) return "none";
  return entries.map((d) => refName(d) ?? `(untagged ${d.digest})`).join(", ");
}

/**
 * Picks the entry a reader asked for: by tag (`org.opencontainers.image.ref.name`), by digest,
 * or the only one. Several entries with one tag are fine when they name the same manifest.
 */
export function selectEntry(entries: Descriptor[], sel: { tag?: string; digest?: Digest }, where: string): Descriptor | undefined {
  if (sel.digest) return entries.find((d) => d.digest === sel.digest);
  if (sel.tag !== undefined) {
    const hits = entries.filter((d) => refName(d) === sel.tag);
    if (hits.length === 0) {
      throw new OciError("OCI_IMAGE_NOT_FOUND", `${where} has no image tagged ${JSON.stringify(sel.tag)}`, {
        hint: `tags there: ${describeEntries(entries)}`,
      });
    }
    if (new Set(hits.map((d) => d.digest)).size > 1) {
      throw new OciError("OCI_IMAGE_NOT_FOUND", `${where} has ${hits.length} different manifests tagged ${JSON.stringify(sel.tag)}`, {
        hint: `pick one by digest: ${hits.map((d) => d.digest).join(", ")}`,
      });
    }
    return hits[0];
  }
  if (new Set(entries.map((d) => d.digest)).size === 1) return entries[0];
  if (entries.length === 0) throw new OciError("OCI_IMAGE_NOT_FOUND", `${where} holds no images (its index.json is empty)`);
  throw new OciError("OCI_IMAGE_NOT_FOUND", `${where} holds ${entries.length} images; say which one by tag`, {
    hint: `tags there: ${describeEntries(entries)}`,
  });
}

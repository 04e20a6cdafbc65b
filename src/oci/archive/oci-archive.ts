import type { Descriptor } from "../descriptor.js";
import type { Digest } from "../digest.js";
import { OciError } from "../errors.js";
import { MAX_MANIFEST_BYTES } from "../manifest.js";
import type { Artifact } from "../image.js";
import {
  artifactBlobs,
  artifactFromSource,
  type BlobToWrite,
  blobRelPath,
  indexEntry,
  INDEX_FILE,
  OCI_LAYOUT_CONTENT,
  OCI_LAYOUT_FILE,
  parseIndexFile,
  selectEntry,
  serializeIndexEntries,
  verified,
  type IndexEntry,
} from "../layout/index.js";
import type { OnProgress } from "../progress.js";
import type { TarFileEntry } from "./tar-file.js";
import { writeTarAtomic } from "./tar-file.js";
import { openTar, tarBlobSource } from "./tar-source.js";

export interface ReadOciArchiveOptions {
  tag?: string;
  digest?: Digest;
}

/**
 * Reads an oci-archive (a tar of an OCI layout) without extracting it: the tar is scanned once
 * for member offsets and blobs are served as verified byte ranges of the file.
 */
export async function readOciArchive(file: string, opts: ReadOciArchiveOptions = {}): Promise<Artifact> {
  const what = `oci-archive ${file}`;
  const tar = await openTar(file, what);
  if (!tar.index.has(OCI_LAYOUT_FILE)) {
    throw new OciError("OCI_ARCHIVE", `${what} is not an OCI layout archive (it has no ${OCI_LAYOUT_FILE})`, {
      hint: tar.index.has("manifest.json") ? "it looks like a docker archive: use docker-archive:" : undefined,
    });
  }
  const idx = tar.index.get(INDEX_FILE);
  if (!idx) throw new OciError("OCI_ARCHIVE", `${what} has no ${INDEX_FILE}`);
  const { entries } = parseIndexFile(await tar.read(idx, MAX_MANIFEST_BYTES, INDEX_FILE), `${what} ${INDEX_FILE}`);
  const d = selectEntry(entries.map((e) => e.descriptor), opts, what);
  if (!d) throw new OciError("OCI_IMAGE_NOT_FOUND", `${what} has no manifest ${String(opts.digest)} in its ${INDEX_FILE}`);
  return artifactFromSource(tarBlobSource(tar, what), d);
}

export interface WriteOciArchiveOptions {
  /** Tags the entry in the archive's index.json. */
  tag?: string;
  onProgress?: OnProgress;
}

/** The tar members for a set of blobs: `blobs/`, `blobs/<alg>/`, and one file per blob, verified. */
export function blobMembers(blobs: BlobToWrite[]): TarFileEntry[] {
  const out: TarFileEntry[] = [{ name: "blobs", type: "directory" }];
  const algs = new Set<string>();
  for (const b of blobs) {
    const d = b.descriptor;
    const name = blobRelPath(d.digest);
    algs.add(name.slice(0, name.lastIndexOf("/")));
    out.push({
      name,
      type: "file",
      size: d.size,
      digest: d.digest,
      open: async () => verified(await b.open(), d, `${b.kind} ${d.digest}`),
    });
  }
  for (const a of algs) out.push({ name: a, type: "directory" });
  return out;
}

/** The two small files that make a directory (or tar) an OCI layout. */
export function layoutMembers(entries: IndexEntry[]): TarFileEntry[] {
  return [
    { name: OCI_LAYOUT_FILE, type: "file", bytes: Buffer.from(OCI_LAYOUT_CONTENT) },
    { name: INDEX_FILE, type: "file", bytes: serializeIndexEntries(entries) },
  ];
}

/**
 * Writes an image or index as an oci-archive: a deterministic tar of an OCI layout holding it
 * and its children. The file is replaced atomically; an existing archive is not appended to.
 */
export async function writeOciArchive(file: string, artifact: Artifact, opts: WriteOciArchiveOptions = {}): Promise<Descriptor> {
  const { root, blobs } = await artifactBlobs(artifact);
  const entry = indexEntry(root, opts.tag);
  await writeTarAtomic(file, [...layoutMembers([entry]), ...blobMembers(blobs)], opts.onProgress);
  return entry.descriptor;
}

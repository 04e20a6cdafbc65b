import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Descriptor } from "../descriptor.js";
import type { Digest } from "../digest.js";
import { OciError } from "../errors.js";
import type { Artifact } from "../image.js";
import { sniffMediaType } from "../manifest.js";
import { openRegularFile, readRegularFile } from "../regular-file.js";
import { readIndexEntries, selectEntry } from "./index-json.js";
import { blobPath, OCI_LAYOUT_FILE } from "./paths.js";
import { artifactFromSource, type BlobSource, checkSmall, MAX_SMALL_BLOB, verified, verifySmall } from "./source.js";

export interface ReadLayoutOptions {
  /** The `org.opencontainers.image.ref.name` of the index.json entry to read. */
  tag?: string;
  /** The manifest digest to read (an index.json entry, or any manifest blob in the layout). */
  digest?: Digest;
}

/**
 * Reads the image or index an OCI layout's index.json names: by tag, by digest, or the only one.
 * Nothing is read until asked for, and every blob is verified (digest and size) as it streams:
 * a layout is untrusted input.
 */
export async function readLayout(dir: string, opts: ReadLayoutOptions = {}): Promise<Artifact> {
  await checkLayout(dir);
  const where = `OCI layout ${dir}`;
  const entries = (await readIndexEntries(dir)).map((e) => e.descriptor);
  const d = selectEntry(entries, opts, where) ?? (opts.digest ? await manifestBlob(dir, opts.digest) : undefined);
  if (!d) throw new OciError("OCI_IMAGE_NOT_FOUND", `${where} has no manifest ${String(opts.digest)}`);
  return layoutArtifact(dir, d);
}

/** An artifact over a layout's blobs. `linkable` offers the blob files to sinks for hard-linking. */
export function layoutArtifact(dir: string, d: Descriptor, opts: { linkable?: boolean } = {}): Artifact {
  return artifactFromSource(layoutSource(dir, opts), d);
}

export function layoutSource(dir: string, opts: { linkable?: boolean } = {}): BlobSource {
  const what = `OCI layout ${dir}`;
  const notFound = (d: Digest, cause: unknown) =>
    new OciError("OCI_BLOB_NOT_FOUND", `${what} is missing blob ${d}`, {
      cause,
      hint: "the layout is incomplete or was pruned while in use",
    });
  const source: BlobSource = {
    what,
    async open(d): Promise<Readable> {
      const name = `${what}: blob ${d.digest}`;
      let f;
      try {
        f = await openRegularFile(blobPath(dir, d.digest), { what: name, code: "OCI_LAYOUT" });
      } catch (e) {
        throw e instanceof OciError ? e : notFound(d.digest, e);
      }
      if (!f) throw notFound(d.digest, undefined);
      if (f.size !== d.size) {
        await f.fh.close();
        throw new OciError("OCI_SIZE_MISMATCH", `${name}: the file is ${f.size} bytes, expected ${d.size}`);
      }
      return verified(f.fh.createReadStream(), d, name);
    },
    async bytes(d): Promise<Uint8Array> {
      checkSmall(d, what);
      const name = `${what}: blob ${d.digest}`;
      let data: Buffer | undefined;
      try {
        data = await readRegularFile(blobPath(dir, d.digest), d.size, { what: name, code: "OCI_LAYOUT" });
      } catch (e) {
        throw e instanceof OciError ? e : notFound(d.digest, e);
      }
      if (!data) throw notFound(d.digest, undefined);
      return verifySmall(data, d, name);
    },
  };
  if (opts.linkable) source.filePath = (d) => blobPath(dir, d);
  return source;
}

/** The most an oci-layout file may hold: it is a one-line JSON object. */
export const MAX_OCI_LAYOUT_FILE = 64 * 1024;

/** Reads a layout's oci-layout file; undefined when there is none. */
export async function readLayoutMarker(dir: string): Promise<string | undefined> {
  try {
    return (await readRegularFile(join(dir, OCI_LAYOUT_FILE), MAX_OCI_LAYOUT_FILE, { what: `OCI layout ${dir}: ${OCI_LAYOUT_FILE}`, code: "OCI_LAYOUT" }))?.toString("utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (e instanceof OciError) throw e;
    throw new OciError("OCI_LAYOUT", `cannot read ${join(dir, OCI_LAYOUT_FILE)}`, { cause: e });
  }
}

async function checkLayout(dir: string): Promise<void> {
  const text = await readLayoutMarker(dir);
  if (text === undefined) {
    throw new OciError("OCI_LAYOUT", `${dir} is not an OCI image layout (it has no ${OCI_LAYOUT_FILE} file)`);
  }
  let version: unknown;
  try {
    version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
  } catch {
    version = undefined;
  }
  if (typeof version !== "string" || !version.startsWith("1.")) {
    throw new OciError("OCI_LAYOUT", `${join(dir, OCI_LAYOUT_FILE)} declares layout version ${JSON.stringify(version)}; only 1.x is supported`);
  }
}

/** A manifest blob not listed in index.json (a child of an index, say), described by sniffing it. */
async function manifestBlob(dir: string, digest: Digest): Promise<Descriptor | undefined> {
  const what = `OCI layout ${dir}: blob ${digest}`;
  let data: Buffer | undefined;
  try {
    data = await readRegularFile(blobPath(dir, digest), MAX_SMALL_BLOB, { what, code: "OCI_LAYOUT" });
  } catch (e) {
    if (e instanceof OciError) throw e;
    return undefined;
  }
  if (!data) return undefined;
  const d: Descriptor = { mediaType: "", digest, size: data.length };
  verifySmall(data, d, what);
  return { ...d, mediaType: sniffMediaType(data) };
}

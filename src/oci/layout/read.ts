import { open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { Descriptor } from "../descriptor.js";
import type { Digest } from "../digest.js";
import { OciError } from "../errors.js";
import type { Artifact } from "../image.js";
import { sniffMediaType } from "../manifest.js";
import { readIndexEntries, selectEntry } from "./index-json.js";
import { blobPath, OCI_LAYOUT_FILE } from "./paths.js";
import { artifactFromSource, type BlobSource, checkSmall, verified, verifySmall } from "./source.js";

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
      try {
        const fh = await open(blobPath(dir, d.digest), "r");
        return verified(fh.createReadStream(), d, `${what}: blob ${d.digest}`);
      } catch (e) {
        throw notFound(d.digest, e);
      }
    },
    async bytes(d): Promise<Uint8Array> {
      checkSmall(d, what);
      let data: Buffer;
      try {
        data = await readFile(blobPath(dir, d.digest));
      } catch (e) {
        throw notFound(d.digest, e);
      }
      return verifySmall(data, d, `${what}: blob ${d.digest}`);
    },
  };
  if (opts.linkable) source.filePath = (d) => blobPath(dir, d);
  return source;
}

async function checkLayout(dir: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(join(dir, OCI_LAYOUT_FILE), "utf8");
  } catch (e) {
    throw new OciError("OCI_LAYOUT", `${dir} is not an OCI image layout (no readable ${OCI_LAYOUT_FILE} file)`, { cause: e });
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
  const path = blobPath(dir, digest);
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) return undefined;
  const d: Descriptor = { mediaType: "", digest, size: st.size };
  checkSmall(d, `OCI layout ${dir}`);
  const data = await readFile(path);
  verifySmall(data, d, `OCI layout ${dir}: blob ${digest}`);
  return { ...d, mediaType: sniffMediaType(data) };
}

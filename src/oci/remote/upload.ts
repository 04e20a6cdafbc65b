import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { type Digest, VerifyingStream } from "../digest.js";
import { OciError } from "../errors.js";
import type { Layer, RegistryOrigin } from "../image.js";
import { discard, header, type RegistryClient, type Res } from "./client.js";
import { RegistryError, shortDigest } from "./errors.js";
import { ProgressStream } from "./progress.js";
import { backoffDelay, sleep } from "./retry.js";

/** A blob to push: its identity and a way to (re)open its bytes. */
export interface BlobSource {
  digest: Digest;
  size: number;
  /** Opens the bytes from the start; called again when an upload has to restart. */
  open(): Promise<Readable>;
  /** Where the blob already lives, if in a registry: enables a cross-repository mount. */
  origin?: RegistryOrigin | undefined;
}

export type PushResult = "exists" | "mounted" | "transferred";

export function layerSource(layer: Layer, digest: Digest, size: number): BlobSource {
  const file = layer.filePath?.();
  return {
    digest,
    size,
    open: file ? () => Promise.resolve(createReadStream(file)) : () => layer.compressed(),
    origin: layer.origin?.(),
  };
}

export function bytesSource(bytes: Uint8Array, digest: Digest): BlobSource {
  return { digest, size: bytes.length, open: () => Promise.resolve(Readable.from([Buffer.from(bytes)])) };
}

function uploadUrl(res: Res, what: string, registry: string): URL {
  const loc = header(res, "location");
  if (!loc) throw new RegistryError("OCI_REGISTRY", `${what}: the registry started an upload without a Location`, { status: res.status, registry });
  return new URL(loc, res.url);
}

/** Adds `digest=` to an upload URL without re-encoding the registry's own parameters. */
function withDigest(u: URL, digest: Digest): URL {
  const out = new URL(u);
  out.search = `${u.search ? `${u.search}&` : "?"}digest=${encodeURIComponent(digest)}`;
  return out;
}

/**
 * Opens the source through a digest-and-size check (so a lying layer fails here, not at the
 * registry) and a progress reporter. Errors travel down the chain to the stream returned.
 */
async function openChecked(client: RegistryClient, src: BlobSource, what: string): Promise<Readable> {
  const s = await src.open();
  const v = new VerifyingStream(src.digest, src.size, `${what}: the blob's content`);
  const p = new ProgressStream(client.o.onProgress, "upload", src.digest, src.size);
  s.on("error", (e) => v.destroy(e));
  v.on("error", (e) => p.destroy(e));
  p.on("close", () => {
    if (!s.destroyed) s.destroy();
  });
  return s.pipe(v).pipe(p);
}

/**
 * Pushes one blob: HEAD (skip if present), else mount from the blob's origin repository when
 * it is on this registry, else upload — in one PUT, or in PATCH chunks when bigger than the
 * chunk threshold. An upload that fails in a way a retry may cure restarts with a new session
 * (its body is a stream that cannot be replayed), up to maxAttempts.
 */
export async function pushBlob(client: RegistryClient, src: BlobSource, kind: string): Promise<PushResult> {
  const o = client.o;
  const repo = `${client.registry}/${client.repository}`;
  const what = `pushing ${kind} ${shortDigest(src.digest)} to ${repo}`;
  const start = () => o.onProgress({ kind: "blob-start", op: "upload", digest: src.digest, total: src.size, what: kind });
  const done = (result: PushResult) => {
    o.onProgress({ kind: "blob-done", op: "upload", digest: src.digest, total: src.size, result });
    return result;
  };

  const h = await client.request({
    method: "HEAD",
    path: `/v2/${client.repository}/blobs/${src.digest}`,
    what: `checking for ${kind} ${shortDigest(src.digest)} in ${repo}`,
    expect: [200, 404],
  });
  await discard(h.body);
  if (h.status === 200) {
    start();
    return done("exists");
  }

  let mountFrom =
    src.origin && src.origin.registry === client.registry && src.origin.repository !== client.repository ? src.origin.repository : undefined;
  start();
  for (let attempt = 1; ; attempt++) {
    try {
      const query = mountFrom ? `?mount=${encodeURIComponent(src.digest)}&from=${encodeURIComponent(mountFrom)}` : "";
      const res = await client.request({
        method: "POST",
        path: `/v2/${client.repository}/blobs/uploads/${query}`,
        what,
        expect: [201, 202],
      });
      await discard(res.body);
      if (res.status === 201 && mountFrom) return done("mounted");
      mountFrom = undefined; // the registry declined the mount (202): upload into the session it opened
      if (res.status === 201) return done("exists");
      const location = uploadUrl(res, what, client.registry);
      const minChunk = Number(header(res, "oci-chunk-min-length") ?? 0);
      if (src.size > o.chunkThreshold) await uploadChunked(client, src, location, Math.max(o.chunkSize, minChunk || 0), what);
      else await uploadMonolithic(client, src, location, what);
      return done("transferred");
    } catch (e) {
      if (e instanceof RegistryError && e.temporary && attempt < o.maxAttempts) {
        await sleep(backoffDelay(attempt, o.backoff), o.signal);
        continue;
      }
      throw e;
    }
  }
}

async function uploadMonolithic(client: RegistryClient, src: BlobSource, location: URL, what: string): Promise<void> {
  const body = await openChecked(client, src, what);
  try {
    const res = await client.request({
      method: "PUT",
      path: withDigest(location, src.digest),
      headers: { "content-type": "application/octet-stream", "content-length": String(src.size) },
      body,
      what,
      expect: [201, 204],
    });
    await discard(res.body);
  } finally {
    body.destroy();
  }
}

/** PATCHes the blob in chunks with Content-Range, following the Location each answer gives, then PUTs the digest. */
async function uploadChunked(client: RegistryClient, src: BlobSource, first: URL, chunkSize: number, what: string): Promise<void> {
  const source = await openChecked(client, src, what);
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer | undefined;
  async function* take(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      let buf = pending;
      pending = undefined;
      if (!buf) {
        const r = await it.next();
        if (r.done) throw new OciError("OCI_SIZE_MISMATCH", `${what}: the blob's content ended before its ${src.size} bytes`);
        buf = r.value;
      }
      if (buf.length > left) {
        pending = buf.subarray(left);
        buf = buf.subarray(0, left);
      }
      left -= buf.length;
      yield buf;
    }
  }
  let location = first;
  try {
    for (let offset = 0; offset < src.size; ) {
      const n = Math.min(chunkSize, src.size - offset);
      const res = await client.request({
        method: "PATCH",
        path: location,
        headers: {
          "content-type": "application/octet-stream",
          "content-length": String(n),
          "content-range": `${offset}-${offset + n - 1}`,
        },
        body: Readable.from(take(n), { objectMode: false }),
        what: `${what} (chunk at ${offset})`,
        expect: [202],
      });
      await discard(res.body);
      location = uploadUrl(res, what, client.registry);
      offset += n;
    }
    // Drain the source to its end so the digest and size check runs before we commit.
    const end = pending ?? (await it.next()).value;
    if (end && end.length) throw new OciError("OCI_SIZE_MISMATCH", `${what}: the blob's content is longer than its ${src.size} bytes`);
  } finally {
    source.destroy();
  }
  const res = await client.request({
    method: "PUT",
    path: withDigest(location, src.digest),
    headers: { "content-length": "0" },
    body: new Uint8Array(0),
    what,
    expect: [201, 204],
  });
  await discard(res.body);
}

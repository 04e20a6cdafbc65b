// Getting verified files into the cache: each URL is streamed through a SHA-256 + size check into
// `<cacheDir>/sha256/<hex>`; a file already there is never downloaded again.
import { Readable, Transform } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { parseDigest, noProgress, type OnProgress } from "../../oci/index.js";
import { ContentCache, type Expected } from "./cache.js";
import { get, redact, withRetries, type HttpOptions } from "./http.js";

export interface FetchContext {
  cache: ContentCache;
  http: HttpOptions;
  onProgress?: OnProgress;
}

/** The cached path of `expected`, downloading `url` first when it is not cached yet. */
export async function fetchToCache(
  url: string,
  expected: Expected,
  what: string,
  ctx: FetchContext,
): Promise<{ path: string; downloaded: boolean }> {
  const progress = ctx.onProgress ?? noProgress;
  const digest = parseDigest(`sha256:${expected.sha256}`);
  if (await ctx.cache.has(expected)) {
    progress({ kind: "blob-done", op: "download", digest, total: expected.size, result: "exists" });
    return { path: ctx.cache.path(expected.sha256), downloaded: false };
  }
  progress({ kind: "blob-start", op: "download", digest, total: expected.size, what });
  const path = await withRetries(ctx.http, async () => {
    const res = await get(url, ctx.http);
    if (!res.body) throw new Error(`GET ${redact(url)}: empty body`);
    let done = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        done += chunk.length;
        progress({ kind: "blob-progress", op: "download", digest, done, total: expected.size });
        cb(null, chunk);
      },
    });
    const body = Readable.fromWeb(res.body as WebReadableStream<Uint8Array>);
    body.on("error", (e) => counter.destroy(e));
    counter.on("close", () => body.destroy()); // a refused download must not hold the connection
    return ctx.cache.put(body.pipe(counter), expected, `${what} (${redact(url)})`);
  });
  progress({ kind: "blob-done", op: "download", digest, total: expected.size, result: "transferred" });
  return { path, downloaded: true };
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (e) {
        failed = true;
        throw e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

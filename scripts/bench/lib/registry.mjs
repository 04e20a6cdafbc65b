// A real docker-registry on 127.0.0.1 (the test suite's starter, from dist/testing) behind a
// counting HTTP proxy of our own, so paketo and buildah push through the same meter: requests,
// bytes each way, blob uploads (and cross-repository mounts), manifest writes.
import { createServer, request as httpRequest } from "node:http";
import { createGunzip } from "node:zlib";

/** @typedef {{ method: string, path: string, status: number, up: number, down: number }} Hit */

/**
 * The proxy forwards the Host header unchanged, so the registry's Location headers point back at
 * the proxy and every request of an upload session passes through it.
 */
export async function startCountingProxy(target) {
  const [targetHost, targetPort] = target.split(":");
  /** @type {Hit[]} */
  const hits = [];
  const sockets = new Set();
  const server = createServer((req, res) => {
    const hit = { method: req.method ?? "GET", path: req.url ?? "/", status: 0, up: 0, down: 0 };
    hits.push(hit);
    req.on("data", (c) => {
      hit.up += c.length;
    });
    const up = httpRequest({ host: targetHost, port: Number(targetPort), method: req.method, path: req.url, headers: req.headers }, (ur) => {
      hit.status = ur.statusCode ?? 0;
      ur.on("data", (c) => {
        hit.down += c.length;
      });
      res.writeHead(hit.status, ur.headers);
      ur.pipe(res);
    });
    up.on("error", () => {
      hit.status = 502;
      if (!res.headersSent) res.writeHead(502).end();
      else res.destroy();
    });
    req.pipe(up);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const addr = server.address();
  const host = `127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  return {
    host,
    /** Everything recorded since the last `take()`, and a fresh start. */
    take() {
      const out = hits.splice(0, hits.length);
      return summarize(out);
    },
    stop() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/** Counts what a client did against the registry API. */
export function summarize(hits) {
  const blobs = [];
  const mounts = [];
  let manifests = 0;
  for (const h of hits) {
    const url = new URL(h.path, "http://x");
    const digest = url.searchParams.get("digest");
    // A finished upload: PUT …/blobs/uploads/<id>?digest= (or a monolithic POST ?digest=), 201.
    if (/\/blobs\/uploads\//.test(url.pathname) && digest && (h.method === "PUT" || h.method === "POST") && h.status === 201) blobs.push(digest);
    if (h.method === "POST" && url.searchParams.get("mount") && h.status === 201) mounts.push(url.searchParams.get("mount"));
    if (h.method === "PUT" && /\/manifests\//.test(url.pathname) && h.status < 300) manifests++;
  }
  return {
    requests: hits.length,
    blobsUploaded: blobs.length,
    blobDigests: blobs,
    mounts: mounts.length,
    manifestsPut: manifests,
    bytesUp: hits.reduce((a, h) => a + h.up, 0),
    bytesDown: hits.reduce((a, h) => a + h.down, 0),
    byMethod: hits.reduce((a, h) => ({ ...a, [h.method]: (a[h.method] ?? 0) + 1 }), /** @type {Record<string, number>} */ ({})),
  };
}

const ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

function get(host, path, headers = {}) {
  const [h, p] = host.split(":");
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: h, port: Number(p), path, headers }, (res) => {
      if ((res.statusCode ?? 0) >= 300) {
        res.resume();
        reject(new Error(`GET ${path}: HTTP ${res.statusCode}`));
        return;
      }
      resolve(res);
    });
    req.on("error", reject);
    req.end();
  });
}

async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The manifest of `repo:tag`, read straight from the registry (not through the proxy). */
export async function manifestOf(host, repo, tag) {
  return JSON.parse((await readAll(await get(host, `/v2/${repo}/manifests/${tag}`, { accept: ACCEPT }))).toString("utf8"));
}

/** Sizes of an image in the registry: compressed (as stored and pulled) and uncompressed (each layer gunzipped). */
export async function imageSizes(host, repo, tag, { uncompressed = true } = {}) {
  const m = await manifestOf(host, repo, tag);
  const layers = m.layers ?? [];
  const compressed = layers.reduce((a, l) => a + l.size, 0);
  let raw;
  if (uncompressed) {
    raw = 0;
    for (const l of layers) {
      const res = await get(host, `/v2/${repo}/blobs/${l.digest}`);
      const gzipped = /gzip/.test(l.mediaType);
      const body = gzipped ? res.pipe(createGunzip()) : res;
      for await (const c of body) raw += c.length;
    }
  }
  return { layers: layers.length, compressed, uncompressed: raw, config: m.config.size, manifest: m };
}

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { type CountingProxy, freePort, startCountingProxy, startRegistry, type TestRegistry, tarOf } from "../../testing/index.js";
import { emptyImage } from "../empty.js";
import type { Image } from "../image.js";
import { appendLayers } from "../mutate/index.js";
import { readAll } from "../partial/index.js";
import { layerFromTarBytes } from "../static-layer.js";
import * as remote from "./index.js";

const fast = { backoff: { initialMs: 1, maxMs: 5 } };

function expectError(code: string, ...patterns: RegExp[]) {
  return (e: Error & { code?: string }) => {
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    for (const p of patterns) assert.match(e.message, p);
    assert.ok(!e.message.includes("\n"), "one line");
    return true;
  };
}

describe("remote failures", () => {
  let reg: TestRegistry;
  let proxy: CountingProxy;
  let img: Image;
  let digest: string;
  before(async () => {
    reg = await startRegistry();
    proxy = await startCountingProxy(reg.host);
    img = appendLayers(emptyImage(), layerFromTarBytes(await tarOf({ "f.bin": randomBytes(10_000) })));
    digest = (await remote.write(`${reg.host}/app:1`, img)).digest;
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  test("a registry that is down is reported unreachable, without retrying a refused connection", async () => {
    const port = await freePort();
    const started = Date.now();
    await assert.rejects(
      remote.read(`127.0.0.1:${port}/app:latest`),
      expectError(
        "OCI_REGISTRY_UNREACHABLE",
        new RegExp(`^registry 127\\.0\\.0\\.1:${port} is unreachable \\(connection refused\\) while reading manifest of 127\\.0\\.0\\.1:${port}/app:latest$`),
      ),
    );
    assert.ok(Date.now() - started < 2000);
  });

  test("a missing repository or tag is a clear not-found naming the reference", async () => {
    await assert.rejects(
      remote.read(`${reg.host}/nothing-here:latest`),
      expectError("OCI_IMAGE_NOT_FOUND", new RegExp(`reading manifest of ${reg.host}/nothing-here:latest: 404 (NAME_UNKNOWN|MANIFEST_UNKNOWN)`)),
    );
    await assert.rejects(
      remote.read(`${reg.host}/app:missing`),
      expectError("OCI_IMAGE_NOT_FOUND", new RegExp(`reading manifest of ${reg.host}/app:missing: 404 MANIFEST_UNKNOWN: manifest unknown`)),
    );
  });

  test("a truncated blob fails the read with a size error", async () => {
    proxy.reset();
    proxy.inject({ method: "GET", path: /\/blobs\/sha256:/, fault: { truncate: 100 } });
    // The config blob is read first (by layers()) and is truncated too: either way a size mismatch.
    const pullAll = async () => {
      const pulled = await remote.image(`${proxy.host}/app:1`, { ...fast, maxAttempts: 1 });
      for (const l of await pulled.layers()) await readAll(await l.compressed());
    };
    await assert.rejects(pullAll(), expectError("OCI_SIZE_MISMATCH", /^blob sha256:[0-9a-f]{64} of 127\.0\.0\.1:\d+\/app: got 100 bytes, expected \d+ \(truncated\?\)$/));
  });

  test("a blob with other bytes of the same length fails with a digest error", async () => {
    proxy.reset();
    const pulled = await remote.image(`${proxy.host}/app:1`);
    await pulled.configFile();
    proxy.inject({ method: "GET", path: /\/blobs\/sha256:/, fault: { replace: (b) => randomBytes(b.length) } });
    const layer = (await pulled.layers())[0];
    await assert.rejects(readAll(await layer!.compressed()), expectError("OCI_DIGEST_MISMATCH", /content has digest sha256:[0-9a-f]{64}, expected sha256:/));
  });

  test("a manifest whose bytes do not match the requested digest is refused", async () => {
    proxy.reset();
    const other = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: `sha256:${"0".repeat(64)}`, size: 2 }, layers: [] }));
    proxy.inject({ method: "GET", path: /\/manifests\//, fault: { replace: () => other } });
    await assert.rejects(
      remote.read(`${proxy.host}/app@${digest}`),
      expectError("OCI_DIGEST_MISMATCH", new RegExp(`manifest of ${proxy.host}/app@${digest}: content has digest sha256:`)),
    );
    // By tag, the registry's Docker-Content-Digest is the check.
    proxy.inject({ method: "GET", path: /\/manifests\//, fault: { replace: () => other } });
    await assert.rejects(remote.read(`${proxy.host}/app:1`), expectError("OCI_DIGEST_MISMATCH", /registry said sha256:/));
  });

  test("a manifest over the size limit is refused before it is read", async () => {
    proxy.reset();
    proxy.inject({ method: "GET", path: /\/manifests\//, fault: { replace: () => Buffer.alloc(5 * 1024 * 1024, 32) } });
    await assert.rejects(remote.read(`${proxy.host}/app:1`), expectError("OCI_LIMIT_EXCEEDED", /over the 4194304 byte limit/));
  });

  test("503 twice, then the registry answers: the read succeeds", async () => {
    proxy.reset();
    proxy.inject({ method: "GET", path: /\/manifests\//, times: 2, fault: { status: 503 } });
    proxy.inject({ method: "GET", path: /\/blobs\//, times: 1, fault: { status: 429, headers: { "retry-after": "0" } } });
    proxy.inject({ method: "GET", path: /\/blobs\//, times: 1, fault: { reset: true } });
    const pulled = await remote.image(`${proxy.host}/app:1`, fast);
    assert.equal(await pulled.digest(), digest);
    const bytes = await readAll(await (await pulled.layers())[0]!.compressed());
    assert.deepEqual(bytes, await readAll(await (await img.layers())[0]!.compressed()));
    const statuses = proxy.requests.filter((r) => r.path.includes("/manifests/")).map((r) => r.status);
    assert.deepEqual(statuses, [503, 503, 200]);
    assert.ok(proxy.requests.some((r) => r.status === 429));
    assert.ok(proxy.requests.some((r) => r.status === 0), "a reset connection was retried");
  });

  test("a connection reset partway through a blob resumes where it stopped, with a Range request", async () => {
    proxy.reset();
    const layerDigest = (await img.manifest()).layers[0]!.digest;
    proxy.inject({ method: "GET", path: new RegExp(`/blobs/${layerDigest}`), times: 2, fault: { cutAfter: 3000 } });
    const pulled = await remote.image(`${proxy.host}/app:1`, fast);
    const bytes = await readAll(await (await pulled.layers())[0]!.compressed());
    assert.deepEqual(bytes, await readAll(await (await img.layers())[0]!.compressed()));
    const gets = proxy.requests.filter((r) => r.path.includes(`/blobs/${layerDigest}`));
    assert.deepEqual(
      gets.map((r) => [r.status, r.range]),
      [
        [200, undefined],
        [206, "bytes=3000-"],
        [206, "bytes=6000-"],
      ],
    );
  });

  test("a registry that ignores Range sends the whole blob again, and what was had is skipped", async () => {
    proxy.reset();
    const layerDigest = (await img.manifest()).layers[0]!.digest;
    proxy.inject({ method: "GET", path: new RegExp(`/blobs/${layerDigest}`), times: 1, fault: { cutAfter: 5000 } });
    proxy.inject({ method: "GET", path: new RegExp(`/blobs/${layerDigest}`), times: 1, fault: { ignoreRange: true } });
    const pulled = await remote.image(`${proxy.host}/app:1`, fast);
    const bytes = await readAll(await (await pulled.layers())[0]!.compressed());
    assert.deepEqual(bytes, await readAll(await (await img.layers())[0]!.compressed()));
    assert.deepEqual(proxy.requests.filter((r) => r.path.includes(`/blobs/${layerDigest}`)).map((r) => r.status), [200, 200]);
  });

  test("a stalled blob body is given up after the idle timeout and resumed", async () => {
    proxy.reset();
    const layerDigest = (await img.manifest()).layers[0]!.digest;
    proxy.inject({ method: "GET", path: new RegExp(`/blobs/${layerDigest}`), times: 1, fault: { stallAfter: 2000 } });
    const pulled = await remote.image(`${proxy.host}/app:1`, { ...fast, timeouts: { bodyMs: 300 } });
    const bytes = await readAll(await (await pulled.layers())[0]!.compressed());
    assert.deepEqual(bytes, await readAll(await (await img.layers())[0]!.compressed()));
    const gets = proxy.requests.filter((r) => r.path.includes(`/blobs/${layerDigest}`));
    assert.deepEqual(gets.map((r) => r.range), [undefined, "bytes=2000-"]);
  });

  test("a blob that stalls every time fails saying it stalled and how far it got, not that the registry is unreachable", async () => {
    proxy.reset();
    const layer = (await img.manifest()).layers[0]!;
    proxy.inject({ method: "GET", path: new RegExp(`/blobs/${layer.digest}`), times: 1, fault: { stallAfter: 2000 } });
    proxy.inject({ method: "GET", path: new RegExp(`/blobs/${layer.digest}`), fault: { stallAfter: 0 } });
    const pulled = await remote.image(`${proxy.host}/app:1`, { ...fast, maxAttempts: 3, timeouts: { bodyMs: 200 } });
    await assert.rejects(
      async () => readAll(await (await pulled.layers())[0]!.compressed()),
      expectError(
        "OCI_REGISTRY",
        new RegExp(`^reading blob ${layer.digest.slice(0, 19)}… of ${proxy.host}/app: the download stalled \\(no data for 200 ms\\) after 2000 of ${layer.size} bytes, 3 tries in all$`),
      ),
    );
  });

  test("a manifest body cut short is asked for again", async () => {
    proxy.reset();
    proxy.inject({ method: "GET", path: /\/manifests\//, times: 1, fault: { cutAfter: 20 } });
    const pulled = await remote.image(`${proxy.host}/app:1`, fast);
    assert.equal(await pulled.digest(), digest);
    assert.equal(proxy.requests.filter((r) => r.path.includes("/manifests/")).length, 2);
  });

  test("retries are bounded by maxAttempts", async () => {
    proxy.reset();
    proxy.inject({ method: "GET", path: /\/manifests\//, fault: { status: 502 } });
    await assert.rejects(
      remote.read(`${proxy.host}/app:1`, { ...fast, maxAttempts: 3 }),
      expectError("OCI_REGISTRY", /reading manifest of .*: 502 INJECTED: injected 502/),
    );
    assert.equal(proxy.requests.filter((r) => r.path.includes("/manifests/")).length, 3);
  });

  test("an upload that fails half way restarts its session and completes", async () => {
    const fresh = appendLayers(emptyImage(), layerFromTarBytes(await tarOf({ "g.bin": randomBytes(50_000) })));
    proxy.reset();
    proxy.inject({ method: "PUT", path: /\/blobs\/uploads\/.*digest=/, times: 2, fault: { status: 500 } });
    const d = await remote.write(`${proxy.host}/restart:1`, fresh, { ...fast, jobs: 1 });
    assert.equal(d.digest, await fresh.digest());
    const posts = proxy.requests.filter((r) => r.method === "POST" && r.path.includes("/blobs/uploads/"));
    assert.ok(posts.length >= 4, `sessions were restarted (${posts.length} POSTs for 2 blobs)`);
    const back = await remote.image(`${reg.host}/restart:1`);
    assert.equal(await back.digest(), await fresh.digest());
  });

  test("a chunked upload interrupted by a reset restarts from a new session", async () => {
    const fresh = appendLayers(emptyImage(), layerFromTarBytes(await tarOf({ "h.bin": randomBytes(300_000) })));
    proxy.reset();
    proxy.inject({ method: "PATCH", times: 1, fault: { reset: true } });
    const d = await remote.write(`${proxy.host}/restart:2`, fresh, { ...fast, chunkThreshold: 100_000, chunkSize: 100_000 });
    assert.equal(d.digest, await fresh.digest());
    const back = await remote.image(`${reg.host}/restart:2`);
    const layer = (await back.layers())[0]!;
    assert.deepEqual(await readAll(await layer.compressed()), await readAll(await (await fresh.layers())[0]!.compressed()));
  });
});

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import { after, before, describe, test } from "node:test";
import { startCountingProxy, startRegistry, tarOf } from "../../testing/index.js";
import { emptyImage } from "../empty.js";
import { appendLayers } from "../mutate/index.js";
import { readAll } from "../partial/index.js";
import type { ProgressEvent } from "../progress.js";
import { layerFromTarBytes } from "../static-layer.js";
import * as remote from "./index.js";

describe("transport: schemes and redirects", () => {
  test("a loopback registry speaking TLS: http is tried first, https verified unless the host is named insecure", async (t) => {
    const reg = await startRegistry({ tls: true });
    t.after(() => reg.stop());
    const img = appendLayers(emptyImage(), layerFromTarBytes(await tarOf({ "tls.txt": "over https" })));
    await assert.rejects(remote.write(`${reg.host}/tls:1`, img, { maxAttempts: 1 }), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, "OCI_REGISTRY_UNREACHABLE");
      assert.match(e.message, new RegExp(`^registry ${reg.host} is unreachable \\(self-signed TLS certificate\\) while pushing ${reg.host}/tls:1$`));
      assert.match(e.hint ?? "", /--insecure-registry/);
      return true;
    });
    const opts = { insecureRegistries: [reg.host] };
    const d = await remote.write(`${reg.host}/tls:1`, img, opts);
    const back = await remote.image(`${reg.host}/tls:1`, opts);
    assert.equal(await back.digest(), d.digest);
  });

  describe("blob redirects to another host", () => {
    const seen: IncomingHttpHeaders[] = [];
    const blobs = new Map<string, Buffer>();
    const storage = createServer((req, res) => {
      seen.push(req.headers);
      const body = blobs.get((req.url ?? "").replace(/^\/blob\//, ""));
      if (!body) return void res.writeHead(404).end();
      res.writeHead(200, { "content-length": String(body.length) }).end(body);
    });
    let storagePort = 0;
    before(async () => {
      // 127.0.0.2 is loopback too on Linux, but another origin than 127.0.0.1
      await new Promise<void>((r) => storage.listen(0, "127.0.0.2", () => r()));
      const a = storage.address();
      storagePort = typeof a === "object" && a ? a.port : 0;
    });
    after(() => new Promise<void>((r) => storage.close(() => r())));

    test("are followed, without the registry's Authorization", async (t) => {
      const reg = await startRegistry({ auth: { username: "u", password: "pw-redirect" } });
      const proxy = await startCountingProxy(reg.host);
      t.after(async () => {
        await proxy.stop();
        await reg.stop();
      });
      const opts = { auth: { username: "u", password: "pw-redirect" }, keychain: remote.anonymousKeychain };
      const layer = layerFromTarBytes(await tarOf({ "r.bin": randomBytes(5000) }));
      const img = appendLayers(emptyImage(), layer);
      await remote.write(`${reg.host}/redir:1`, img, opts);
      const digest = await layer.digest();
      blobs.set(digest, await readAll(await layer.compressed()));
      proxy.inject({
        method: "GET",
        path: new RegExp(`/blobs/${digest}`),
        fault: { status: 307, headers: { location: `http://127.0.0.2:${storagePort}/blob/${digest}` } },
      });
      const events: ProgressEvent[] = [];
      const pulled = await remote.image(`${proxy.host}/redir:1`, { ...opts, onProgress: (e) => events.push(e) });
      const bytes = await readAll(await (await pulled.layers())[0]!.compressed());
      assert.deepEqual(bytes, blobs.get(digest));
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.authorization, undefined, "no Authorization sent to another origin");
      assert.ok(events.some((e) => e.kind === "blob-done" && e.op === "download" && e.digest === digest && e.result === "transferred"));
    });
  });
});

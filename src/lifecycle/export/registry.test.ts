import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseReportToml } from "../../cnb/index.js";
import * as oci from "../../oci/index.js";
import { type CountingProxy, startCountingProxy, startRegistry, tempDir, type TestRegistry } from "../../testing/index.js";
import { saveImage, writeReport } from "../images/index.js";
import { openLayerFactory } from "../layer-cache/index.js";
import { exportImage, type ExportInputs } from "./index.js";
import { CNB_GID, CNB_UID, makeRunImage, settle, writeBuild } from "../testing/build-fixture.js";

describe("export onto a run image in a registry", () => {
  let reg: TestRegistry;
  let proxy: CountingProxy;
  before(async () => {
    reg = await startRegistry();
    proxy = await startCountingProxy(reg.host);
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
  });

  const save = (img: oci.Image, names: string[]) => saveImage(img, names, { storeRoot: "/nonexistent", env: {} });

  test("the run image's layers are never downloaded; the push mounts them and skips what is there", async (t) => {
    const tmp = tempDir("paketo-export-reg-");
    t.after(tmp.cleanup);
    const local = await makeRunImage({ marker: "# run v1\n" });
    await oci.remote.write(`${reg.host}/base/run:1`, local);
    const runImage = await oci.remote.image(`${proxy.host}/base/run:1`);
    const runLayerDigests = (await local.manifest()).layers.map((l) => l.digest);
    const runDigest = await local.digest();

    const build = writeBuild(join(tmp.path, "build"));
    await settle();
    const layers = openLayerFactory({ dir: join(tmp.path, "cache"), uid: CNB_UID, gid: CNB_GID });
    const inputs = (extra: Partial<ExportInputs> = {}): ExportInputs => ({
      layersDir: build.layersDir,
      appDir: build.appDir,
      runImage,
      runImageRef: { reference: `${proxy.host}/base/run@${runDigest}`, image: `${proxy.host}/base/run:1` },
      launcher: { path: build.launcher },
      platformApi: "0.13",
      layers,
      ...extra,
    });

    proxy.reset();
    const r = await exportImage(inputs());
    const report = await save(r.image, [`docker://${proxy.host}/apps/web:1`, `docker://${proxy.host}/apps/web:latest`]);
    const reportPath = join(tmp.path, "report.toml");
    await writeReport(reportPath, report);
    const parsed = parseReportToml(readFileSync(reportPath, "utf8"));
    assert.deepEqual(parsed.image.tags, [`docker://${proxy.host}/apps/web:1`, `docker://${proxy.host}/apps/web:latest`]);
    assert.equal(parsed.image.digest, await r.image.digest());
    assert.equal(parsed.image.manifestSize, (await r.image.rawManifest()).length);

    const gets = proxy.requests.filter((q) => q.method === "GET" && runLayerDigests.some((d) => q.path.includes(d)));
    assert.deepEqual(gets, [], "no run image layer was downloaded");
    const mounts = proxy.requests.filter((q) => q.method === "POST" && q.path.includes("mount=") && q.path.includes("from=base%2Frun"));
    assert.equal(mounts.length, 1, JSON.stringify(proxy.requests.map((q) => `${q.method} ${q.path} ${q.status}`)));
    assert.equal(mounts[0]?.status, 201);

    // The registry has the image, whole.
    const pulled = await oci.remote.image(`${reg.host}/apps/web:latest`);
    assert.equal(await pulled.digest(), await r.image.digest());

    // A rebuild with nothing changed: the same digest, nothing uploaded, nothing re-tarred.
    proxy.reset();
    const previousImage = await oci.remote.image(`${proxy.host}/apps/web:1`);
    const again = await exportImage(inputs({ previousImage }));
    assert.deepEqual(again.stats, { created: 0, reused: 7 });
    await save(again.image, [`docker://${proxy.host}/apps/web:2`]);
    assert.equal(await again.image.digest(), await r.image.digest());
    assert.deepEqual(
      proxy.requests.filter((q) => q.path.includes("/blobs/uploads")),
      [],
    );
    assert.deepEqual(
      proxy.requests.filter((q) => q.method === "GET" && q.path.includes("/blobs/")).map((q) => q.path),
      [`/v2/apps/web/blobs/${(await (await oci.remote.image(`${reg.host}/apps/web:1`)).manifest()).config.digest}`],
      "only the previous image's config is read",
    );

    // A launch layer kept without contents comes from the previous image in the registry: it is
    // neither downloaded nor uploaded.
    rmSync(join(build.layersDir, "acme_app", "modules"), { recursive: true });
    proxy.reset();
    const third = await exportImage(inputs({ previousImage }));
    await save(third.image, [`docker://${proxy.host}/apps/web:3`]);
    assert.equal(third.layers.find((l) => l.id === "acme/app:modules")?.from, "previous");
    assert.deepEqual(
      proxy.requests.filter((q) => (q.method === "GET" && /\/blobs\/sha256/.test(q.path) && !q.path.includes("/manifests/")) || q.path.includes("/blobs/uploads")).map((q) => `${q.method} ${q.path}`),
      [],
    );
  });

  test("tags on two registries are refused", async () => {
    const img = await makeRunImage();
    await assert.rejects(save(img, ["docker://a.example/x:1", "docker://b.example/x:1"]), /2 registries/);
  });
});

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAnalyzedToml, stringifyAnalyzedToml } from "../../cnb/index.js";
import * as oci from "../../oci/index.js";
import { startRegistry, tempDir, type TestRegistry } from "../../testing/index.js";
import { exportImage } from "../export/index.js";
import { openLayerFactory } from "../layer-cache/index.js";
import { CNB_GID, CNB_UID, makeRunImage, writeBuild } from "../testing/build-fixture.js";
import { chooseRunImage } from "../images/index.js";
import { AnalyzeError, analyze } from "./index.js";

test("chooseRunImage: the output's registry first, then the first readable; label metadata from the entry", async () => {
  const runFile = {
    images: [
      { image: "a.example/run:1", mirrors: ["b.example/run:1", "c.example/run:1"] },
      { image: "d.example/run:1", mirrors: [] },
    ],
  };
  const readable = (ok: string[]) => async (n: string) => ok.includes(n);
  const all = readable(["a.example/run:1", "b.example/run:1", "c.example/run:1", "d.example/run:1"]);
  assert.equal((await chooseRunImage({ runFile, outputRegistry: "c.example" }, all)).name, "c.example/run:1");
  assert.equal((await chooseRunImage({ runFile, outputRegistry: "z.example" }, all)).name, "a.example/run:1");
  assert.equal((await chooseRunImage({ runFile }, readable(["c.example/run:1"]))).name, "c.example/run:1");
  // On the output's registry but unreadable: the first readable one instead.
  assert.equal((await chooseRunImage({ runFile, outputRegistry: "b.example" }, readable(["c.example/run:1"]))).name, "c.example/run:1");
  const chosen = await chooseRunImage({ runFile, outputRegistry: "b.example" }, all);
  assert.deepEqual(chosen.forExport, { image: "a.example/run:1", mirrors: ["b.example/run:1", "c.example/run:1"] });
  // -run-image wins; its metadata comes from the entry naming it, else the first entry.
  assert.deepEqual(await chooseRunImage({ runFile, runImage: "d.example/run:1" }, readable([])), { name: "d.example/run:1", forExport: { image: "d.example/run:1", mirrors: [] } });
  assert.deepEqual((await chooseRunImage({ runFile, runImage: "x.example/run:1" }, readable([]))).forExport, { image: "a.example/run:1", mirrors: ["b.example/run:1", "c.example/run:1"] });
  // chooseRunImage is shared by analyze and rebase; in analyze its failure is an analyze error.
  await assert.rejects(AnalyzeError.within(() => chooseRunImage({ runFile }, readable([]))), (e: unknown) => e instanceof AnalyzeError && e.code === "ANALYZE_RUN_IMAGE");
  await assert.rejects(AnalyzeError.within(() => chooseRunImage({}, all)), (e: unknown) => e instanceof AnalyzeError && e.code === "ANALYZE_RUN_IMAGE");
});

describe("analyze against a registry and layouts", () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry();
  });
  after(async () => {
    await reg?.stop();
  });
  const transport = { storeRoot: "/nonexistent", env: {} };

  test("no previous image; the mirror on the output's registry is chosen; target data from the run image", async () => {
    const run = await makeRunImage();
    await oci.remote.write(`${reg.host}/base/run:1`, run);
    const port = reg.host.split(":")[1];
    const local = `localhost:${port}`;
    const r = await analyze({
      outputImage: `docker://${local}/apps/web:1`,
      runFile: { images: [{ image: `${reg.host}/base/run:1`, mirrors: ["127.0.0.1:1/nothing/run:1", `${local}/base/run:1`] }] },
      platformApi: "0.13",
      transport,
    });
    assert.equal(r.previousImage, undefined);
    assert.deepEqual(r.analyzed.metadata, { app: [], buildpacks: [] });
    assert.equal(r.analyzed.previousImage, undefined);
    assert.equal(r.analyzed.runImage?.image, `${local}/base/run:1`);
    assert.equal(r.analyzed.runImage?.reference, `${local}/base/run@${await run.digest()}`);
    assert.deepEqual(r.analyzed.runImage?.target, { os: "linux", arch: "amd64", id: "io.paketo.test", distro: { name: "debian", version: "13" } });
    assert.deepEqual(r.runImageRef, { reference: `${local}/base/run@${await run.digest()}`, image: `${reg.host}/base/run:1`, mirrors: ["127.0.0.1:1/nothing/run:1", `${local}/base/run:1`] });
    // analyzed.toml round-trips.
    const text = stringifyAnalyzedToml(r.analyzed);
    assert.deepEqual(parseAnalyzedToml(text), r.analyzed);
    assert.match(text, /\[run-image\.target\]/);
  });

  test("the previous image's lifecycle metadata, from a layout; an unreadable previous image is an error", async (t) => {
    const tmp = tempDir("paketo-analyze-");
    t.after(tmp.cleanup);
    const build = writeBuild(join(tmp.path, "b"));
    const exported = await exportImage({
      layersDir: build.layersDir,
      appDir: build.appDir,
      runImage: await makeRunImage(),
      runImageRef: { reference: "r" },
      launcher: { path: build.launcher },
      platformApi: "0.13",
      layers: openLayerFactory({ dir: join(tmp.path, "lc"), uid: CNB_UID, gid: CNB_GID }),
    });
    const layout = join(tmp.path, "out");
    await oci.transport.write(`oci:${layout}:app`, { kind: "image", image: exported.image }, transport);
    await oci.transport.write(`oci:${join(tmp.path, "runs")}:base`, { kind: "image", image: await makeRunImage() }, transport);
    const r = await analyze({ outputImage: `oci:${layout}:app`, runImage: `oci:${join(tmp.path, "runs")}:base`, platformApi: "0.11", transport });
    assert.deepEqual(r.analyzed.metadata, exported.metadata);
    assert.equal(r.analyzed.previousImage?.reference, `oci:${layout}:app@${await exported.image.digest()}`);
    assert.equal(await r.previousImage?.digest(), await exported.image.digest());
    assert.equal(r.analyzed.runImage?.target, undefined, "no target data before Platform 0.12");

    // A previous image that is not there: fine; one that cannot be read: not.
    const missing = await analyze({ outputImage: `oci:${join(tmp.path, "nothing")}:app`, runImage: `oci:${join(tmp.path, "runs")}:base`, platformApi: "0.13", transport });
    assert.equal(missing.previousImage, undefined);
    const missingTag = await analyze({ outputImage: `oci:${layout}:other`, runImage: `oci:${join(tmp.path, "runs")}:base`, platformApi: "0.13", transport });
    assert.equal(missingTag.previousImage, undefined);
    await assert.rejects(
      analyze({ outputImage: `docker://127.0.0.1:1/app:1`, runImage: `oci:${join(tmp.path, "runs")}:base`, platformApi: "0.13", transport }),
      (e: unknown) => e instanceof AnalyzeError && e.code === "ANALYZE_PREVIOUS_IMAGE",
    );
  });
});

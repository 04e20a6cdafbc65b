import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import * as oci from "../../oci/index.js";
import { type CountingProxy, startCountingProxy, startRegistry, tarOf, tempDir, type TestRegistry } from "../../testing/index.js";
import { exportImage } from "../export/index.js";
import { saveImage } from "../images/index.js";
import { openLayerFactory } from "../layer-cache/index.js";
import { CNB_GID, CNB_UID, makeRunImage, writeBuild } from "../testing/build-fixture.js";
import { RebaseError, rebase, rebaseImage, targetSatisfiedForRebase } from "./index.js";

/** Run image v2: two new layers, a newer distro label. */
async function runV2(labels: Record<string, string> = {}): Promise<oci.Image> {
  const base = await makeRunImage({ marker: "# v2\n", labels: { "io.buildpacks.base.distro.version": "13", "io.buildpacks.base.released": "2026-02-01", ...labels } });
  return oci.mutate.appendLayers(base, { layer: oci.layerFromTarBytes(await tarOf({ "etc/security-fix": "patched\n" })), history: { created_by: "fix" } });
}

describe("rebase in a registry", () => {
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
  const transport = { storeRoot: "/nonexistent", env: {} };

  async function appOnRun(t: { after(fn: () => void): void }, repo: string, platformApi = "0.13"): Promise<{ app: oci.Image; v1: oci.Image }> {
    const tmp = tempDir("paketo-rebase-");
    t.after(tmp.cleanup);
    const v1 = await makeRunImage({ marker: "# v1\n" });
    await oci.remote.write(`${reg.host}/base/run:latest`, v1);
    const runImage = await oci.remote.image(`${proxy.host}/base/run:latest`);
    const build = writeBuild(join(tmp.path, "b"));
    const r = await exportImage({
      layersDir: build.layersDir,
      appDir: build.appDir,
      runImage,
      runImageRef: { reference: `${proxy.host}/base/run@${await v1.digest()}`, image: `${proxy.host}/base/run:latest`, mirrors: [] },
      launcher: { path: build.launcher },
      platformApi,
      layers: openLayerFactory({ dir: join(tmp.path, "lc"), uid: CNB_UID, gid: CNB_GID }),
    });
    await saveImage(r.image, [`docker://${proxy.host}/${repo}:1`], transport);
    return { app: r.image, v1 };
  }

  test("uploads only the new config and manifest: run layers are mounted, app layers stay", async (t) => {
    const { app, v1 } = await appOnRun(t, "apps/one");
    const v2 = await runV2();
    await oci.remote.write(`${reg.host}/base/run:latest`, v2);

    proxy.reset();
    const r = await rebase({ appImage: `docker://${proxy.host}/apps/one:1`, platformApi: "0.13", transport });
    const uploads = proxy.requests.filter((q) => q.path.includes("/blobs/uploads"));
    const mounts = uploads.filter((q) => q.method === "POST" && q.path.includes("mount="));
    const sessions = uploads.filter((q) => q.method === "POST" && !q.path.includes("mount="));
    const puts = uploads.filter((q) => q.method === "PUT");
    assert.equal(sessions.length, 1, "one upload: the config");
    assert.equal(puts.length, 1);
    assert.deepEqual(
      mounts.map((q) => q.status),
      [201, 201],
      "the two new run image layers are mounted from base/run",
    );
    assert.ok(mounts.every((q) => q.path.includes("from=base%2Frun")));
    assert.equal(proxy.requests.filter((q) => q.method === "PUT" && q.path.includes("/manifests/")).length, 1);
    // No layer was downloaded: every blob read is a config.
    const configs = [await app.configName(), await v2.configName()];
    assert.ok(proxy.requests.filter((q) => q.method === "GET" && q.path.includes("/blobs/sha256:")).every((q) => configs.some((c) => q.path.endsWith(c))));

    // The result: the new run image's layers, then the same app layers.
    const pushed = await oci.remote.image(`${reg.host}/apps/one:1`);
    assert.equal(await pushed.digest(), await r.image.digest());
    const cfg = await pushed.configFile();
    const appIds = (await app.configFile()).rootfs.diff_ids;
    const v1Ids = (await v1.configFile()).rootfs.diff_ids;
    const v2Ids = (await v2.configFile()).rootfs.diff_ids;
    assert.deepEqual(cfg.rootfs.diff_ids, [...v2Ids, ...appIds.slice(v1Ids.length)]);
    assert.deepEqual((await pushed.manifest()).layers.slice(v2Ids.length), (await app.manifest()).layers.slice(v1Ids.length));
    const labels = cfg.config.Labels ?? {};
    const md = JSON.parse(labels["io.buildpacks.lifecycle.metadata"] as string);
    assert.equal(md.runImage.topLayer, v2Ids.at(-1));
    assert.equal(md.runImage.reference, `${proxy.host}/base/run@${await v2.digest()}`);
    assert.equal(md.runImage.image, `${proxy.host}/base/run:latest`);
    assert.equal(labels["io.buildpacks.base.released"], "2026-02-01");
    assert.equal(cfg.history?.length, ((await v2.configFile()).history?.length ?? 0) + ((await app.configFile()).history?.length ?? 0) - v1Ids.length);
    assert.deepEqual(r.report.image.tags, [`docker://${proxy.host}/apps/one:1`]);
    assert.equal(r.report.image.digest, await r.image.digest());
  });

  test("refusals: not rebasable, another target, another run image name; --force overrides", async (t) => {
    const { app } = await appOnRun(t, "apps/two");
    const v2 = await runV2();
    const opts = { runImageReference: "x@sha256:" + "0".repeat(64), platformApi: "0.13" };
    const code = (c: string) => (e: unknown) => e instanceof RebaseError && e.code === c;

    const notRebasable = oci.mutate.withLabels(app, { "io.buildpacks.rebasable": "false" });
    await assert.rejects(rebaseImage(notRebasable, v2, opts), code("REBASE_NOT_REBASABLE"));
    await rebaseImage(notRebasable, v2, { ...opts, force: true });

    const arm = oci.mutate.withPlatform(v2, { os: "linux", architecture: "arm64" });
    await assert.rejects(rebaseImage(app, arm, opts), code("REBASE_INCOMPATIBLE"));
    const otherDistro = oci.mutate.withLabels(v2, { "io.buildpacks.base.distro.name": "ubuntu" });
    await assert.rejects(rebaseImage(app, otherDistro, opts), code("REBASE_INCOMPATIBLE"));

    await assert.rejects(rebaseImage(app, v2, { ...opts, runImageName: "elsewhere.example/run:1" }), code("REBASE_RUN_IMAGE_NAME"));
    const forced = await rebaseImage(app, v2, { ...opts, runImageName: "elsewhere.example/run:1", force: true });
    assert.equal(forced.metadata.runImage?.image, "elsewhere.example/run:1");
    assert.equal(forced.metadata.runImage?.mirrors, undefined);
    assert.ok((await rebaseImage(app, v2, { ...opts, runImageName: `${proxy.host}/base/run:latest` })).image);

    // An image without the lifecycle label is not a buildpacks image.
    await assert.rejects(rebaseImage(v2, v2, opts), code("REBASE_NOT_BUILDPACKS"));
    // Images exported with Platform API < 0.12 are checked by stack id.
    const legacy = oci.mutate.withEnv(app, { CNB_PLATFORM_API: "0.11" });
    await assert.rejects(rebaseImage(legacy, oci.mutate.withLabels(v2, { "io.buildpacks.stack.id": "other" }), opts), code("REBASE_INCOMPATIBLE"));
    assert.ok(await rebaseImage(legacy, v2, opts));
  });

  test("targetSatisfiedForRebase", () => {
    const t = (os: string, arch: string, extra: object = {}) => ({ os, arch, ...extra });
    assert.equal(targetSatisfiedForRebase(t("linux", "amd64"), t("linux", "amd64", { distro: { name: "debian", version: "13" } })), true);
    assert.equal(targetSatisfiedForRebase(t("linux", "amd64", { distro: { name: "debian", version: "" } }), t("linux", "amd64", { distro: { name: "debian", version: "13" } })), true);
    assert.equal(targetSatisfiedForRebase(t("linux", "amd64", { distro: { name: "debian", version: "12" } }), t("linux", "amd64", { distro: { name: "debian", version: "13" } })), false);
    assert.equal(targetSatisfiedForRebase(t("linux", "amd64", { distro: { name: "debian", version: "13" } }), t("linux", "amd64")), false);
    assert.equal(targetSatisfiedForRebase(t("linux", "arm64"), t("linux", "amd64")), false);
    assert.equal(targetSatisfiedForRebase(t("linux", "arm", { variant: "v7" }), t("linux", "arm", { variant: "v6" })), false);
    assert.equal(targetSatisfiedForRebase(t("linux", "arm"), t("linux", "arm", { variant: "v6" })), true);
  });
});

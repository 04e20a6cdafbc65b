import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeLaunchPlan } from "../../launcher/index.js";
import * as oci from "../../oci/index.js";
import { tempDir } from "../../testing/index.js";
import { openLayerFactory } from "../layer-cache/index.js";
import { ExportError, exportImage, type ExportInputs } from "./index.js";
import { CNB_GID, CNB_UID, type BuildFixture, layerEntries, makeRunImage, settle, writeBuild, type FixtureOptions } from "../testing/build-fixture.js";

async function setup(t: { after(fn: () => void): void }, opts: FixtureOptions = {}) {
  const tmp = tempDir("paketo-export-");
  t.after(tmp.cleanup);
  const build = writeBuild(join(tmp.path, "build"), opts);
  await settle();
  const layers = openLayerFactory({ dir: join(tmp.path, "layer-cache"), uid: CNB_UID, gid: CNB_GID });
  return { tmp: tmp.path, build, layers, runImage: await makeRunImage() };
}

function inputs(b: BuildFixture, extra: Partial<ExportInputs> & Pick<ExportInputs, "runImage" | "layers">): ExportInputs {
  return {
    layersDir: b.layersDir,
    appDir: b.appDir,
    runImageRef: { reference: "registry.example/run@sha256:" + "a".repeat(64), image: "registry.example/run:base", mirrors: ["mirror.example/run:base"] },
    launcher: { path: b.launcher, version: "0.1.0", source: { repository: "github.com/example/paketo", commit: "abc" } },
    platformApi: "0.13",
    ...extra,
  };
}

const names = (es: Array<{ header: { name: string } }>) => es.map((e) => e.header.name);

test("the image is the run image plus the layers in CNB-43 order, with labels, env and entrypoint", async (t) => {
  const { build, layers, runImage } = await setup(t);
  const r = await exportImage(inputs(build, { runImage, layers }));
  const cfg = await r.image.configFile();
  const runCfg = await runImage.configFile();

  assert.deepEqual(
    cfg.history?.map((h) => h.created_by),
    [
      "run image",
      "Layer: 'node', Created by buildpack: acme/node@1.2.3",
      "Layer: 'modules', Created by buildpack: acme/app@0.1.0",
      "Software Bill-of-Materials",
      "Application Layer",
      "Buildpacks Application Launcher",
      "Buildpacks Launcher Config",
      "Buildpacks Process Types",
    ],
  );
  assert.deepEqual(cfg.rootfs.diff_ids.slice(0, 1), runCfg.rootfs.diff_ids);
  assert.equal(cfg.rootfs.diff_ids.length, 8);
  assert.equal(cfg.created, "1980-01-01T00:00:01Z");
  assert.ok(cfg.history?.slice(1).every((h) => h.created === "1980-01-01T00:00:01Z"));

  // CNB-42 keeps the run image's user and labels; CNB-46 config.
  assert.equal(cfg.config.User, "1002:1000");
  assert.deepEqual(cfg.config.Entrypoint, ["/cnb/process/web"]);
  assert.equal(cfg.config.Cmd, null);
  assert.equal(cfg.config.WorkingDir, "/workspace");
  const env = Object.fromEntries((cfg.config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  assert.equal(env.PATH, "/cnb/process:/cnb/lifecycle:/usr/local/bin:/usr/bin:/bin");
  assert.equal(env.CNB_LAYERS_DIR, "/layers");
  assert.equal(env.CNB_APP_DIR, "/workspace");
  assert.equal(env.CNB_PLATFORM_API, "0.13");
  const labels = cfg.config.Labels ?? {};
  assert.equal(labels["io.buildpacks.base.distro.name"], "debian");
  assert.equal(labels["io.buildpacks.rebasable"], "true");
  assert.equal(labels["org.example.team"], "web");
  assert.equal(labels["io.buildpacks.project.metadata"], "{}");

  // io.buildpacks.lifecycle.metadata: every sha a diffID of the image, in the reference's shape.
  const md = JSON.parse(labels["io.buildpacks.lifecycle.metadata"] as string);
  const ids = cfg.rootfs.diff_ids;
  assert.deepEqual(Object.keys(md), ["app", "sbom", "buildpacks", "config", "launcher", "process-types", "runImage", "stack"]);
  assert.deepEqual(md.app, [{ sha: ids[4] }]);
  assert.deepEqual(md.sbom, { sha: ids[3] });
  assert.deepEqual(md.launcher, { sha: ids[5] });
  assert.deepEqual(md.config, { sha: ids[6] });
  assert.deepEqual(md["process-types"], { sha: ids[7] });
  assert.deepEqual(md.buildpacks, [
    {
      key: "acme/node",
      version: "1.2.3",
      layers: { node: { sha: ids[1], data: { version: "20.1.0" }, build: true, launch: true, cache: true } },
      store: { metadata: { runs: 1 } },
    },
    { key: "acme/app", version: "0.1.0", layers: { modules: { sha: ids[2], data: { lock: "abc" }, build: false, launch: true, cache: false } } },
  ]);
  assert.deepEqual(md.runImage, {
    topLayer: runCfg.rootfs.diff_ids[0],
    reference: "registry.example/run@sha256:" + "a".repeat(64),
    image: "registry.example/run:base",
    mirrors: ["mirror.example/run:base"],
  });
  assert.deepEqual(md.stack, { runImage: { image: "registry.example/run:base", mirrors: ["mirror.example/run:base"] } });

  const bmd = JSON.parse(labels["io.buildpacks.build.metadata"] as string);
  assert.deepEqual(bmd.buildpacks, [
    { id: "acme/node", version: "1.2.3" },
    { id: "acme/app", version: "0.1.0" },
  ]);
  assert.deepEqual(bmd.launcher, { version: "0.1.0", source: { git: { repository: "github.com/example/paketo", commit: "abc" } } });
  assert.deepEqual(bmd.processes[1], { type: "worker", command: ["node", "worker.js"], args: ["--fast"], direct: true, buildpackID: "acme/app" });
  assert.equal(bmd["buildpack-default-process-type"], "web");

  // Layer contents: absolute paths (CNB-44), owners and times (CNB-45).
  const imgLayers = await r.image.layers();
  const node = await layerEntries(imgLayers[1] as oci.Layer);
  assert.deepEqual(names(node), [
    "layers/",
    "layers/acme_node/",
    "layers/acme_node/node/",
    "layers/acme_node/node/bin/",
    "layers/acme_node/node/bin/node",
    "layers/acme_node/node/env/",
    "layers/acme_node/node/env/NODE_HOME.default",
  ]);
  for (const e of node) {
    assert.equal(e.header.uid, CNB_UID, e.header.name);
    assert.equal(e.header.gid, CNB_GID, e.header.name);
    assert.equal(e.header.mtime?.toISOString(), "1980-01-01T00:00:01.000Z");
  }
  assert.equal((node.find((e) => e.header.name === "layers/acme_node/node/bin/node")?.header.mode ?? 0) & 0o777, 0o755);
  assert.deepEqual(names(await layerEntries(imgLayers[3] as oci.Layer)), [
    "layers/",
    "layers/sbom/",
    "layers/sbom/launch/",
    "layers/sbom/launch/acme_node/",
    "layers/sbom/launch/acme_node/node/",
    "layers/sbom/launch/acme_node/node/sbom.cdx.json",
  ]);
  const app = await layerEntries(imgLayers[4] as oci.Layer);
  assert.deepEqual(names(app), [
    "workspace/",
    "workspace/index.js",
    "workspace/lib/",
    "workspace/lib/util.js",
    "workspace/static/",
    "workspace/static/app.css",
    "workspace/static/img/",
    "workspace/static/img/logo.svg",
    "workspace/worker.js",
  ]);
  assert.ok(app.every((e) => e.header.uid === CNB_UID && e.header.gid === CNB_GID));
  const launcher = await layerEntries(imgLayers[5] as oci.Layer);
  assert.deepEqual(
    launcher.map((e) => [e.header.name, e.header.uid, e.header.gid, (e.header.mode ?? 0) & 0o7777]),
    [
      ["cnb/", 0, 0, 0o755],
      ["cnb/lifecycle/", 0, 0, 0o755],
      ["cnb/lifecycle/launcher", 0, 0, 0o755],
    ],
  );
  const config = await layerEntries(imgLayers[6] as oci.Layer);
  assert.deepEqual(names(config), ["layers/", "layers/config/", "layers/config/launcher.cfg", "layers/config/metadata.toml"]);
  const plan = decodeLaunchPlan(config.find((e) => e.header.name.endsWith("launcher.cfg"))?.data ?? Buffer.alloc(0));
  assert.deepEqual(plan.buildpacks, [
    { dir: "acme_node", layers: ["node"] },
    { dir: "acme_app", layers: ["modules"] },
  ]);
  assert.equal(plan.defaultProcess, "web");
  const procs = await layerEntries(imgLayers[7] as oci.Layer);
  assert.deepEqual(
    procs.map((e) => [e.header.name, e.header.type, e.header.linkname ?? null, e.header.uid]),
    [
      ["cnb/", "directory", null, 0],
      ["cnb/process/", "directory", null, 0],
      ["cnb/process/web", "symlink", "/cnb/lifecycle/launcher", 0],
      ["cnb/process/worker", "symlink", "/cnb/lifecycle/launcher", 0],
    ],
  );
  assert.deepEqual(r.stats, { created: 7, reused: 0 });
});

test("the same build in two folders at two times gives the same image digest", async (t) => {
  const a = await setup(t);
  const b = await setup(t);
  // Different mtimes, and the second tree written later.
  const old = new Date("2001-02-03T04:05:06Z");
  utimesSync(join(a.build.appDir, "index.js"), old, old);
  utimesSync(join(a.build.layersDir, "acme_node", "node", "bin", "node"), old, old);
  const ra = await exportImage(inputs(a.build, { runImage: a.runImage, layers: a.layers }));
  const rb = await exportImage(inputs(b.build, { runImage: b.runImage, layers: b.layers }));
  assert.notEqual(a.build.root, b.build.root);
  assert.equal(await ra.image.digest(), await rb.image.digest());
  assert.deepEqual((await ra.image.configFile()).rootfs, (await rb.image.configFile()).rootfs);
});

test("a second export of unchanged files re-tars nothing; a changed layer alone is rebuilt", async (t) => {
  const { build, layers, runImage } = await setup(t);
  const first = await exportImage(inputs(build, { runImage, layers }));
  assert.deepEqual(first.stats, { created: 7, reused: 0 });
  const second = await exportImage(inputs(build, { runImage, layers }));
  assert.deepEqual(second.stats, { created: 0, reused: 7 });
  assert.ok(second.layers.every((l) => l.from === "cached"));
  assert.equal(await second.image.digest(), await first.image.digest());

  writeFileSync(join(build.appDir, "index.js"), "console.log('changed')\n");
  const third = await exportImage(inputs(build, { runImage, layers, previousImage: second.image }));
  assert.deepEqual(third.stats, { created: 1, reused: 6 });
  assert.deepEqual(
    third.layers.filter((l) => l.from === "built").map((l) => l.id),
    ["app"],
  );
  // Same content written again: the files changed (new inode times), the layer bytes did not,
  // so it is tarred once more and then taken from the previous image by diffID.
  writeFileSync(join(build.appDir, "index.js"), "console.log('changed')\n");
  const fourth = await exportImage(inputs(build, { runImage, layers, previousImage: third.image }));
  assert.equal(await fourth.image.digest(), await third.image.digest());
});

test("an app dir copied afresh is recognised by its content", async (t) => {
  const { tmp, build, layers, runImage } = await setup(t);
  const first = await exportImage(inputs(build, { runImage, layers }));
  const copy = join(tmp, "copy");
  cpSync(build.appDir, copy, { recursive: true });
  await settle();
  const second = await exportImage({ ...inputs(build, { runImage, layers }), appDir: copy });
  assert.equal(second.layers.find((l) => l.id === "app")?.from, "cached");
  assert.deepEqual(second.stats, { created: 0, reused: 7 });
  assert.equal(await second.image.digest(), await first.image.digest());
  // Same inode state again: found by the stat key, without reading.
  const third = await exportImage({ ...inputs(build, { runImage, layers }), appDir: copy });
  assert.equal(third.stats.created, 0);
  // Different content: built.
  const other = join(tmp, "other");
  cpSync(build.appDir, other, { recursive: true });
  writeFileSync(join(other, "lib", "util.js"), "exports.x = 2\n");
  await settle();
  const fourth = await exportImage({ ...inputs(build, { runImage, layers }), appDir: other });
  assert.deepEqual(fourth.layers.filter((l) => l.from === "built").map((l) => l.id), ["app"]);
});

test("slices: each slice is one layer, the rest of the app another; an empty slice is an empty layer", async (t) => {
  const { build, layers, runImage } = await setup(t, { slices: [["static/*"], ["nothing/*"], ["lib"]] });
  const r = await exportImage(inputs(build, { runImage, layers }));
  const cfg = await r.image.configFile();
  assert.deepEqual(
    cfg.history?.map((h) => h.created_by).filter((c) => c?.startsWith("Application")),
    ["Application Slice: 1", "Application Slice: 2", "Application Slice: 3", "Application Slice: 4"],
  );
  const ls = await r.image.layers();
  const at = (cfg.history ?? []).findIndex((h) => h.created_by === "Application Slice: 1");
  const slice = async (i: number) => names(await layerEntries(ls[at + i] as oci.Layer));
  assert.deepEqual(await slice(0), ["workspace/", "workspace/static/", "workspace/static/app.css", "workspace/static/img/", "workspace/static/img/logo.svg"]);
  assert.deepEqual(await slice(1), []);
  assert.deepEqual(await slice(2), ["workspace/", "workspace/lib/", "workspace/lib/util.js"]);
  assert.deepEqual(await slice(3), ["workspace/", "workspace/index.js", "workspace/worker.js"]);
  const md = JSON.parse((cfg.config.Labels ?? {})["io.buildpacks.lifecycle.metadata"] as string);
  assert.equal(md.app.length, 4);
});

test("a layer that is a symlink out of the layers dir is refused; one inside is exported as a symlink", async (t) => {
  const { build, layers, runImage } = await setup(t);
  rmSync(join(build.layersDir, "acme_app", "modules"), { recursive: true });
  symlinkSync("/etc", join(build.layersDir, "acme_app", "modules"));
  await assert.rejects(exportImage(inputs(build, { runImage, layers })), (e: unknown) => e instanceof ExportError && e.code === "EXPORT_LAYER_SYMLINK");

  rmSync(join(build.layersDir, "acme_app", "modules"));
  // The SBOM and config folders are never read or written through a link either.
  rmSync(join(build.layersDir, "sbom"), { recursive: true });
  symlinkSync(build.root, join(build.layersDir, "sbom"));
  await assert.rejects(exportImage(inputs(build, { runImage, layers })), (e: unknown) => e instanceof ExportError && e.code === "EXPORT_LAYER_SYMLINK");
  rmSync(join(build.layersDir, "sbom"));
  const config = join(build.layersDir, "config");
  const moved = join(build.root, "config-elsewhere");
  renameSync(config, moved);
  symlinkSync(moved, config);
  await assert.rejects(exportImage(inputs(build, { runImage, layers })), (e: unknown) => e instanceof ExportError && e.code === "EXPORT_LAYER_SYMLINK");
  assert.ok(!existsSync(join(moved, "launcher.cfg")), "nothing was written through the link");
  rmSync(config);
  renameSync(moved, config);

  symlinkSync("../acme_node/node", join(build.layersDir, "acme_app", "modules"));
  const r = await exportImage(inputs(build, { runImage, layers }));
  const modules = await layerEntries((await r.image.layers())[2] as oci.Layer);
  assert.deepEqual(
    modules.map((e) => [e.header.name, e.header.type, e.header.linkname]),
    [
      ["layers/", "directory", null],
      ["layers/acme_app/", "directory", null],
      ["layers/acme_app/modules", "symlink", "../acme_node/node"],
    ],
  );
});

test("a launch layer kept without contents is the previous image's layer, never read", async (t) => {
  const { build, layers, runImage } = await setup(t);
  const first = await exportImage(inputs(build, { runImage, layers }));
  rmSync(join(build.layersDir, "acme_app", "modules"), { recursive: true });

  await assert.rejects(exportImage(inputs(build, { runImage, layers })), (e: unknown) => e instanceof ExportError && e.code === "EXPORT_REUSE");

  // A previous image whose layers cannot be read: reuse must not need their bytes.
  const prev = first.image;
  const unreadable: oci.Image = {
    ...prev,
    layerByDiffId: async (d) => {
      const l = await prev.layerByDiffId(d);
      return { ...l, compressed: () => Promise.reject(new Error("read")), uncompressed: () => Promise.reject(new Error("read")) };
    },
  };
  const second = await exportImage(inputs(build, { runImage, layers, previousImage: unreadable }));
  const info = second.layers.find((l) => l.id === "acme/app:modules");
  assert.equal(info?.from, "previous");
  assert.equal(info?.diffId, first.layers.find((l) => l.id === "acme/app:modules")?.diffId);
  const md = JSON.parse((await second.image.configFile()).config.Labels?.["io.buildpacks.lifecycle.metadata"] as string);
  assert.equal(md.buildpacks[1].layers.modules.sha, info?.diffId);

  // cache=true without contents is an error (CNB-51).
  rmSync(join(build.layersDir, "acme_node", "node"), { recursive: true });
  await assert.rejects(
    exportImage(inputs(build, { runImage, layers, previousImage: prev })),
    (e: unknown) => e instanceof ExportError && e.code === "EXPORT_CACHE_NO_CONTENTS",
  );
});

test("the platform's process type is the entrypoint; without processes the launcher is", async (t) => {
  const { build, layers, runImage } = await setup(t);
  const r = await exportImage(inputs(build, { runImage, layers, processType: "worker" }));
  assert.deepEqual((await r.image.configFile()).config.Entrypoint, ["/cnb/process/worker"]);
  await assert.rejects(
    exportImage(inputs(build, { runImage, layers, processType: "wroker" })),
    (e: unknown) => e instanceof ExportError && e.code === "EXPORT_PROCESS_TYPE" && /web, worker/.test(e.hint ?? ""),
  );

  const bare = await setup(t, { processes: false });
  const r2 = await exportImage(inputs(bare.build, { runImage: bare.runImage, layers: bare.layers }));
  const cfg = await r2.image.configFile();
  assert.deepEqual(cfg.config.Entrypoint, ["/cnb/lifecycle/launcher"]);
  assert.ok(!cfg.history?.some((h) => h.created_by === "Buildpacks Process Types"));
  assert.equal(JSON.parse(cfg.config.Labels?.["io.buildpacks.lifecycle.metadata"] as string)["process-types"], undefined);
});

test("a malformed layer toml fails the export naming the file", async (t) => {
  const { build, layers, runImage } = await setup(t, { layers: { "acme_app/bad.toml": "launch = true\n" } });
  await assert.rejects(exportImage(inputs(build, { runImage, layers })), (e: unknown) => e instanceof ExportError && /bad\.toml/.test(e.message));
  const sym = await setup(t);
  rmSync(join(sym.build.layersDir, "acme_app", "modules.toml"));
  symlinkSync("/etc/hostname", join(sym.build.layersDir, "acme_app", "modules.toml"));
  await assert.rejects(exportImage(inputs(sym.build, { runImage: sym.runImage, layers: sym.layers })), (e: unknown) => e instanceof ExportError && /symlink/.test(e.message));
});

// Buildpackages end to end: fixture buildpacks → images in a real registry, an OCI layout, a .cnb
// file and the local store; labels compared with what the distribution spec and pack write.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILDPACK_LAYERS_LABEL, BUILDPACKAGE_METADATA_LABEL } from "../../cnb/index.js";
import { type Image, transport } from "../../oci/index.js";
import { run, startRegistry, tempDir, type TestRegistry, writeTree } from "../../testing/index.js";
import { readBuildpackage } from "./buildpackage.js";
import { DistributionError } from "./errors.js";
import { packageBuildpack, type PackageBuildpackOptions } from "./package.js";
import type { ImageAccess } from "./source.js";
import { copyFixture, tarEntries } from "./testing/helpers.js";

let registry: TestRegistry;
let tmp: ReturnType<typeof tempDir>;
let access: ImageAccess;
let n = 0;

before(async () => {
  registry = await startRegistry();
  tmp = tempDir();
  access = { storeRoot: join(tmp.path, "store"), env: { HOME: tmp.path }, platform: { os: "linux", architecture: "amd64" } };
});
after(async () => {
  await registry?.stop();
  tmp?.cleanup();
});

function pkg(o: Omit<PackageBuildpackOptions, "images" | "workDir">): ReturnType<typeof packageBuildpack> {
  return packageBuildpack({ images: access, workDir: join(tmp.path, `work-${n++}`), ...o });
}

async function labels(img: Image): Promise<{ metadata: unknown; layers: unknown }> {
  const l = (await img.configFile()).config.Labels ?? {};
  return { metadata: JSON.parse(l[BUILDPACKAGE_METADATA_LABEL] as string), layers: JSON.parse(l[BUILDPACK_LAYERS_LABEL] as string) };
}

test("a component buildpack packages into one layer with the labels pack writes", async () => {
  const dir = copyFixture("hello", join(tmp.path, "hello-1"));
  const r = await pkg({ path: dir, dest: `docker://${registry.host}/tests/hello:0.0.1` });
  const [layer] = await r.image.layers();
  assert.ok(layer);
  assert.equal((await r.image.layers()).length, 1);
  const diffId = await layer.diffId();
  assert.deepEqual(await labels(r.image), {
    metadata: {
      id: "tests/hello",
      name: "Hello Buildpack",
      version: "0.0.1",
      description: "Says hello",
      homepage: "https://example.com/hello",
      keywords: ["hello", "test"],
      licenses: [{ type: "Apache-2.0" }],
      stacks: [{ id: "*" }],
    },
    layers: {
      "tests/hello": {
        "0.0.1": { api: "0.10", targets: [{ os: "linux", arch: "" }], layerDiffID: diffId, homepage: "https://example.com/hello", name: "Hello Buildpack" },
      },
    },
  });
  const config = await r.image.configFile();
  assert.equal(config.os, "linux");
  assert.equal(config.created, "1980-01-01T00:00:01Z");
  const names = (await tarEntries(layer)).map((e) => e.name);
  assert.ok(names.includes("cnb/buildpacks/tests_hello/0.0.1/bin/build"));
  assert.ok(names.every((x) => x.startsWith("cnb/")));

  // The registry has it, and skopeo reads it.
  const inspected = JSON.parse(run("skopeo", ["inspect", "--tls-verify=false", `docker://${registry.host}/tests/hello:0.0.1`])) as { Digest: string; Labels: Record<string, string> };
  assert.equal(inspected.Digest, r.digest);
  assert.deepEqual(JSON.parse(inspected.Labels[BUILDPACKAGE_METADATA_LABEL] as string), (await labels(r.image)).metadata);

  // Reading it back gives the buildpack and its layer.
  const back = await readBuildpackage(r.image, r.destination);
  assert.equal(back.main.id, "tests/hello");
  assert.equal(back.buildpacks.length, 1);
  assert.equal(await back.main.layer.digest(), await layer.digest());
});

test("packaging is reproducible: two folders at two times, two transports, one digest", async () => {
  const a = copyFixture("meta", join(tmp.path, "repro-a/meta"));
  copyFixture("hello", join(tmp.path, "repro-a/hello"));
  copyFixture("world", join(tmp.path, "repro-a/world"));
  const b = copyFixture("meta", join(tmp.path, "elsewhere/b/meta"));
  copyFixture("hello", join(tmp.path, "elsewhere/b/hello"));
  copyFixture("world", join(tmp.path, "elsewhere/b/world"));
  const ra = await pkg({ config: join(a, "package.toml"), dest: `oci:${join(tmp.path, "layout-a")}:meta` });
  await new Promise((r) => setTimeout(r, 1100));
  const rb = await pkg({ config: join(b, "package.toml"), dest: "tests/meta:1.0.0" });
  assert.equal(ra.digest, rb.digest);
  assert.equal((await ra.image.layers()).length, 3);
  // umoci and skopeo accept the layout.
  const inspected = JSON.parse(run("skopeo", ["inspect", `oci:${join(tmp.path, "layout-a")}:meta`])) as { Digest: string };
  assert.equal(inspected.Digest, ra.digest);
});

test("a composite takes dependencies from a folder and from a buildpackage in a registry, reusing its layer", async () => {
  const world = copyFixture("world", join(tmp.path, "comp/world"));
  const worldPkg = await pkg({ path: world, dest: `docker://${registry.host}/tests/world:1.2.3` });
  const [worldLayer] = await worldPkg.image.layers();
  assert.ok(worldLayer);

  const meta = copyFixture("meta", join(tmp.path, "comp/meta"));
  copyFixture("hello", join(tmp.path, "comp/hello"));
  const config = join(tmp.path, "comp/package.toml");
  writeFileSync(config, `[buildpack]\nuri = "meta"\n\n[[dependencies]]\nuri = "hello"\n\n[[dependencies]]\nuri = "docker://${registry.host}/tests/world:1.2.3"\n`);
  const r = await pkg({ config, dest: `docker://${registry.host}/tests/meta:1.0.0` });
  assert.ok(meta);
  const layers = await r.image.layers();
  assert.equal(layers.length, 3);
  const diffIds = await Promise.all(layers.map((l) => l.diffId()));
  const back = await readBuildpackage(r.image, r.destination);
  const byName = new Map(back.buildpacks.map((b) => [`${b.id}@${b.version}`, b]));
  const hello = byName.get("tests/hello@0.0.1");
  const worldBp = byName.get("tests/world@1.2.3");
  const metaBp = byName.get("tests/meta@1.0.0");
  assert.ok(hello && worldBp && metaBp);
  // The world layer is the buildpackage's blob, byte for byte.
  assert.equal(await worldBp.layer.digest(), await worldLayer.digest());
  assert.deepEqual(await labels(r.image), {
    metadata: { id: "tests/meta", name: "Meta Buildpack", version: "1.0.0", homepage: "https://example.com/meta", stacks: [{ id: "*" }] },
    layers: {
      "tests/hello": {
        "0.0.1": { api: "0.10", targets: [{ os: "linux", arch: "" }], layerDiffID: await hello.layer.diffId(), homepage: "https://example.com/hello", name: "Hello Buildpack" },
      },
      "tests/meta": {
        "1.0.0": {
          api: "0.10",
          order: [{ group: [{ id: "tests/hello", version: "0.0.1" }, { id: "tests/world", version: "1.2.3", optional: true }] }],
          layerDiffID: await metaBp.layer.diffId(),
          homepage: "https://example.com/meta",
          name: "Meta Buildpack",
        },
      },
      "tests/world": { "1.2.3": { api: "0.7", stacks: [{ id: "*" }], layerDiffID: await worldBp.layer.diffId(), name: "World Buildpack" } },
    },
  });
  // Layers are in id@version order, one buildpack each.
  assert.deepEqual(diffIds, [await hello.layer.diffId(), await metaBp.layer.diffId(), await worldBp.layer.diffId()]);
  for (const [i, l] of layers.entries()) {
    const roots = new Set((await tarEntries(l)).map((e) => e.name.replace(/\/$/, "").split("/").slice(0, 4).join("/")).filter((x) => x.split("/").length === 4));
    assert.deepEqual([...roots], [["cnb/buildpacks/tests_hello/0.0.1", "cnb/buildpacks/tests_meta/1.0.0", "cnb/buildpacks/tests_world/1.2.3"][i]]);
  }
  const inspected = JSON.parse(run("skopeo", ["inspect", "--tls-verify=false", `docker://${registry.host}/tests/meta:1.0.0`])) as { Layers: string[] };
  assert.equal(inspected.Layers.length, 3);
});

test("--format file writes a .cnb (an OCI archive) that reads back as the same buildpackage", async () => {
  const dir = copyFixture("world", join(tmp.path, "file/world"));
  const r = await pkg({ path: dir, dest: join(tmp.path, "file/world"), format: "file" });
  assert.equal(r.destination, `oci-archive:${join(tmp.path, "file/world.cnb")}`);
  const inspected = JSON.parse(run("skopeo", ["inspect", r.destination])) as { Digest: string; Labels: Record<string, string> };
  assert.equal(inspected.Digest, r.digest);
  // An uncompressed tar holding an OCI layout.
  const listing = run("tar", ["-tf", join(tmp.path, "file/world.cnb")]);
  assert.match(listing, /oci-layout/);
  const a = await transport.read(r.destination, access);
  assert.equal(a.kind, "image");
  if (a.kind === "image") assert.equal((await readBuildpackage(a.image, r.destination)).main.id, "tests/world");
});

test("a composite whose order names a buildpack not in the package is refused, naming both", async () => {
  const meta = copyFixture("meta", join(tmp.path, "missing/meta"));
  copyFixture("hello", join(tmp.path, "missing/hello"));
  const config = join(tmp.path, "missing/package.toml");
  writeFileSync(config, '[buildpack]\nuri = "meta"\n[[dependencies]]\nuri = "hello"\n');
  assert.ok(meta);
  await assert.rejects(
    pkg({ config, dest: "tests/missing" }),
    (e: unknown) => e instanceof DistributionError && e.code === "DIST_PACKAGE" && /tests\/meta@1.0.0 needs tests\/world@1.2.3, which is not in the package/.test(e.message),
  );
});

test("a dependency no order uses is refused", async () => {
  copyFixture("hello", join(tmp.path, "unused/hello"));
  copyFixture("world", join(tmp.path, "unused/world"));
  const config = join(tmp.path, "unused/package.toml");
  writeFileSync(config, '[buildpack]\nuri = "hello"\n[[dependencies]]\nuri = "world"\n');
  await assert.rejects(pkg({ config, dest: "tests/unused" }), /buildpack tests\/world@1.2.3 is in the package but no order of tests\/hello@0.0.1 uses it/);
});

test("package.toml errors name the file and the field", async () => {
  const config = join(tmp.path, "bad-package.toml");
  writeFileSync(config, '[buildpack]\nuri = "."\n[[dependencies]]\nversion = "1"\n');
  await assert.rejects(pkg({ config, dest: "tests/bad" }), (e: unknown) => e instanceof Error && e.message.startsWith(`${config}: dependencies[0]`));
  writeFileSync(config, '[buildpack]\nuri = "./nowhere"\n');
  await assert.rejects(pkg({ config, dest: "tests/bad" }), (e: unknown) => e instanceof Error && e.message.includes(`${config}: buildpack.uri: "./nowhere" names`));
  writeFileSync(config, '[buildpack]\nuri = "urn:cnb:registry:x/y@1.0.0"\n');
  await assert.rejects(pkg({ config, dest: "tests/bad" }), /buildpack registry reference/);
});

test("a buildpack laid out per platform (buildpack.toml + linux/<arch>/bin) packages as pack does: one image per platform, each folder the buildpack's root", async () => {
  const dir = join(tmp.path, "multi");
  const script = (arch: string) => ({ content: `#!/usr/bin/env bash\necho "multi ${arch}"\n`, mode: 0o755 });
  writeTree(dir, {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "tests/multi"\nversion = "1.0.0"\n[[targets]]\nos = "linux"\narch = "amd64"\n[[targets]]\nos = "linux"\narch = "arm64"\n',
    "linux/amd64/bin/detect": script("amd64"),
    "linux/amd64/bin/build": script("amd64"),
    "linux/arm64/bin/detect": script("arm64"),
    "linux/arm64/bin/build": script("arm64"),
  });
  const dest = `oci:${join(tmp.path, "multi-layout")}:1.0.0`;
  const r = await pkg({ path: dir, dest });
  assert.deepEqual(r.platforms, ["linux/amd64", "linux/arm64"]);
  const written = await transport.read(dest, access);
  assert.equal(written.kind, "index");
  assert.ok(written.kind === "index");
  const manifests = (await written.index.indexManifest()).manifests;
  assert.deepEqual(
    manifests.map((m) => m.platform),
    [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
    ],
  );
  for (const [i, arch] of ["amd64", "arm64"].entries()) {
    const img = await written.index.image(manifests[i]!.digest);
    assert.equal((await img.configFile()).architecture, arch);
    const [layer] = await img.layers();
    const entries = await tarEntries(layer!);
    const root = "cnb/buildpacks/tests_multi/1.0.0";
    assert.deepEqual(entries.filter((e) => e.type === "file").map((e) => e.name).sort(), [`${root}/bin/build`, `${root}/bin/detect`, `${root}/buildpack.toml`], "the platform folder is the root; nothing stays nested");
    assert.equal(entries.find((e) => e.name === `${root}/bin/build`)?.content, `#!/usr/bin/env bash\necho "multi ${arch}"\n`);
    assert.equal((await readBuildpackage(img, dest)).main.id, "tests/multi");
  }
  // One platform asked for: that platform's image alone.
  const one = await pkg({ path: dir, dest: `oci:${join(tmp.path, "multi-arm64")}:1.0.0`, platform: { os: "linux", architecture: "arm64" } });
  assert.deepEqual(one.platforms, ["linux/arm64"]);
  assert.equal((await transport.read(one.destination, access)).kind, "image");
});

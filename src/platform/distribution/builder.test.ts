// Builders end to end: builder.toml with buildpacks from folders and from a buildpackage in a real
// registry, a small build image from the local store, the launcher compiled with the host gcc.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  BUILDER_METADATA_LABEL,
  BUILDPACK_APIS,
  BUILDPACK_LAYERS_LABEL,
  BUILDPACK_ORDER_LABEL,
  parseOrderToml,
  parseRunToml,
  parseStackToml,
  PLATFORM_APIS,
} from "../../cnb/index.js";
import { type Image, mutate, transport } from "../../oci/index.js";
import { run, startRegistry, tempDir, type TestRegistry } from "../../testing/index.js";
import { createBuilder, type CreateBuilderOptions } from "./builder-create.js";
import { readBuilder } from "./builder-read.js";
import { DistributionError } from "./errors.js";
import { readImageFile } from "./image-files.js";
import { packageBuildpack } from "./package.js";
import type { ImageAccess } from "./source.js";
import { copyFixture, hostLauncher, imageFiles, makeBuildImage } from "./testing/helpers.js";

let registry: TestRegistry;
let tmp: ReturnType<typeof tempDir>;
let access: ImageAccess;
let launcher: string;
let worldPkgLayerDigest: string;
let n = 0;

const RUN = "registry.example.com/tests/run:1";
const MIRROR = "mirror.example.com/tests/run:1";
const TINY = "registry.example.com/tests/run-tiny:1";

function builderToml(extra = ""): string {
  return `description = "Test builder"

[[buildpacks]]
  uri = "hello"

[[buildpacks]]
  uri = "docker://${registry.host}/tests/world:1.2.3"

[[buildpacks]]
  uri = "meta"

[[order]]
  [[order.group]]
    id = "tests/meta"

[[order]]
  [[order.group]]
    id = "tests/hello"
    version = "0.0.1"
  [[order.group]]
    id = "tests/world"
    optional = true

[build]
  image = "tests/build:1"

  [[build.env]]
    name = "BP_FOO"
    value = "bar"
    suffix = "default"

[[run.images]]
  image = "${RUN}"
  mirrors = ["${MIRROR}"]

[[run.images]]
  image = "${TINY}"

[lifecycle]
  version = "0.20.0"
${extra}`;
}

/** A folder with the fixture buildpacks and a builder.toml; returns the builder.toml path. */
function project(name: string, toml: string): string {
  const dir = join(tmp.path, name);
  copyFixture("hello", join(dir, "hello"));
  copyFixture("meta", join(dir, "meta"));
  writeFileSync(join(dir, "builder.toml"), toml);
  return join(dir, "builder.toml");
}

function create(o: Partial<CreateBuilderOptions> & Pick<CreateBuilderOptions, "config" | "dest">): ReturnType<typeof createBuilder> {
  return createBuilder({ images: access, workDir: join(tmp.path, `work-${n++}`), launcher, ...o });
}

before(async () => {
  registry = await startRegistry();
  tmp = tempDir();
  access = { storeRoot: join(tmp.path, "store"), env: { HOME: tmp.path } };
  launcher = await hostLauncher(join(tmp.path, "launcher"), join(tmp.path, "launcher-cache"));
  const build = await makeBuildImage(join(tmp.path, "build-image"));
  await transport.write("tests/build:1", { kind: "image", image: build }, access);
  const world = copyFixture("world", join(tmp.path, "world"));
  const p = await packageBuildpack({ path: world, dest: `docker://${registry.host}/tests/world:1.2.3`, images: access, workDir: join(tmp.path, "work-pkg") });
  worldPkgLayerDigest = await ((await p.image.layers())[0] as NonNullable<Awaited<ReturnType<Image["layers"]>>[0]>).digest();
});
after(async () => {
  await registry?.stop();
  tmp?.cleanup();
});

test("a builder from builder.toml: labels, files, launcher, order, run images", async () => {
  const notes: string[] = [];
  const config = project("b1", builderToml());
  const r = await create({ config, dest: `docker://${registry.host}/tests/builder:1`, onMessage: (l) => notes.push(l) });
  assert.ok(notes.some((l) => /\[lifecycle\] is ignored/.test(l)), notes.join("\n"));

  const cfg = await r.image.configFile();
  const labels = cfg.config.Labels ?? {};
  const layers = await r.image.layers();
  // build image (1) + dirs + lifecycle + 3 buildpacks + order + stack + run + build-config env
  assert.equal(layers.length, 10);
  const bpLayers = JSON.parse(labels[BUILDPACK_LAYERS_LABEL] as string) as Record<string, Record<string, { layerDiffID: string }>>;
  const diffIds = await Promise.all(layers.map((l) => l.diffId()));
  assert.deepEqual(diffIds.slice(3, 6), [
    bpLayers["tests/hello"]?.["0.0.1"]?.layerDiffID,
    bpLayers["tests/meta"]?.["1.0.0"]?.layerDiffID,
    bpLayers["tests/world"]?.["1.2.3"]?.layerDiffID,
  ]);
  // The buildpackage's layer is reused as it is.
  assert.equal(await layers[5]?.digest(), worldPkgLayerDigest);

  const apis = (vs: readonly string[]) => ({ deprecated: [], supported: [...vs] });
  assert.deepEqual(JSON.parse(labels[BUILDER_METADATA_LABEL] as string), {
    description: "Test builder",
    buildpacks: [
      {
        id: "tests/hello",
        name: "Hello Buildpack",
        version: "0.0.1",
        description: "Says hello",
        homepage: "https://example.com/hello",
        keywords: ["hello", "test"],
        licenses: [{ type: "Apache-2.0" }],
      },
      { id: "tests/world", name: "World Buildpack", version: "1.2.3" },
      { id: "tests/meta", name: "Meta Buildpack", version: "1.0.0", homepage: "https://example.com/meta" },
    ],
    extensions: [],
    stack: { runImage: { image: RUN, mirrors: [MIRROR] } },
    lifecycle: { version: "0.1.0", api: { buildpack: "0.7", platform: "0.7" }, apis: { buildpack: apis(BUILDPACK_APIS), platform: apis(PLATFORM_APIS) } },
    createdBy: { name: "paketo", version: "0.1.0" },
    images: [
      { image: RUN, mirrors: [MIRROR] },
      { image: TINY, mirrors: [] },
    ],
  });
  const order = [
    { group: [{ id: "tests/meta", version: "1.0.0" }] },
    { group: [{ id: "tests/hello", version: "0.0.1" }, { id: "tests/world", version: "1.2.3", optional: true }] },
  ];
  assert.deepEqual(JSON.parse(labels[BUILDPACK_ORDER_LABEL] as string), order);
  assert.equal(labels["org.example.kept"], "yes");
  assert.equal(labels["io.buildpacks.stack.id"], "tests.stack");
  assert.equal(cfg.config.User, "1001:1000");
  assert.deepEqual(cfg.config.Env, ["PATH=/usr/local/bin:/usr/bin:/bin", "CNB_USER_ID=1001", "CNB_GROUP_ID=1000"]);
  assert.equal(cfg.config.WorkingDir, "/layers");
  assert.equal(cfg.created, "1980-01-01T00:00:01Z");

  const files = await imageFiles(r.image);
  const file = (p: string) => {
    const e = files.get(p);
    assert.ok(e, `${p} is in the builder`);
    return e;
  };
  assert.deepEqual(parseOrderToml(file("cnb/order.toml").content ?? "").order, order.map((g) => ({ group: g.group.map((e) => ({ optional: false, ...e })) })));
  assert.deepEqual(parseRunToml(file("cnb/run.toml").content ?? ""), { images: [{ image: RUN, mirrors: [MIRROR] }, { image: TINY, mirrors: [] }] });
  assert.deepEqual(parseStackToml(file("cnb/stack.toml").content ?? ""), { runImage: { image: RUN, mirrors: [MIRROR] } });
  assert.equal(file("cnb/build-config/env/BP_FOO.default").content, "bar");
  const l = file("cnb/lifecycle/launcher");
  assert.equal(l.mode, 0o755);
  assert.equal(l.uid, 0);
  assert.equal(l.type, "file");
  assert.equal(file("lifecycle").linkname, "/cnb/lifecycle");
  for (const p of ["workspace", "layers"]) assert.deepEqual([file(p).uid, file(p).gid, file(p).mode], [1001, 1000, 0o755], p);
  for (const p of ["cnb", "cnb/buildpacks", "cnb/extensions", "platform", "platform/env", "cnb/build-config/env"]) assert.deepEqual([file(p).uid, file(p).type], [0, "directory"], p);
  assert.equal(file("cnb/buildpacks/tests_hello/0.0.1/bin/build").mode, 0o755);
  assert.equal(file("cnb/buildpacks/tests_world/1.2.3/buildpack.toml").mode, 0o644);
  assert.equal(file("etc/passwd").type, "file");

  // The launcher in the image is the binary given, byte for byte.
  const inImage = await readImageFile(r.image, "/cnb/lifecycle/launcher", { maxBytes: 16 << 20 });
  assert.ok(inImage);
  assert.equal(createHash("sha256").update(inImage).digest("hex"), createHash("sha256").update(readFileSync(launcher)).digest("hex"));
  assert.deepEqual([...inImage.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);

  // skopeo reads the builder from the registry.
  const inspected = JSON.parse(run("skopeo", ["inspect", "--tls-verify=false", `docker://${registry.host}/tests/builder:1`])) as { Digest: string; Labels: Record<string, string>; Layers: string[] };
  assert.equal(inspected.Digest, r.digest);
  assert.equal(inspected.Layers.length, 10);
  assert.ok(inspected.Labels[BUILDER_METADATA_LABEL]);
});

test("readBuilder round-trips what createBuilder wrote, from the registry", async () => {
  const config = project("b2", builderToml());
  const r = await create({ config, dest: `docker://${registry.host}/tests/builder:2` });
  const pulled = await transport.read(`docker://${registry.host}/tests/builder:2`, access);
  assert.equal(pulled.kind, "image");
  if (pulled.kind !== "image") return;
  const info = await readBuilder(pulled.image, "builder:2");
  assert.deepEqual(info, r.builder);
  assert.deepEqual(
    info.buildpacks.map((b) => [b.id, b.version, b.api, b.path]),
    [
      ["tests/hello", "0.0.1", "0.10", "/cnb/buildpacks/tests_hello/0.0.1"],
      ["tests/meta", "1.0.0", "0.10", "/cnb/buildpacks/tests_meta/1.0.0"],
      ["tests/world", "1.2.3", "0.7", "/cnb/buildpacks/tests_world/1.2.3"],
    ],
  );
  const diffIds = new Set((await pulled.image.configFile()).rootfs.diff_ids);
  for (const b of info.buildpacks) assert.ok(diffIds.has(b.layerDiffId));
  assert.deepEqual(info.order, [
    { group: [{ id: "tests/meta", version: "1.0.0", optional: false }] },
    { group: [{ id: "tests/hello", version: "0.0.1", optional: false }, { id: "tests/world", version: "1.2.3", optional: true }] },
  ]);
  assert.deepEqual(info.runImages, [{ image: RUN, mirrors: [MIRROR] }, { image: TINY, mirrors: [] }]);
  assert.deepEqual({ user: info.build.user, uid: info.build.uid, gid: info.build.gid }, { user: "1001:1000", uid: 1001, gid: 1000 });
  assert.equal(info.build.env.CNB_USER_ID, "1001");
  assert.deepEqual(info.lifecycle.apis.platform.supported, [...PLATFORM_APIS]);
  assert.equal(info.stackId, "tests.stack");
  assert.equal(info.buildpacks.find((b) => b.id === "tests/meta")?.order.length, 1);
});

test("readBuilder resolves a pack-style order (versions left out, or only /cnb/order.toml)", async () => {
  const config = project("b3", builderToml());
  const r = await create({ config, dest: "tests/builder:3" });
  const unversioned = mutate.withLabels(r.image, { [BUILDPACK_ORDER_LABEL]: JSON.stringify([{ group: [{ id: "tests/hello" }, { id: "tests/world", optional: true }] }]) });
  const a = await readBuilder(unversioned, "unversioned");
  assert.deepEqual(a.order, [{ group: [{ id: "tests/hello", version: "0.0.1", optional: false }, { id: "tests/world", version: "1.2.3", optional: true }] }]);
  const noLabel = mutate.withLabels(r.image, { [BUILDPACK_ORDER_LABEL]: undefined });
  const b = await readBuilder(noLabel, "no-order-label");
  assert.deepEqual(b.order, r.builder.order);
  await assert.rejects(readBuilder(await makeBuildImage(join(tmp.path, "plain")), "plain"), /plain is not a builder/);
});

test("builders are reproducible: the same inputs in another folder give the same digest", async () => {
  const a = await create({ config: project("r1", builderToml()), dest: `oci:${join(tmp.path, "builder-layout")}:a` });
  await new Promise((r) => setTimeout(r, 1100));
  const b = await create({ config: project("elsewhere/r2", builderToml()), dest: "tests/builder:r2" });
  assert.equal(a.digest, b.digest);
  const inspected = JSON.parse(run("skopeo", ["inspect", `oci:${join(tmp.path, "builder-layout")}:a`])) as { Digest: string };
  assert.equal(inspected.Digest, a.digest);
});

test("a build image that runs as root, or has no CNB_USER_ID, is refused", async () => {
  const cases: Array<[string, Parameters<typeof makeBuildImage>[1], RegExp]> = [
    ["root", { user: "root" }, /runs as root \(User "root"\)/],
    ["nouser", { user: "" }, /runs as root \(User ""\)/],
    ["uid0", { user: "0:0" }, /runs as root/],
    ["noenv", { env: { PATH: "/bin", CNB_GROUP_ID: "1000" } }, /has no CNB_USER_ID in its Env/],
    ["badenv", { env: { CNB_USER_ID: "cnb", CNB_GROUP_ID: "1000" } }, /CNB_USER_ID="cnb" is not a number/],
  ];
  for (const [name, opts, want] of cases) {
    await transport.write(`tests/build-${name}:1`, { kind: "image", image: await makeBuildImage(join(tmp.path, `bi-${name}`), opts) }, access);
    const config = project(`root-${name}`, builderToml().replace('image = "tests/build:1"', `image = "tests/build-${name}:1"`));
    await assert.rejects(
      create({ config, dest: "tests/never" }),
      (e: unknown) => e instanceof DistributionError && e.code === "DIST_BUILD_IMAGE" && want.test(e.message) && e.message.includes(`tests/build-${name}:1`),
      name,
    );
  }
});

test("bad builder.toml: one clear error naming the file and the field", async () => {
  const cases: Array<[string, string, string]> = [
    ["unknown-order", builderToml().replace('id = "tests/meta"', 'id = "tests/nope"'), 'order[0].group[0].id: buildpack "tests/nope" is not on the builder'],
    ["wrong-version", builderToml().replace('version = "0.0.1"', 'version = "9.9.9"'), "order[1].group[0].version: tests/hello@9.9.9 is not on the builder"],
    ["missing-uri", builderToml().replace('uri = "meta"', 'version = "1.0.0"'), "buildpacks[2].uri: is required"],
    ["id-only", builderToml().replace('uri = "meta"', 'id = "tests/other"'), "buildpacks[2].uri: is required: no other entry brings tests/other"],
    ["id-mismatch", builderToml().replace('uri = "meta"', 'uri = "meta"\n  id = "tests/other"'), 'buildpacks[2].id: "tests/other" does not match buildpack tests/meta@1.0.0'],
    ["no-build-image", builderToml().replace('image = "tests/build:1"', ""), "build.image: is required"],
    ["bad-path", builderToml().replace('uri = "hello"', 'uri = "./hallo"'), 'buildpacks[0].uri: "./hallo" names'],
    ["extensions", builderToml('\n[[extensions]]\n  uri = "ext"\n'), "extensions[0]: an image extension is not supported"],
  ];
  for (const [name, toml, want] of cases) {
    const config = project(`bad-${name}`, toml);
    await assert.rejects(
      create({ config, dest: "tests/never" }),
      (e: unknown) => e instanceof Error && e.message.startsWith(`${config}: `) && e.message.includes(want),
      `${name}: wanted "${config}: ...${want}"`,
    );
  }
  // id-only entries are fine when another entry brings the buildpack (a buildpackage's dependency).
  const ok = project("id-ok", builderToml().replace('[[buildpacks]]\n  uri = "meta"', '[[buildpacks]]\n  uri = "meta"\n\n[[buildpacks]]\n  id = "tests/world"\n  version = "1.2.3"'));
  await create({ config: ok, dest: "tests/builder:id-ok" });
});

test("the pull policy decides where a docker:// buildpackage comes from", async () => {
  const config = project("pull", builderToml());
  await assert.rejects(create({ config, dest: "tests/never", images: { ...access, pullPolicy: "never" } }), /is not in the local store, and the pull policy is never/);
  await transport.copy(`docker://${registry.host}/tests/world:1.2.3`, `${registry.host}/tests/world:1.2.3`, access);
  const r = await create({ config, dest: "tests/builder:pull", images: { ...access, pullPolicy: "never" } });
  assert.equal(r.builder.buildpacks.length, 3);
  // A bare name that is neither a folder nor an image: the error says both.
  const typo = project("typo", builderToml().replace('uri = "hello"', 'uri = "hallo"'));
  await assert.rejects(
    create({ config: typo, dest: "tests/never", images: { ...access, pullPolicy: "never" } }),
    (e: unknown) => e instanceof DistributionError && e.message.startsWith(`${typo}: buildpacks[0].uri: "hallo" is no file or folder under`) && /not in the local store/.test(e.message),
  );
});

test("a legacy [stack] table gives the run image, stack.toml and the stack id check", async () => {
  const legacy = (id: string) =>
    builderToml()
      .replace(/\[build\]\n  image = "tests\/build:1"\n/, "[build]\n")
      .replace(/\[\[run\.images\]\][\s\S]*?\[lifecycle\]/, `[stack]\n  id = "${id}"\n  build-image = "tests/build:1"\n  run-image = "${RUN}"\n  run-image-mirrors = ["${MIRROR}"]\n\n[lifecycle]`);
  const r = await create({ config: project("legacy", legacy("tests.stack")), dest: "tests/builder:legacy" });
  assert.deepEqual(r.builder.runImages, [{ image: RUN, mirrors: [MIRROR] }]);
  const files = await imageFiles(r.image);
  assert.deepEqual(parseStackToml(files.get("cnb/stack.toml")?.content ?? ""), { runImage: { image: RUN, mirrors: [MIRROR] } });
  await assert.rejects(
    create({ config: project("legacy-bad", legacy("tests.other")), dest: "tests/never" }),
    /stack tests.other of the builder config does not match stack tests.stack of build image tests\/build:1/,
  );
});

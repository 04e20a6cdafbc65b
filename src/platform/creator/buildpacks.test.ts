import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { createBuildLog } from "../../lifecycle/index.js";
import { tempDir, writeTree } from "../../testing/index.js";
import type { BuilderInfo, ImageAccess } from "../distribution/index.js";
import { type BuildpackRef, parseBuildpackArg, planBuildpacks, projectBuildpackRef } from "./buildpacks.js";

/** What planBuildpacks reads of a builder: its buildpacks and order. */
function builder(bps: Array<[string, string]>, order: Array<Array<[string, string]>>): BuilderInfo {
  return {
    buildpacks: bps.map(([id, version]) => ({ id, version })),
    order: order.map((g) => ({ group: g.map(([id, version]) => ({ id, version, optional: false })) })),
  } as unknown as BuilderInfo;
}

function setup(t: { after: (f: () => void) => void }) {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const rootfs = writeTree(join(tmp.path, "rootfs"), {
    "cnb/buildpacks/test_a/1.0.0/buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/a"\nversion = "1.0.0"\n',
    "cnb/buildpacks/test_a/1.0.0/bin/build": { content: "#!/bin/sh\n", mode: 0o755 },
    "cnb/buildpacks/test_a/1.0.0/bin/detect": { symlink: "build" },
    "cnb/buildpacks/test_a/2.0.0/buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/a"\nversion = "2.0.0"\n',
    "cnb/buildpacks/test_b/1.0.0/buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/b"\nversion = "1.0.0"\n',
  });
  const info = builder(
    [
      ["test/a", "1.0.0"],
      ["test/a", "2.0.0"],
      ["test/b", "1.0.0"],
    ],
    [[["test/a", "2.0.0"], ["test/b", "1.0.0"]], [["test/b", "1.0.0"]]],
  );
  const out: string[] = [];
  const log = createBuildLog({ sink: (s) => out.push(s), verbose: true });
  const base = { builder: info, rootfs, workDir: join(tmp.path, "work"), images: { storeRoot: join(tmp.path, "store"), env: {} } as ImageAccess, log };
  return { tmp, rootfs, info, base, out };
}

test("--buildpack values: paths and transports are sources, ID[@VERSION] of the builder is the builder's, other names are images", async (t) => {
  const { tmp, info } = setup(t);
  writeTree(join(tmp.path, "cwd"), { "local/buildpack.toml": "" });
  const cwd = join(tmp.path, "cwd");
  const kind = async (a: string) => {
    const r = await parseBuildpackArg(a, cwd, info, 0);
    return r.kind === "builder" ? `builder ${r.id}${r.version ? `@${r.version}` : ""}` : `${r.kind} ${"uri" in r ? r.uri : ""}`;
  };
  assert.equal(await kind("test/a"), "builder test/a");
  assert.equal(await kind("test/a@2.0.0"), "builder test/a@2.0.0");
  assert.equal(await kind("test/zzz@1.0.0"), "builder test/zzz@1.0.0"); // not on the builder: an error when resolved
  assert.equal(await kind("local"), "uri local"); // an existing folder
  assert.equal(await kind("./bp.tgz"), "uri ./bp.tgz");
  assert.equal(await kind("docker://example.com/bp:1"), "uri docker://example.com/bp:1");
  assert.equal(await kind("paketo-buildpacks/nodejs"), "uri paketo-buildpacks/nodejs"); // not on the builder: an image name
  assert.equal(await kind("pkg:1"), "uri pkg:1");
  await assert.rejects(parseBuildpackArg("", cwd, info, 2), /--buildpack #3 is empty/);
});

test("no buildpacks named: the builder's order, its own buildpacks dir; pre and post go around every group once", async (t) => {
  const { base } = setup(t);
  const plain = await planBuildpacks({ ...base, group: [] });
  assert.equal(plain.buildpacksDir, undefined);
  assert.deepEqual(plain.order, base.builder.order);
  const pre: BuildpackRef[] = [{ kind: "builder", id: "test/b", where: "pre" }];
  const post: BuildpackRef[] = [{ kind: "builder", id: "test/a", version: "1.0.0", where: "post" }];
  const wrapped = await planBuildpacks({ ...base, group: [], pre, post });
  assert.deepEqual(
    wrapped.order.map((g) => g.group.map((e) => `${e.id}@${e.version}`)),
    [
      ["test/a@2.0.0", "test/b@1.0.0"], // both ids already in the group
      ["test/b@1.0.0", "test/a@1.0.0"],
    ],
  );
});

test("builder ids: one version, or the one the order uses; several without a choice is an error naming them", async (t) => {
  const { base } = setup(t);
  const one = await planBuildpacks({ ...base, group: [{ kind: "builder", id: "test/a", where: "--buildpack test/a" }] });
  assert.deepEqual(one.order, [{ group: [{ id: "test/a", version: "2.0.0", optional: false }] }]);
  const noOrder = { ...base, builder: { ...base.builder, order: [] } };
  await assert.rejects(planBuildpacks({ ...noOrder, group: [{ kind: "builder", id: "test/a", where: "--buildpack test/a" }] }), /--buildpack test\/a: the builder has test\/a in versions 1\.0\.0, 2\.0\.0; name one/);
  await assert.rejects(planBuildpacks({ ...base, group: [{ kind: "builder", id: "test/c", where: "--buildpack test/c" }] }), (e: Error & { hint?: string }) => {
    assert.match(e.message, /--buildpack test\/c: test\/c is not on the builder/);
    assert.match(e.hint ?? "", /test\/a@1\.0\.0, test\/a@2\.0\.0, test\/b@1\.0\.0/);
    return true;
  });
});

test("a folder and an inline buildpack are laid out next to hard links of the builder's buildpacks", async (t) => {
  const { tmp, base, rootfs } = setup(t);
  const src = writeTree(join(tmp.path, "src/mine"), {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "me/mine"\nversion = "0.1.0"\n',
    "bin/build": { content: "#!/bin/sh\necho mine\n", mode: 0o700 },
    "bin/detect": { content: "#!/bin/sh\n", mode: 0o600 },
    "lib/data.txt": { content: "x", mode: 0o600 },
    "lib/link": { symlink: "data.txt" },
  });
  // A folder that replaces the builder's test/b@1.0.0.
  writeTree(join(tmp.path, "src/b"), { "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/b"\nversion = "1.0.0"\nname = "mine"\n' });
  const inline = projectBuildpackRef({ id: "me/inline" as never, script: { api: "0.10" as never, inline: "echo hi", shell: "/bin/bash" } }, tmp.path, "project.toml: io.buildpacks.group[1]");
  const plan = await planBuildpacks({
    ...base,
    group: [
      { kind: "uri", uri: "./src/mine", baseDir: tmp.path, where: "--buildpack ./src/mine" },
      inline,
      { kind: "uri", uri: "src/b", baseDir: tmp.path, where: "--buildpack src/b" },
      { kind: "builder", id: "test/a", version: "1.0.0", where: "--buildpack test/a@1.0.0" },
    ],
  });
  assert.deepEqual(
    plan.order[0]?.group.map((e) => `${e.id}@${e.version}`),
    ["me/mine@0.1.0", "me/inline@0.0.0", "test/b@1.0.0", "test/a@1.0.0"],
  );
  const dir = plan.buildpacksDir as string;
  assert.ok(dir.startsWith(base.workDir));
  // The folder, with the modes a buildpackage gives it; symlinks kept.
  assert.equal(statSync(join(dir, "me_mine/0.1.0/bin/build")).mode & 0o777, 0o755);
  assert.equal(statSync(join(dir, "me_mine/0.1.0/bin/detect")).mode & 0o777, 0o755);
  assert.equal(statSync(join(dir, "me_mine/0.1.0/lib/data.txt")).mode & 0o777, 0o644);
  assert.equal(readlinkSync(join(dir, "me_mine/0.1.0/lib/link")), "data.txt");
  assert.equal(statSync(join(src, "bin/build")).mode & 0o777, 0o700, "the source is not touched");
  // The inline buildpack (pack's layout: detect passes, build runs the script with the shell).
  assert.equal(readFileSync(join(dir, "me_inline/0.0.0/bin/build"), "utf8"), "#!/bin/bash\necho hi\n");
  assert.match(readFileSync(join(dir, "me_inline/0.0.0/buildpack.toml"), "utf8"), /id = "me\/inline"\nversion = "0\.0\.0"/);
  // The builder's buildpacks: hard links (same inode), symlinks recreated; a replaced one is not linked.
  assert.equal(statSync(join(dir, "test_a/1.0.0/bin/build")).ino, statSync(join(rootfs, "cnb/buildpacks/test_a/1.0.0/bin/build")).ino);
  assert.equal(readlinkSync(join(dir, "test_a/1.0.0/bin/detect")), "build");
  assert.ok(existsSync(join(dir, "test_a/2.0.0/buildpack.toml")));
  assert.match(readFileSync(join(dir, "test_b/1.0.0/buildpack.toml"), "utf8"), /name = "mine"/);
});

test("a uri whose buildpack is not the id the project names is an error", async (t) => {
  const { tmp, base } = setup(t);
  writeTree(join(tmp.path, "x"), { "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "me/x"\nversion = "1.0.0"\n' });
  const ref = projectBuildpackRef({ id: "me/y" as never, uri: "x" }, tmp.path, "project.toml: io.buildpacks.group[0]");
  await assert.rejects(planBuildpacks({ ...base, group: [ref] }), /project\.toml: io\.buildpacks\.group\[0\]: x holds buildpack me\/x, not me\/y/);
});

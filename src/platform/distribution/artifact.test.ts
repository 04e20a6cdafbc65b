import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run, tempDir, writeTree } from "../../testing/index.js";
import { distributionMode, loadBuildpack, readBuildpackArtifact } from "./artifact.js";
import { DistributionError } from "./errors.js";
import { copyFixture, tarEntries } from "./testing/helpers.js";

const MTIME = "1980-01-01T00:00:01.000Z";

test("distributionMode follows pack's calcFileMode", () => {
  assert.equal(distributionMode("bin", "directory", 0o700), 0o755);
  assert.equal(distributionMode("bin/build", "file", 0o644), 0o755);
  assert.equal(distributionMode("bin/detect", "file", 0o600), 0o755);
  assert.equal(distributionMode("bin/generate", "file", 0o600), 0o755);
  assert.equal(distributionMode("lib/x.sh", "file", 0o700), 0o755);
  assert.equal(distributionMode("lib/x.sh", "file", 0o600), 0o644);
  assert.equal(distributionMode("sub/bin/build", "file", 0o600), 0o644);
  assert.equal(distributionMode("link", "symlink", 0o777), 0o777);
});

test("a buildpack folder becomes one layer at /cnb/buildpacks/<escaped-id>/<version>/, owned by root, modes normalised", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dir = copyFixture("hello", join(tmp.path, "hello"));
  chmodSync(join(dir, "bin/build"), 0o644); // pack makes bin/build executable whatever the disk says
  chmodSync(join(dir, "lib/helper.sh"), 0o600);
  const bp = await loadBuildpack(dir, { workDir: join(tmp.path, "work") });
  assert.equal(bp.id, "tests/hello");
  assert.equal(bp.version, "0.0.1");
  assert.equal(bp.api, "0.10");
  assert.deepEqual(bp.info, {
    id: "tests/hello",
    name: "Hello Buildpack",
    version: "0.0.1",
    description: "Says hello",
    homepage: "https://example.com/hello",
    keywords: ["hello", "test"],
    licenses: [{ type: "Apache-2.0" }],
  });
  const entries = await tarEntries(bp.layer);
  const root = "cnb/buildpacks/tests_hello/0.0.1";
  assert.deepEqual(
    entries.map((e) => [e.name, e.type, e.mode.toString(8)]),
    [
      ["cnb/", "directory", "755"],
      ["cnb/buildpacks/", "directory", "755"],
      ["cnb/buildpacks/tests_hello/", "directory", "755"],
      [`${root}/`, "directory", "755"],
      [`${root}/bin/`, "directory", "755"],
      [`${root}/bin/build`, "file", "755"],
      [`${root}/bin/detect`, "file", "755"],
      [`${root}/buildpack.toml`, "file", "644"],
      [`${root}/lib/`, "directory", "755"],
      [`${root}/lib/helper.sh`, "file", "644"],
      [`${root}/scripts/`, "directory", "755"],
      [`${root}/scripts/run.sh`, "file", "755"],
    ],
  );
  for (const e of entries) {
    assert.equal(e.uid, 0, e.name);
    assert.equal(e.gid, 0, e.name);
    assert.equal(e.uname, "", e.name);
    assert.equal(e.gname, "", e.name);
    assert.equal(e.mtime, MTIME, e.name);
  }
  assert.match(entries.find((e) => e.name === `${root}/bin/build`)?.content ?? "", /Hello Buildpack/);
});

test("a .tgz of a buildpack gives the same layer as its folder", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const dir = copyFixture("hello", join(tmp.path, "hello"));
  const tgz = join(tmp.path, "hello.tgz");
  run("tar", ["-czf", tgz, "-C", dir, "."]);
  const fromDir = await loadBuildpack(dir, { workDir: join(tmp.path, "w1") });
  const fromTgz = await loadBuildpack(tgz, { workDir: join(tmp.path, "w2") });
  assert.equal(await fromTgz.layer.digest(), await fromDir.layer.digest());
  assert.equal(fromTgz.source, tgz);
});

test("the layer does not depend on times, owners or the folder's place", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const a = copyFixture("hello", join(tmp.path, "a/deep/hello"));
  const b = copyFixture("hello", join(tmp.path, "b"));
  utimesSync(join(b, "bin/build"), new Date("2001-02-03"), new Date("2001-02-03"));
  chmodSync(join(b, "buildpack.toml"), 0o600);
  const la = await loadBuildpack(a, { workDir: join(tmp.path, "wa") });
  const lb = await loadBuildpack(b, { workDir: join(tmp.path, "wb") });
  assert.equal(await la.layer.diffId(), await lb.layer.diffId());
  assert.equal(await la.layer.digest(), await lb.layer.digest());
});

test("artifacts that are not buildpacks are refused with the path named", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const work = join(tmp.path, "work");
  const empty = writeTree(join(tmp.path, "empty"), { "README": "no descriptor" });
  await assert.rejects(readBuildpackArtifact(empty, { workDir: work }), (e: unknown) => e instanceof DistributionError && /empty has no buildpack.toml/.test(e.message));
  await assert.rejects(readBuildpackArtifact(join(tmp.path, "missing"), { workDir: work }), /does not exist/);
  const notTgz = join(tmp.path, "x.tgz");
  writeFileSync(notTgz, "plain text");
  await assert.rejects(readBuildpackArtifact(notTgz, { workDir: work }), /neither a folder nor a gzip tar/);
  const ext = writeTree(join(tmp.path, "ext"), { "extension.toml": 'api = "0.10"\n[extension]\nid = "x/ext"\nversion = "1.0.0"\n' });
  await assert.rejects(readBuildpackArtifact(ext, { workDir: work }), /extension x\/ext@1.0.0 is not supported/);
  const bad = writeTree(join(tmp.path, "bad"), { "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "x/bad"\n' });
  await assert.rejects(readBuildpackArtifact(bad, { workDir: work }), /bad\/buildpack.toml: buildpack.version: is required/);
  const compositeWithTargets = writeTree(join(tmp.path, "ct"), {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "x/c"\nversion = "1.0.0"\n[[targets]]\nos = "linux"\n[[order]]\n[[order.group]]\nid = "x/a"\nversion = "1.0.0"\n',
  });
  await assert.rejects(readBuildpackArtifact(compositeWithTargets, { workDir: work }), /targets must not be set on a composite/);
});

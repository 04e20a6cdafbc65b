// Kept copies of restored cache layers: lent by rename, given back only when untouched.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import { keepTree, restoreFromTree, returnTrees } from "./trees.js";

function layer(dir: string): string {
  mkdirSync(join(dir, "bin"), { recursive: true });
  writeFileSync(join(dir, "bin/tool"), "#!/bin/sh\n");
  writeFileSync(join(dir, "data.txt"), "v1");
  symlinkSync("bin/tool", join(dir, "link"));
  return dir;
}

test("a kept layer is lent by rename with its files and links, and given back when the build left it alone (D8)", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const trees = join(d.path, "trees");
  await keepTree(trees, "sha256:aa", layer(join(d.path, "first")));
  const target = join(d.path, "build1/layers/bp/tool");
  assert.equal(await restoreFromTree(trees, "sha256:aa", target), true);
  assert.equal(readFileSync(join(target, "data.txt"), "utf8"), "v1");
  assert.equal(readFileSync(join(target, "link"), "utf8"), "#!/bin/sh\n");
  // Lent: a second build at the same time does not get it.
  assert.equal(await restoreFromTree(trees, "sha256:aa", join(d.path, "build2/tool")), false);
  assert.equal(await returnTrees(trees, [{ diffId: "sha256:aa", dir: target }]), 1);
  assert.equal(existsSync(target), false);
  assert.equal(await restoreFromTree(trees, "sha256:aa", join(d.path, "build3/tool")), true);
});

test("a lent layer the build changed in place, or added to, is not given back", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const trees = join(d.path, "trees");
  await keepTree(trees, "sha256:bb", layer(join(d.path, "first")));
  const a = join(d.path, "a/tool");
  assert.equal(await restoreFromTree(trees, "sha256:bb", a), true);
  writeFileSync(join(a, "data.txt"), "v2"); // same inode, new content and mtime
  assert.equal(await returnTrees(trees, [{ diffId: "sha256:bb", dir: a }]), 0);
  assert.equal(await restoreFromTree(trees, "sha256:bb", join(d.path, "b/tool")), false);

  await keepTree(trees, "sha256:cc", layer(join(d.path, "second")));
  const c = join(d.path, "c/tool");
  assert.equal(await restoreFromTree(trees, "sha256:cc", c), true);
  writeFileSync(join(c, "extra"), "x");
  assert.equal(await returnTrees(trees, [{ diffId: "sha256:cc", dir: c }]), 0);
});

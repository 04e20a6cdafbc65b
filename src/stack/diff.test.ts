import assert from "node:assert/strict";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { layer } from "../oci/index.js";
import { tempDir, writeTree } from "../testing/index.js";
import { diffEntries, readLayerIndex } from "./diff.js";
import { Rootfs, toLayerEntry } from "./staging-rootfs.js";

test("the layer between two trees: new and changed items, their folders, whiteouts for what is gone", async (t) => {
  const d = tempDir();
  t.after(d.cleanup);
  const lowerTree = {
    "etc/passwd": "root\ncnb 1002\n",
    "etc/os-release": "same",
    "usr/bin/ls": "ls",
    "usr/bin/gone": "x",
    "usr/share/old/a": "a",
    "usr/share/old/b": "b",
    bin: { symlink: "usr/bin" },
  } as const;
  const lower = new Rootfs(writeTree(join(d.path, "lower"), lowerTree));
  lower.mkdir("home/cnb", 0o755);
  lower.setOwner("home/cnb", 1002, 1000);
  const lowerLayer = await layer.layerFromFiles(lower.entries().map(toLayerEntry), { outputDir: join(d.path, "out") });

  const upper = new Rootfs(writeTree(join(d.path, "upper"), {
    "etc/passwd": "root\ncnb 1001\n",
    "etc/os-release": "same",
    "usr/bin/ls": "ls",
    "usr/bin/gcc": "gcc",
    bin: { symlink: "usr/bin" },
  }));
  chmodSync(join(upper.dir, "usr/bin/ls"), 0o755); // mode change only
  upper.mkdir("home/cnb", 0o755);
  upper.setOwner("home/cnb", 1001, 1000);

  const entries = diffEntries(upper.entries(), await readLayerIndex(lowerLayer));
  const summary = entries.map((e) => `${e.path}${"dir" in e ? "/" : ""}${e.uid ? ` ${e.uid}` : ""}`).sort();
  assert.deepEqual(summary, [
    "etc/",
    "etc/passwd",
    "home/",
    "home/cnb/ 1001",
    "usr/",
    "usr/.wh.share",
    "usr/bin/",
    "usr/bin/.wh.gone",
    "usr/bin/gcc",
    "usr/bin/ls",
  ]);
});

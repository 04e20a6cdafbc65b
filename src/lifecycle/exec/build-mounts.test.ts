import assert from "node:assert/strict";
import { test } from "node:test";
import { parseBuildMounts } from "./build-mounts.js";

const dirs = { workspace: "/workspace", layers: "/layers" };

test("parseBuildMounts: targets under the app, sources under the layers, parents first; the rest named with its reason", () => {
  const { mounts, problems } = parseBuildMounts(
    "/workspace/a/node_modules/.cache=/layers/bp/c:/workspace/a/node_modules=/layers/bp/m/node_modules::/workspace=/layers/bp/m:/workspace/../etc=/layers/bp/m:/workspace/x=/etc:/workspace/y:/workspace/a/node_modules=/layers/bp/other:/workspace/z/=/layers/bp/m",
    dirs,
  );
  assert.deepEqual(mounts, [
    { target: "/workspace/a/node_modules", source: "/layers/bp/m/node_modules" },
    { target: "/workspace/a/node_modules/.cache", source: "/layers/bp/c" },
  ]);
  assert.deepEqual(problems, [
    '"/workspace=/layers/bp/m": the mount point must be a path under /workspace',
    '"/workspace/../etc=/layers/bp/m": the mount point must be a path under /workspace',
    '"/workspace/x=/etc": the source must be a layer folder under /layers',
    '"/workspace/y": the source must be a layer folder under /layers',
    '"/workspace/a/node_modules=/layers/bp/other": /workspace/a/node_modules is already mounted',
    '"/workspace/z/=/layers/bp/m": the mount point must be a path under /workspace',
  ]);
});

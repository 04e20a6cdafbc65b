import { test } from "node:test";
import assert from "node:assert/strict";
import { OciError, parsePlatformList } from "./index.js";

test("--platform lists: comma-separated or repeated, in order, without duplicates", () => {
  assert.deepEqual(parsePlatformList("linux/amd64,linux/arm64"), [
    { os: "linux", architecture: "amd64" },
    { os: "linux", architecture: "arm64" },
  ]);
  assert.deepEqual(parsePlatformList(["linux/arm64/v8", "linux/amd64,linux/arm64/v8"]), [
    { os: "linux", architecture: "arm64", variant: "v8" },
    { os: "linux", architecture: "amd64" },
  ]);
});

test("a value that is not os/arch[/variant] is refused, naming it", () => {
  for (const bad of ["arm64", "linux/", "linux/amd64,", "linux/ARM64", "a/b/c/d", ""]) {
    assert.throws(() => parsePlatformList(bad), (e: unknown) => e instanceof OciError && e.code === "OCI_INVALID_PLATFORM", bad);
  }
  assert.throws(() => parsePlatformList("linux/amd64,arm64"), /"arm64" is not a platform/);
});

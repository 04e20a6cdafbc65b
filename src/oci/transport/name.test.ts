import { test } from "node:test";
import assert from "node:assert/strict";
import { formatImageName, parseImageName } from "./name.js";

test("parses every transport in containers/image syntax and formats it back", () => {
  const cases: Array<[string, object]> = [
    ["myapp", { transport: "store", name: "myapp" }],
    ["myapp:1.0", { transport: "store", name: "myapp:1.0" }],
    ["localhost:5000/team/app:v1", { transport: "store", name: "localhost:5000/team/app:v1" }],
    ["oci:/tmp/layout", { transport: "oci", dir: "/tmp/layout" }],
    ["oci:/tmp/layout:v2", { transport: "oci", dir: "/tmp/layout", tag: "v2" }],
    ["oci-archive:img.tar:latest", { transport: "oci-archive", file: "img.tar", tag: "latest" }],
    ["docker-archive:img.tar", { transport: "docker-archive", file: "img.tar" }],
    ["docker-archive:img.tar:app:1.2", { transport: "docker-archive", file: "img.tar", ref: "app:1.2" }],
    ["docker://127.0.0.1:5000/app:tag", { transport: "docker", ref: "127.0.0.1:5000/app:tag" }],
  ];
  for (const [s, want] of cases) {
    const got = parseImageName(s);
    assert.deepEqual(got, want, s);
    assert.equal(formatImageName(got), s);
  }
});

test("refuses unsupported and malformed names with the input named", () => {
  assert.throws(() => parseImageName("containers-storage:foo"), /invalid image name "containers-storage:foo": the containers-storage transport is not supported/);
  assert.throws(() => parseImageName("oci:"), /no path after oci:/);
  assert.throws(() => parseImageName("docker://"), /no registry reference/);
  assert.throws(() => parseImageName("oci:/x:"), /empty tag/);
  assert.throws(() => parseImageName(""), /empty name/);
});

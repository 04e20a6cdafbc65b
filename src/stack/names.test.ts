import assert from "node:assert/strict";
import { test } from "node:test";
import { transport } from "../oci/index.js";
import { flavorDestination } from "./names.js";

const each = (dest: string) =>
  (["build", "base", "tiny"] as const).map((f) => transport.formatImageName(flavorDestination(transport.parseImageName(dest), f)));

test("one destination names all three images: flavor tags, tag prefixes, one file per archive", () => {
  assert.deepEqual(each("paketo/trixie"), ["paketo/trixie:build", "paketo/trixie:run", "paketo/trixie:run-tiny"]);
  assert.deepEqual(each("paketo/trixie:2025.1"), ["paketo/trixie:2025.1-build", "paketo/trixie:2025.1-run", "paketo/trixie:2025.1-run-tiny"]);
  assert.deepEqual(each("docker://localhost:5000/stacks/trixie"), [
    "docker://localhost:5000/stacks/trixie:build",
    "docker://localhost:5000/stacks/trixie:run",
    "docker://localhost:5000/stacks/trixie:run-tiny",
  ]);
  assert.deepEqual(each("oci:out/layout"), ["oci:out/layout:build", "oci:out/layout:run", "oci:out/layout:run-tiny"]);
  assert.deepEqual(each("oci-archive:out/stack.tar"), ["oci-archive:out/stack-build.tar", "oci-archive:out/stack-run.tar", "oci-archive:out/stack-run-tiny.tar"]);
  assert.deepEqual(each("docker-archive:s.tar:paketo/trixie"), [
    "docker-archive:s-build.tar:paketo/trixie:build",
    "docker-archive:s-run.tar:paketo/trixie:run",
    "docker-archive:s-run-tiny.tar:paketo/trixie:run-tiny",
  ]);
  assert.throws(() => each(`paketo/trixie@sha256:${"a".repeat(64)}`), /names a digest/);
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { defaultStackFile } from "./defaults.js";
import { labelsOf, PATH, runtimeOf } from "./image.js";
import { parseStackFile } from "./stack-file.js";

const def = parseStackFile(readFileSync(defaultStackFile(), "utf8"), "trixie.toml");

test("CNB-31: the build image runs as the non-root CNB user with CNB_USER_ID, CNB_GROUP_ID and PATH; run images as another uid", () => {
  const build = runtimeOf({ def, flavor: "build" });
  assert.equal(build.user, "1001:1000");
  assert.deepEqual(build.env, { PATH, CNB_USER_ID: "1001", CNB_GROUP_ID: "1000", CNB_STACK_ID: "io.buildpacks.stacks.trixie", HOME: "/home/cnb" });
  for (const flavor of ["base", "tiny"] as const) {
    const r = runtimeOf({ def, flavor });
    assert.equal(r.user, "1002:1000");
    assert.deepEqual(r.env, { PATH });
  }
});

test("CNB-31 labels: base id, distro, maintainer, homepage, released, description, metadata, rebasable, stack id, sbom", () => {
  const base = labelsOf({ def, flavor: "base", arch: "amd64", sbomDiffId: "sha256:abc", packages: 27 });
  assert.deepEqual(Object.keys(base).sort(), [
    "io.buildpacks.base.description",
    "io.buildpacks.base.distro.name",
    "io.buildpacks.base.distro.version",
    "io.buildpacks.base.homepage",
    "io.buildpacks.base.id",
    "io.buildpacks.base.maintainer",
    "io.buildpacks.base.metadata",
    "io.buildpacks.base.released",
    "io.buildpacks.base.sbom",
    "io.buildpacks.rebasable",
    "io.buildpacks.stack.id",
    "io.buildpacks.stack.mixins",
  ]);
  assert.equal(base["io.buildpacks.base.distro.name"], "debian");
  assert.equal(base["io.buildpacks.base.distro.version"], "13");
  assert.equal(base["io.buildpacks.base.id"], "io.paketo.stacks.trixie.run-base");
  assert.equal(base["io.buildpacks.base.released"], "1980-01-01T00:00:01Z");
  assert.equal(base["io.buildpacks.stack.mixins"], "[]");
  assert.deepEqual(JSON.parse(base["io.buildpacks.base.metadata"] as string), { stack: "trixie", flavor: "base", codename: "trixie", packages: 27 });
  const build = labelsOf({ def, flavor: "build", arch: "amd64", sbomDiffId: "sha256:abc", packages: 180, sourceDateEpoch: 1700000000 });
  assert.equal(build["io.buildpacks.rebasable"], undefined, "the build image is not a rebase target");
  assert.equal(build["io.buildpacks.base.released"], "2023-11-14T22:13:20Z");
  assert.equal(build["io.buildpacks.stack.id"], base["io.buildpacks.stack.id"], "one build image serves both run images, so they share its stack id");
});

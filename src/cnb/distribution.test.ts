import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildConfigEnvFiles,
  builderImages,
  parseApiVersion,
  parseBuilderConfig,
  parseBuilderMetadataLabel,
  parseBuildpackageMetadataLabel,
  parseBuildpackLayersLabel,
  parseBuildpackOrderLabel,
  parsePackageConfig,
  stringifyBuilderConfig,
  stringifyBuilderMetadataLabel,
  stringifyBuildpackageMetadataLabel,
  stringifyBuildpackLayersLabel,
  stringifyBuildpackOrderLabel,
  stringifyPackageConfig,
  type BuilderMetadata,
  type BuildpackLayers,
  type CnbErrorCode,
} from "./index.js";
import { expectCnbError } from "./testing.js";

// Shaped like buildpacks/samples builders/noble/builder.toml.
const BUILDER = `
description = "Ubuntu 24.04 Noble Numbat base image with buildpacks for Java, Kotlin, and Ruby"

[[buildpacks]]
  id = "samples/java-maven"
  uri = "../../buildpacks/java-maven"

[[buildpacks]]
  uri = "docker://cnbs/sample-package:hello-universe"

[[order]]
  [[order.group]]
    id = "samples/java-maven"
    version = "0.0.2"

[[order]]
  [[order.group]]
    id = "samples/hello-universe"
    optional = true

[lifecycle]
  version = "0.20.5"

[build]
  image = "cnbs/sample-base-build:noble"
  [[build.env]]
    name = "BP_FOO"
    value = "bar"
  [[build.env]]
    name = "PATH"
    value = "/opt/bin"
    suffix = "prepend"
    delim = ":"

[run]
  [[run.images]]
    image = "cnbs/sample-base-run:noble"
    mirrors = ["ghcr.io/cnbs/sample-base-run:noble"]

[[targets]]
  os = "linux"
  arch = "amd64"
`;

test("CNB-69: builder.toml with buildpacks, order, lifecycle, build env, run images and targets", () => {
  const c = parseBuilderConfig(BUILDER);
  assert.equal(c.buildpacks.length, 2);
  assert.deepEqual(c.buildpacks[1], { uri: "docker://cnbs/sample-package:hello-universe" });
  assert.deepEqual(c.order[1]?.group[0], { id: "samples/hello-universe", optional: true });
  assert.deepEqual(c.lifecycle, { version: "0.20.5" });
  assert.deepEqual(builderImages(c), { buildImage: "cnbs/sample-base-build:noble", runImages: [{ image: "cnbs/sample-base-run:noble", mirrors: ["ghcr.io/cnbs/sample-base-run:noble"] }] });
  assert.deepEqual(buildConfigEnvFiles(c.build.env), { BP_FOO: "bar", "PATH.prepend": "/opt/bin", "PATH.delim": ":" });
  assert.deepEqual(parseBuilderConfig(stringifyBuilderConfig(c)), c);
});

test("CNB-69: a legacy [stack] builder.toml merges into build and run images", () => {
  const c = parseBuilderConfig('[stack]\nid = "io.buildpacks.stacks.jammy"\nbuild-image = "b"\nrun-image = "r"\nrun-image-mirrors = ["m"]\n');
  assert.deepEqual(builderImages(c), { buildImage: "b", runImages: [{ image: "r", mirrors: ["m"] }] });
  assert.deepEqual(parseBuilderConfig(stringifyBuilderConfig(c)), c);
});

test("CNB-69: invalid builder.toml files name the field (unknown keys too, as pack does)", () => {
  const ok = '[build]\nimage = "b"\n[[run.images]]\nimage = "r"\n';
  const cases: [string, string, CnbErrorCode, string][] = [
    ["no build image", '[[run.images]]\nimage = "r"', "CNB_MISSING_FIELD", "build.image"],
    ["no run images", '[build]\nimage = "b"', "CNB_MISSING_FIELD", "run.images"],
    ["run image without image", '[build]\nimage = "b"\n[[run.images]]\nmirrors = ["m"]', "CNB_MISSING_FIELD", "run.images[0].image"],
    ["stack mismatch", ok + '[stack]\nid = "s"\nbuild-image = "other"', "CNB_CONFLICT", "stack.build-image"],
    ["unknown top-level key", ok + 'colour = "blue"', "CNB_UNKNOWN_FIELD", "colour"],
    ["unknown build key", '[build]\nimage = "b"\nimg = "x"\n[[run.images]]\nimage = "r"', "CNB_UNKNOWN_FIELD", "build.img"],
    ["uri and image", ok + '[[buildpacks]]\nuri = "a"\nimage = "b"', "CNB_CONFLICT", "buildpacks[0]"],
    ["bad suffix", '[build]\nimage = "b"\n[[build.env]]\nname = "A"\nvalue = "1"\nsuffix = "after"\n[[run.images]]\nimage = "r"', "CNB_INVALID_FIELD", "build.env[0].suffix"],
    ["append without delim", '[build]\nimage = "b"\n[[build.env]]\nname = "A"\nvalue = "1"\nsuffix = "append"\n[[run.images]]\nimage = "r"', "CNB_MISSING_FIELD", "build.env[0].delim"],
    ["order entry without id", ok + "[[order]]\n[[order.group]]\noptional = true", "CNB_MISSING_FIELD", "order[0].group[0].id"],
    ["lifecycle uri and version", ok + '[lifecycle]\nuri = "u"\nversion = "v"', "CNB_CONFLICT", "lifecycle"],
  ];
  for (const [name, text, code, field] of cases) {
    assert.ok(expectCnbError(() => parseBuilderConfig(text, "builder.toml"), code, "builder.toml: ", field), name);
  }
});

test("CNB-66: package.toml for a composite (dependencies by uri or image)", () => {
  const c = parsePackageConfig('[buildpack]\nuri = "."\n\n[[dependencies]]\nuri = "../hello-world"\n\n[[dependencies]]\nimage = "cnbs/sample-package:hello-moon"\n\n[[targets]]\nos = "linux"\narch = "arm64"\n');
  assert.deepEqual(c, {
    buildpack: { uri: "." },
    dependencies: [{ uri: "../hello-world" }, { image: "cnbs/sample-package:hello-moon" }],
    platform: { os: "linux" },
    targets: [{ os: "linux", arch: "arm64", distros: [] }],
  });
  assert.deepEqual(parsePackageConfig(stringifyPackageConfig(c)), c);
  const cases: [string, CnbErrorCode, string][] = [
    ["", "CNB_MISSING_FIELD", "buildpack.uri"],
    ['[buildpack]\nuri = "."\n[[dependencies]]\nuri = "a"\nimage = "b"', "CNB_CONFLICT", "dependencies[0]"],
    ['[buildpack]\nuri = "."\n[platform]\nos = "plan9"', "CNB_INVALID_FIELD", "platform.os"],
    ['[buildpack]\nuri = "."\nextra = 1', "CNB_UNKNOWN_FIELD", "extra"],
  ];
  for (const [text, code, field] of cases) expectCnbError(() => parsePackageConfig(text, "package.toml"), code, "package.toml", field);
});

test("CNB-67: io.buildpacks.buildpackage.metadata round-trips (pack's Go-cased licenses accepted)", () => {
  const json = '{"id":"paketo-buildpacks/nodejs","name":"Paketo Buildpack for Node.js","version":"7.5.0","homepage":"https://buildpacks.example/nodejs","licenses":[{"Type":"Apache-2.0","URI":"https://x"}],"stacks":[{"id":"*"}]}';
  const m = parseBuildpackageMetadataLabel(json);
  assert.deepEqual(m.licenses, [{ type: "Apache-2.0", uri: "https://x" }]);
  assert.deepEqual(m.stacks, [{ id: "*", mixins: [] }]);
  assert.deepEqual(parseBuildpackageMetadataLabel(stringifyBuildpackageMetadataLabel(m)), m);
  expectCnbError(() => parseBuildpackageMetadataLabel('{"version":"1"}'), "CNB_MISSING_FIELD", "io.buildpacks.buildpackage.metadata: id");
});

test("CNB-67: io.buildpacks.buildpack.layers is written with sorted ids and versions", () => {
  const layers: BuildpackLayers = {
    "samples/hello-world": { "0.0.1": { api: parseApiVersion("0.11"), targets: [{ os: "linux", distros: [] }], layerDiffId: "sha256:" + "a".repeat(64), homepage: "h" } },
    "samples/hello-universe": {
      "0.0.2": { api: parseApiVersion("0.11"), order: [{ group: [{ id: "samples/hello-world" as never, version: "0.0.1" as never, optional: false }] }], layerDiffId: "sha256:" + "c".repeat(64) },
      "0.0.1": { api: parseApiVersion("0.10"), stacks: [{ id: "*", mixins: [] }], layerDiffId: "sha256:" + "b".repeat(64) },
    },
  };
  const json = stringifyBuildpackLayersLabel(layers);
  assert.ok(json.indexOf("hello-universe") < json.indexOf("hello-world"));
  assert.ok(json.indexOf('"0.0.1"') < json.indexOf('"0.0.2"'));
  assert.match(json, /"targets":\[\{"os":"linux","arch":""\}\]/);
  assert.deepEqual(parseBuildpackLayersLabel(json), {
    ...layers,
    "samples/hello-world": { "0.0.1": { ...layers["samples/hello-world"]?.["0.0.1"], targets: [{ os: "linux", arch: "", distros: [] }] } },
  });
  expectCnbError(() => parseBuildpackLayersLabel('{"a":{"1":{"api":"0.10"}}}'), "CNB_MISSING_FIELD", "io.buildpacks.buildpack.layers: a.1.layerDiffID");
});

test("CNB-68: io.buildpacks.builder.metadata and io.buildpacks.buildpack.order", () => {
  const m: BuilderMetadata = {
    description: "d",
    buildpacks: [{ id: "samples/hello-world", version: "0.0.1", homepage: "h" }],
    extensions: [],
    stack: { runImage: { image: "r", mirrors: [] } },
    lifecycle: {
      version: "0.20.5",
      api: { buildpack: "0.7", platform: "0.7" },
      apis: { buildpack: { deprecated: [], supported: ["0.7", "0.12"] }, platform: { deprecated: [], supported: ["0.7", "0.15"] } },
    },
    createdBy: { name: "paketo", version: "0.1.0" },
    images: [{ image: "r", mirrors: ["m"] }],
  };
  const json = stringifyBuilderMetadataLabel(m);
  assert.deepEqual(Object.keys(JSON.parse(json) as object), ["description", "buildpacks", "extensions", "stack", "lifecycle", "createdBy", "images"]);
  assert.deepEqual(parseBuilderMetadataLabel(json), m);
  const order = [{ group: [{ id: "samples/hello-world" as never, version: "0.0.1" as never, optional: false }, { id: "samples/hello-moon" as never, optional: true }] }];
  assert.equal(stringifyBuildpackOrderLabel(order), '[{"group":[{"id":"samples/hello-world","version":"0.0.1"},{"id":"samples/hello-moon","optional":true}]}]');
  assert.deepEqual(parseBuildpackOrderLabel(stringifyBuildpackOrderLabel(order)), order);
  expectCnbError(() => parseBuildpackOrderLabel('[{"group":[{"version":"1"}]}]'), "CNB_MISSING_FIELD", "io.buildpacks.buildpack.order: [0].group[0].id");
});

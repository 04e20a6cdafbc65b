import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildpackFeatures,
  extensionUnsupported,
  inferTargets,
  isComposite,
  parseBuildpackDescriptor,
  parseExtensionDescriptor,
  refuseExtension,
  requireBuildpackApi,
  stringifyBuildpackDescriptor,
  targetMatches,
  type CnbErrorCode,
} from "./index.js";
import { expectCnbError } from "./testing.js";

// Shaped like a packaged Paketo component (node-engine): targets, legacy stacks, rich [metadata].
const PAKETO = `
api = "0.10"

[buildpack]
  description = "A buildpack for installing the appropriate Node.js version"
  homepage = "https://buildpacks.example/node-engine"
  id = "paketo-buildpacks/node-engine"
  keywords = ["nodejs", "node"]
  name = "Paketo Buildpack for Node Engine"
  sbom-formats = ["application/vnd.cyclonedx+json", "application/spdx+json", "application/vnd.syft+json"]
  version = "4.1.0"

  [[buildpack.licenses]]
    type = "Apache-2.0"
    uri = "https://buildpacks.example/node-engine/blob/main/LICENSE"

[metadata]
  include-files = ["bin/build", "bin/detect", "buildpack.toml"]
  [metadata.default-versions]
    node = "20.*.*"

  [[metadata.dependencies]]
    id = "node"
    stacks = ["*"]
    uri = "https://downloads.example/node/v20.11.1/node-v20.11.1-linux-x64.tar.xz"
    version = "20.11.1"
    deprecation_date = 2026-04-30T00:00:00Z

[[stacks]]
  id = "*"

[[targets]]
  os = "linux"
  arch = "amd64"

[[targets]]
  os = "linux"
  arch = "arm64"
`;

// Shaped like buildpacks/samples apps/bash-script: API 0.10, no targets, stacks "*".
const SAMPLES = `
api = "0.10"

[buildpack]
  id = "samples/bash-script"
  version = "0.0.1"
  name = "Sample Bash Script Buildpack"

[[stacks]]
  id = "*"
`;

// Shaped like samples/hello-universe: a composite.
const COMPOSITE = `
api = "0.11"

[buildpack]
id = "samples/hello-universe"
version = "0.0.1"
name = "Hello Universe Buildpack"

[[order]]
[[order.group]]
id = "samples/hello-world"
version = "0.0.1"

[[order.group]]
id = "samples/hello-moon"
version = "0.0.1"
optional = true
`;

test("CNB-2, CNB-4: a Paketo-like buildpack.toml with targets, stacks, licenses and metadata", () => {
  const d = parseBuildpackDescriptor(PAKETO);
  assert.equal(d.api, "0.10");
  assert.equal(d.buildpack.id, "paketo-buildpacks/node-engine");
  assert.equal(d.buildpack.version, "4.1.0");
  assert.deepEqual(d.buildpack.licenses, [{ type: "Apache-2.0", uri: "https://buildpacks.example/node-engine/blob/main/LICENSE" }]);
  assert.equal(d.buildpack.sbomFormats.length, 3);
  assert.equal(d.buildpack.clearEnv, false);
  assert.deepEqual(d.targets, [
    { os: "linux", arch: "amd64", distros: [] },
    { os: "linux", arch: "arm64", distros: [] },
  ]);
  assert.deepEqual(d.stacks, [{ id: "*", mixins: [] }]);
  assert.equal(isComposite(d), false);
  assert.deepEqual((d.metadata["default-versions"] as Record<string, string>).node, "20.*.*");
  assert.equal(targetMatches(inferTargets(d), { os: "linux", arch: "arm64" }), true);
  assert.equal(targetMatches(inferTargets(d), { os: "linux", arch: "ppc64le" }), false);
});

test("CNB-4: a samples-like API 0.10 buildpack without targets matches any run image via stacks '*'", () => {
  const d = parseBuildpackDescriptor(SAMPLES);
  assert.deepEqual(d.targets, []);
  assert.deepEqual(inferTargets(d, ["build", "detect"]), [{ distros: [] }]);
  assert.equal(targetMatches(inferTargets(d, ["build"]), { os: "linux", arch: "arm64" }), true);
  assert.equal(buildpackFeatures(d.api).targetsEnv, true);
});

test("CNB-5: a composite's [[order]] with optional entries", () => {
  const d = parseBuildpackDescriptor(COMPOSITE);
  assert.equal(isComposite(d), true);
  assert.deepEqual(d.order, [
    {
      group: [
        { id: "samples/hello-world", version: "0.0.1", optional: false },
        { id: "samples/hello-moon", version: "0.0.1", optional: true },
      ],
    },
  ]);
});

test("buildpack.toml round-trips through stringify (including arch-variant, exec-env tables, dates)", () => {
  const extra = `
api = "0.12"
[buildpack]
id = "acme/x"
version = "1.0.0"
clear-env = true
[[buildpack.exec-env]]
name = "production"
[[targets]]
os = "linux"
arch = "arm"
arch-variant = "v7"
[[targets.distros]]
name = "ubuntu"
version = "24.04"
`;
  for (const text of [PAKETO, SAMPLES, COMPOSITE, extra]) {
    const d = parseBuildpackDescriptor(text);
    assert.deepEqual(parseBuildpackDescriptor(stringifyBuildpackDescriptor(d)), d);
  }
  const x = parseBuildpackDescriptor(extra);
  assert.deepEqual(x.buildpack.execEnv, ["production"]);
  assert.equal(x.buildpack.clearEnv, true);
  assert.deepEqual(x.targets, [{ os: "linux", arch: "arm", variant: "v7", distros: [{ name: "ubuntu", version: "24.04" }] }]);
  assert.match(stringifyBuildpackDescriptor(x), /variant = "v7"[\s\S]*arch-variant = "v7"|arch-variant = "v7"[\s\S]*variant = "v7"/);
});

test("CNB-1: an API the lifecycle no longer speaks parses, then requireBuildpackApi refuses it (exit 12)", () => {
  const old = parseBuildpackDescriptor(COMPOSITE.replace('api = "0.11"', 'api = "0.4"'));
  expectCnbError(() => requireBuildpackApi(old.api, "nodejs/buildpack.toml"), "CNB_UNSUPPORTED_BUILDPACK_API", "nodejs/buildpack.toml", "0.4");
});

test("invalid buildpack.toml files name the file and the field", async (t) => {
  const base = (s: string) => `api = "0.10"\n[buildpack]\nid = "a/b"\nversion = "1.0.0"\n${s}`;
  const cases: [string, string, CnbErrorCode, string][] = [
    ["not toml", "api = ", "CNB_INVALID_TOML", "line 1"],
    ["no api", '[buildpack]\nid = "a"\nversion = "1"', "CNB_MISSING_FIELD", "api"],
    ["unquoted api", 'api = 0.10\n[buildpack]\nid = "a"\nversion = "1"', "CNB_INVALID_API", "api: must be a quoted string, got the number 0.1"],
    ["bad api", 'api = "zero"\n[buildpack]\nid = "a"\nversion = "1"', "CNB_INVALID_API", "api"],
    ["no [buildpack]", 'api = "0.10"', "CNB_MISSING_FIELD", "buildpack"],
    ["reserved id", 'api = "0.10"\n[buildpack]\nid = "app"\nversion = "1"', "CNB_INVALID_ID", "buildpack.id"],
    ["bad id char", 'api = "0.10"\n[buildpack]\nid = "a_b"\nversion = "1"', "CNB_INVALID_ID", "buildpack.id"],
    ["no version", 'api = "0.10"\n[buildpack]\nid = "a"', "CNB_MISSING_FIELD", "buildpack.version"],
    ["clear-env type", base("clear-env = 1"), "CNB_INVALID_FIELD", "buildpack.clear-env"],
    ["sbom format", base('sbom-formats = ["text/plain"]'), "CNB_INVALID_FIELD", "buildpack.sbom-formats[0]"],
    ["license", base("[[buildpack.licenses]]\n"), "CNB_MISSING_FIELD", "buildpack.licenses[0]"],
    ["targets not tables", 'targets = "linux"\n' + base(""), "CNB_INVALID_FIELD", "targets: must be an array of tables"],
    ["variant conflict", base("").concat('[[targets]]\nvariant = "v7"\narch-variant = "v8"'), "CNB_CONFLICT", "targets[0].arch-variant"],
    ["order entry without version", base("").concat('[[order]]\n[[order.group]]\nid = "x"'), "CNB_MISSING_FIELD", "order[0].group[0].version"],
    ["composite with stacks", base("").concat('[[stacks]]\nid = "*"\n[[order]]\n[[order.group]]\nid = "x"\nversion = "1"'), "CNB_CONFLICT", "stacks"],
    ["empty group", base("").concat("[[order]]\ngroup = []"), "CNB_MISSING_FIELD", "order[0].group"],
  ];
  for (const [name, text, code, field] of cases) {
    await t.test(name, () => {
      expectCnbError(() => parseBuildpackDescriptor(text, "/cnb/buildpacks/a_b/1.0.0/buildpack.toml"), code, "/cnb/buildpacks/a_b/1.0.0/buildpack.toml:", field);
    });
  }
});

test("CNB-73: extension.toml is read only to refuse it clearly", () => {
  const text = `api = "0.10"\n[extension]\nid = "samples/curl"\nversion = "0.0.1"\nname = "Curl"\n`;
  assert.deepEqual(parseExtensionDescriptor(text).extension, { id: "samples/curl", version: "0.0.1", name: "Curl" });
  expectCnbError(() => refuseExtension(text, "/cnb/extensions/samples_curl/0.0.1/extension.toml"), "CNB_EXTENSIONS_UNSUPPORTED", "extension.toml", "samples/curl@0.0.1", "not supported");
  expectCnbError(() => refuseExtension("garbage =", "ext.toml"), "CNB_EXTENSIONS_UNSUPPORTED", "ext.toml", "an image extension");
  assert.equal(extensionUnsupported("order.toml: order-extensions").code, "CNB_EXTENSIONS_UNSUPPORTED");
});

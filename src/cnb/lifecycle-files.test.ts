import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildMetadataLabel,
  parseAnalyzedToml,
  parseApiVersion,
  parseBuildMetadata,
  parseBuildMetadataLabel,
  parseLifecycleMetadataLabel,
  parseReportToml,
  parseRunToml,
  parseStackToml,
  runFileFromStack,
  stringifyAnalyzedToml,
  stringifyBuildMetadata,
  stringifyBuildMetadataLabel,
  stringifyLifecycleMetadataLabel,
  stringifyReportToml,
  stringifyRunToml,
  stringifyStackToml,
  type BuildMetadata,
  type LifecycleMetadata,
} from "./index.js";
import { expectCnbError } from "./testing.js";

const v = (s: string) => parseApiVersion(s);
const sha = (c: string) => `sha256:${c.repeat(64)}`;

const LABEL: LifecycleMetadata = {
  app: [{ sha: sha("a") }, { sha: sha("b") }],
  sbom: { sha: sha("c") },
  buildpacks: [
    {
      key: "paketo-buildpacks/node-engine",
      version: "4.1.0",
      layers: {
        node: { sha: sha("d"), data: { version: "20.11.1", arch: "amd64" }, build: false, launch: true, cache: true },
      },
      store: { count: 2 },
    },
  ],
  config: { sha: sha("e") },
  launcher: { sha: sha("f") },
  processTypes: { sha: sha("1") },
  runImage: { topLayer: sha("2"), reference: "index.docker.io/paketobuildpacks/run-jammy-base@" + sha("3"), image: "paketobuildpacks/run-jammy-base:latest", mirrors: ["ghcr.io/x/run:latest"] },
  stack: { runImage: { image: "paketobuildpacks/run-jammy-base:latest", mirrors: ["ghcr.io/x/run:latest"] } },
};

test("CNB-47: io.buildpacks.lifecycle.metadata round-trips with the reference's keys and order", () => {
  const json = stringifyLifecycleMetadataLabel(LABEL);
  assert.deepEqual(parseLifecycleMetadataLabel(json), LABEL);
  const o = JSON.parse(json) as Record<string, unknown>;
  assert.deepEqual(Object.keys(o), ["app", "sbom", "buildpacks", "config", "launcher", "process-types", "runImage", "stack"]);
  assert.deepEqual(Object.keys(o.runImage as object), ["topLayer", "reference", "image", "mirrors"]);
  // free-form data is written with sorted keys, so equal values give equal labels
  assert.match(json, /"data":\{"arch":"amd64","version":"20.11.1"\}/);
  assert.match(json, /"store":\{"metadata":\{"count":2\}\}/);
});

test("CNB-47: labels written by older lifecycles (single app object, missing parts) still read", () => {
  const m = parseLifecycleMetadataLabel(`{"app":{"sha":"${sha("a")}"},"buildpacks":[{"key":"x","version":"1","layers":{}}],"runImage":{"topLayer":"t","reference":"r"}}`);
  assert.deepEqual(m.app, [{ sha: sha("a") }]);
  assert.deepEqual(m.runImage, { topLayer: "t", reference: "r" });
  // Go writes nil slices and maps as null
  const goNulls = parseLifecycleMetadataLabel('{"app":null,"buildpacks":[{"key":"x","version":"1","layers":{"l":{"sha":"s","data":null,"build":false,"launch":true,"cache":false}}}],"runImage":{"topLayer":"t","reference":"r","mirrors":null}}');
  assert.deepEqual(goNulls.app, []);
  assert.deepEqual(goNulls.buildpacks[0]?.layers.l?.data, {});
  assert.deepEqual(goNulls.runImage, { topLayer: "t", reference: "r" });
  expectCnbError(() => parseLifecycleMetadataLabel("[1]"), "CNB_INVALID_JSON", "io.buildpacks.lifecycle.metadata");
  expectCnbError(() => parseLifecycleMetadataLabel("{"), "CNB_INVALID_JSON", "io.buildpacks.lifecycle.metadata", "not valid JSON");
  expectCnbError(() => parseLifecycleMetadataLabel('{"buildpacks":[{"version":"1"}]}'), "CNB_MISSING_FIELD", "buildpacks[0].key");
});

test("CNB-32: analyzed.toml with previous image, metadata in TOML spelling and run-image target", () => {
  const text = `
[image]
  reference = "registry.local/app@${sha("9")}"

[metadata]
  [[metadata.app]]
    sha = "${sha("a")}"
  [[metadata.buildpacks]]
    key = "paketo-buildpacks/node-engine"
    version = "4.1.0"
    [metadata.buildpacks.layers.node]
      sha = "${sha("d")}"
      launch = true
      [metadata.buildpacks.layers.node.metadata]
        version = "20.11.1"
  [metadata.run-image]
    top-layer = "${sha("2")}"
    reference = "r@${sha("3")}"

[run-image]
  reference = "paketobuildpacks/run-jammy-base@${sha("3")}"
  image = "paketobuildpacks/run-jammy-base:latest"
  [run-image.target]
    id = "io.buildpacks.stacks.jammy"
    os = "linux"
    arch = "amd64"
    arch-variant = "v1"
    [run-image.target.distro]
      name = "ubuntu"
      version = "22.04"
`;
  const a = parseAnalyzedToml(text, "/layers/analyzed.toml");
  assert.equal(a.previousImage?.reference, `registry.local/app@${sha("9")}`);
  assert.deepEqual(a.metadata.buildpacks[0]?.layers.node, { sha: sha("d"), data: { version: "20.11.1" }, build: false, launch: true, cache: false });
  assert.equal(a.metadata.runImage?.topLayer, sha("2"));
  assert.deepEqual(a.runImage?.target, { id: "io.buildpacks.stacks.jammy", os: "linux", arch: "amd64", variant: "v1", distro: { name: "ubuntu", version: "22.04" } });
  assert.equal(a.runImage?.extend, false);
  assert.deepEqual(parseAnalyzedToml(stringifyAnalyzedToml(a)), a);
  // the spec spells the variant `variant`
  assert.equal(parseAnalyzedToml('[run-image]\nreference = "r"\n[run-image.target]\nos = "linux"\narch = "arm"\nvariant = "v7"').runImage?.target?.variant, "v7");
  // a first build: no previous image, empty metadata
  assert.deepEqual(parseAnalyzedToml('[run-image]\nreference = ""\nimage = "run:latest"'), { metadata: { app: [], buildpacks: [] }, runImage: { reference: "", image: "run:latest", extend: false } });
  expectCnbError(() => parseAnalyzedToml("[image]\nreference = 1", "/layers/analyzed.toml"), "CNB_INVALID_FIELD", "/layers/analyzed.toml", "image.reference");
});

const METADATA: BuildMetadata = {
  buildpacks: [
    { id: "samples/hello-processes" as never, version: "0.0.1" as never, api: v("0.11"), homepage: "https://buildpacks.example/samples" },
    { id: "acme/legacy" as never, version: "1.0.0" as never, api: v("0.7") },
  ],
  extensions: [],
  processes: [
    { type: "sys-info" as never, command: ["/layers/samples_hello-processes/sys-info/sys-info.sh", "--json"], args: ["-v"], direct: true, buildpackId: "samples/hello-processes" as never },
    { type: "web" as never, command: ["node server.js"], args: [], direct: false, buildpackId: "acme/legacy" as never, workingDir: "/workspace/app", execEnv: ["production"] },
  ],
  slices: [{ paths: ["static/*"] }],
  labels: [{ key: "a", value: "b" }],
  bom: [],
  buildpackDefaultProcessType: "web" as never,
};

test("CNB-41: metadata.toml writes command as an array for Platform ≥0.10 and a string before", () => {
  const now = stringifyBuildMetadata(METADATA, v("0.12"));
  assert.match(now, /command = \[ "\/layers\/samples_hello-processes\/sys-info\/sys-info.sh", "--json" \]/);
  assert.match(now, /buildpack-id = "samples\/hello-processes"/);
  assert.deepEqual(parseBuildMetadata(now), METADATA);

  const old = stringifyBuildMetadata(METADATA, v("0.9"));
  assert.match(old, /command = "\/layers\/samples_hello-processes\/sys-info\/sys-info.sh"/);
  const reread = parseBuildMetadata(old);
  // extra command entries move to the front of args, as the reference does for Platform <0.10
  assert.deepEqual(reread.processes[0]?.command, ["/layers/samples_hello-processes/sys-info/sys-info.sh"]);
  assert.deepEqual(reread.processes[0]?.args, ["--json", "-v"]);
});

test("CNB-41: metadata.toml requires api per buildpack and names bad fields", () => {
  expectCnbError(() => parseBuildMetadata('[[buildpacks]]\nid = "a"\nversion = "1"', "/layers/config/metadata.toml"), "CNB_MISSING_FIELD", "/layers/config/metadata.toml", "buildpacks[0].api");
  expectCnbError(() => parseBuildMetadata('[[processes]]\ntype = "web"\ncommand = 1\nbuildpack-id = "a"'), "CNB_INVALID_FIELD", "processes[0].command");
  expectCnbError(() => parseBuildMetadata('[[processes]]\ntype = "web"\ncommand = ["x"]'), "CNB_MISSING_FIELD", "processes[0].buildpack-id");
});

test("CNB-47: io.buildpacks.build.metadata from metadata.toml, without api, bom only before Platform 0.9", () => {
  const launcher = { version: "0.20.0", source: { git: { repository: "github.com/buildpacks/lifecycle", commit: "abc" } } };
  const label = buildMetadataLabel(METADATA, launcher);
  const json = stringifyBuildMetadataLabel(label, v("0.12"));
  const o = JSON.parse(json) as Record<string, unknown>;
  assert.deepEqual(Object.keys(o), ["buildpacks", "launcher", "processes", "buildpack-default-process-type"]);
  assert.deepEqual((o.buildpacks as object[])[0], { id: "samples/hello-processes", version: "0.0.1", homepage: "https://buildpacks.example/samples" });
  assert.deepEqual(Object.keys((o.processes as object[])[0] as object), ["type", "command", "args", "direct", "buildpackID"]);
  const back = parseBuildMetadataLabel(json);
  assert.deepEqual(back.processes, METADATA.processes);
  assert.equal(back.buildpacks[0]?.api, undefined);
  assert.match(stringifyBuildMetadataLabel({ ...label, bom: [{ name: "n", metadata: {} }] }, v("0.8")), /^\{"bom":\[\{"name":"n","metadata":\{\}\}\]/);
  assert.doesNotMatch(stringifyBuildMetadataLabel({ ...label, bom: [{ name: "n", metadata: {} }] }, v("0.9")), /bom/);
  assert.match(stringifyBuildMetadataLabel(label, v("0.9")), /"command":"\/layers/);
});

test("CNB-33: run.toml images and mirrors; mirrors need an image", () => {
  const r = parseRunToml('[[images]]\nimage = "paketobuildpacks/run-jammy-base:latest"\nmirrors = ["ghcr.io/paketo/run:latest"]\n\n[[images]]\nimage = "other/run"\n');
  assert.deepEqual(r.images, [
    { image: "paketobuildpacks/run-jammy-base:latest", mirrors: ["ghcr.io/paketo/run:latest"] },
    { image: "other/run", mirrors: [] },
  ]);
  assert.deepEqual(parseRunToml(stringifyRunToml(r)), r);
  expectCnbError(() => parseRunToml('[[images]]\nmirrors = ["a"]', "/cnb/run.toml"), "CNB_MISSING_FIELD", "/cnb/run.toml", "images[0].mirrors");
});

test("CNB-62: legacy stack.toml [run-image]", () => {
  const s = parseStackToml('[run-image]\nimage = "cnbs/sample-stack-run:bionic"\nmirrors = ["m/run"]\n[build-image]\nimage = "cnbs/build"\n');
  assert.deepEqual(s, { runImage: { image: "cnbs/sample-stack-run:bionic", mirrors: ["m/run"] }, buildImage: { image: "cnbs/build", mirrors: [] } });
  assert.deepEqual(parseStackToml(stringifyStackToml(s)), s);
  assert.deepEqual(runFileFromStack(s).images, [{ image: "cnbs/sample-stack-run:bionic", mirrors: ["m/run"] }]);
  assert.deepEqual(runFileFromStack(parseStackToml("")).images, []);
});

test("CNB-50: report.toml with an integer manifest-size (a quoted one is accepted)", () => {
  const r = parseReportToml(`[image]\ntags = ["r/app:latest", "r/app:1"]\ndigest = "${sha("a")}"\nmanifest-size = 1234\n`);
  assert.deepEqual(r, { image: { tags: ["r/app:latest", "r/app:1"], digest: sha("a"), manifestSize: 1234 } });
  assert.deepEqual(parseReportToml(stringifyReportToml(r)), r);
  assert.equal(parseReportToml('[image]\ntags = []\nmanifest-size = "99"').image.manifestSize, 99);
  assert.equal(parseReportToml('[image]\ntags = []\nimage-id = "sha256:x"').image.imageId, "sha256:x");
  expectCnbError(() => parseReportToml('[image]\nmanifest-size = "big"', "/layers/report.toml"), "CNB_INVALID_FIELD", "/layers/report.toml", "image.manifest-size");
  expectCnbError(() => parseReportToml("", "/layers/report.toml"), "CNB_MISSING_FIELD", "image");
});

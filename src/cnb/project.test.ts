import { test } from "node:test";
import assert from "node:assert/strict";
import {
  parseProjectDescriptor,
  parseProjectMetadataLabel,
  parseProjectMetadataToml,
  stringifyProjectDescriptor,
  stringifyProjectMetadataLabel,
  stringifyProjectMetadataToml,
  type CnbErrorCode,
} from "./index.js";
import { expectCnbError } from "./testing.js";

// The spec's schema 0.2 example, plus pre/post groups and build env.
const V02 = `
[_]
id = "io.buildpacks.my-app"
version = "0.1"
schema-version = "0.2"

[_.metadata]
cdn = "https://cdn.example.com"

[[_.metadata.assets]]
url = "https://cdn.example.com/assets/foo.jar"
checksum = "3b1b39893d8e34a6d0bd44095afcd5c4"

[io.buildpacks]
builder = "cnbs/sample-builder:bionic"
include = ["cmd/", "go.mod", "go.sum", "*.go"]

[[io.buildpacks.group]]
id = "io.buildpacks/java"
version = "1.0"

[[io.buildpacks.group]]
id = "example/post-build"
  [io.buildpacks.group.script]
  api = "0.5"
  inline = "./post-build.sh"

[[io.buildpacks.pre.group]]
uri = "docker://acme/pre:1"

[[io.buildpacks.post.group]]
id = "acme/post"

[[io.buildpacks.build.env]]
name = "JAVA_OPTS"
value = "-Xmx1g"
`;

// Shaped like buildpacks/samples apps/bash-script: schema 0.1 with exclude and a relative uri.
const V01 = `
[project]
id = "samples/bash-script"
name = "Bash Script App"
version = "1.0.0"

[build]
exclude = ["README.md", "bash-script-buildpack"]

[[build.buildpacks]]
uri = "bash-script-buildpack"

[[build.env]]
name = "BP_FOO"
value = "bar"

[metadata]
owner = "samples"
`;

test("CNB-70: schema 0.2 with [_], [io.buildpacks] groups, pre/post groups and build env", () => {
  const d = parseProjectDescriptor(V02);
  assert.equal(d.schemaVersion, "0.2");
  assert.deepEqual(d.project, { id: "io.buildpacks.my-app", version: "0.1", authors: [], licenses: [] });
  assert.equal(d.metadata.cdn, "https://cdn.example.com");
  assert.equal(d.builder, "cnbs/sample-builder:bionic");
  assert.deepEqual(d.include, ["cmd/", "go.mod", "go.sum", "*.go"]);
  assert.equal(d.exclude, undefined);
  assert.deepEqual(d.group, [
    { id: "io.buildpacks/java", version: "1.0" },
    { id: "example/post-build", script: { api: "0.5", inline: "./post-build.sh", shell: "/bin/sh" } },
  ]);
  assert.deepEqual(d.pre, [{ uri: "docker://acme/pre:1" }]);
  assert.deepEqual(d.post, [{ id: "acme/post" }]);
  assert.deepEqual(d.env, [{ name: "JAVA_OPTS", value: "-Xmx1g" }]);
  assert.deepEqual(parseProjectDescriptor(stringifyProjectDescriptor(d)), d);
});

test("CNB-70: schema 0.1 ([project], [build]) is assumed without [_]", () => {
  const d = parseProjectDescriptor(V01);
  assert.equal(d.schemaVersion, "0.1");
  assert.equal(d.project.name, "Bash Script App");
  assert.deepEqual(d.exclude, ["README.md", "bash-script-buildpack"]);
  assert.deepEqual(d.group, [{ uri: "bash-script-buildpack" }]);
  assert.deepEqual(d.env, [{ name: "BP_FOO", value: "bar" }]);
  assert.deepEqual(d.metadata, { owner: "samples" });
  assert.deepEqual(parseProjectDescriptor(stringifyProjectDescriptor(d)), d);
  assert.deepEqual(parseProjectDescriptor(""), { schemaVersion: "0.1", project: { authors: [], licenses: [] }, metadata: {}, group: [], pre: [], post: [], env: [] });
});

test("CNB-70: the deprecated [[io.buildpacks.env.build]] spelling and the 0.3 draft's exec-env", () => {
  const legacy = parseProjectDescriptor('[_]\nschema-version = "0.2"\n[[io.buildpacks.env.build]]\nname = "A"\nvalue = "1"\n');
  assert.deepEqual(legacy.env, [{ name: "A", value: "1" }]);
  const v3 = parseProjectDescriptor('[_]\nschema-version = "0.3"\n[[io.buildpacks.group]]\nid = "a/b"\nversion = "1.0.0"\nexec-env = ["test"]\n[[io.buildpacks.build.env]]\nname = "A"\nvalue = "1"\nexec-env = ["production"]\n');
  assert.deepEqual(v3.group[0]?.execEnv, ["test"]);
  assert.deepEqual(v3.env[0]?.execEnv, ["production"]);
  assert.deepEqual(parseProjectDescriptor(stringifyProjectDescriptor(v3)), v3);
});

test("CNB-70: invalid project.toml files name the field", () => {
  const v2 = (s: string) => `[_]\nschema-version = "0.2"\n${s}`;
  const cases: [string, string, CnbErrorCode, string][] = [
    ["include and exclude", v2('[io.buildpacks]\ninclude = ["a"]\nexclude = ["b"]'), "CNB_CONFLICT", "io.buildpacks: sets both include and exclude"],
    ["0.1 include and exclude", '[build]\ninclude = ["a"]\nexclude = ["b"]', "CNB_CONFLICT", "build: sets both include and exclude"],
    ["[_] without schema-version", '[_]\nid = "x"', "CNB_MISSING_FIELD", "_.schema-version"],
    ["unknown schema", '[_]\nschema-version = "0.9"', "CNB_UNSUPPORTED_SCHEMA", "_.schema-version"],
    ["io.buildpacks without [_]", '[io.buildpacks]\nbuilder = "x"', "CNB_MISSING_FIELD", "_: is missing"],
    ["0.1 tables in 0.2", v2('[build]\nexclude = ["x"]'), "CNB_CONFLICT", "build: is the schema 0.1 spelling"],
    ["version and uri", v2('[[io.buildpacks.group]]\nid = "a"\nversion = "1"\nuri = "docker://a"'), "CNB_CONFLICT", "io.buildpacks.group[0]: sets version and uri"],
    ["no id or uri", v2('[[io.buildpacks.group]]\nversion = "1"'), "CNB_MISSING_FIELD", "io.buildpacks.group[0].id"],
    ["script without id", v2('[[io.buildpacks.group]]\n[io.buildpacks.group.script]\napi = "0.10"\ninline = "echo"'), "CNB_MISSING_FIELD", "io.buildpacks.group[0].id"],
    ["script without inline", v2('[[io.buildpacks.group]]\nid = "a"\n[io.buildpacks.group.script]\napi = "0.10"'), "CNB_MISSING_FIELD", "io.buildpacks.group[0].script.inline"],
    ["bad id", v2('[[io.buildpacks.post.group]]\nid = "a b"'), "CNB_INVALID_ID", "io.buildpacks.post.group[0].id"],
    ["env without name", v2('[[io.buildpacks.build.env]]\nvalue = "1"'), "CNB_MISSING_FIELD", "io.buildpacks.build.env[0].name"],
    ["both env spellings", v2('[[io.buildpacks.build.env]]\nname = "A"\n[[io.buildpacks.env.build]]\nname = "B"'), "CNB_CONFLICT", "io.buildpacks.env.build"],
    ["exec-env in 0.2", v2('[[io.buildpacks.group]]\nid = "a"\nexec-env = ["test"]'), "CNB_INVALID_FIELD", "io.buildpacks.group[0].exec-env"],
    ["license without type or uri", '[_]\nschema-version = "0.2"\n[[_.licenses]]\n', "CNB_MISSING_FIELD", "_.licenses[0]"],
  ];
  for (const [name, text, code, field] of cases) {
    assert.ok(expectCnbError(() => parseProjectDescriptor(text, "/app/project.toml"), code, "/app/project.toml", field), name);
  }
});

test("CNB-47, CNB-62: project-metadata.toml and its label", () => {
  const text = '[source]\ntype = "git"\n[source.version]\ncommit = "abc123"\n[source.metadata]\nrepository = "https://github.com/acme/app"\nrefs = ["main"]\n';
  const m = parseProjectMetadataToml(text);
  assert.deepEqual(m, { source: { type: "git", version: { commit: "abc123" }, metadata: { repository: "https://github.com/acme/app", refs: ["main"] } } });
  assert.deepEqual(parseProjectMetadataToml(stringifyProjectMetadataToml(m)), m);
  assert.equal(stringifyProjectMetadataLabel(m), '{"source":{"type":"git","version":{"commit":"abc123"},"metadata":{"refs":["main"],"repository":"https://github.com/acme/app"}}}');
  assert.deepEqual(parseProjectMetadataLabel(stringifyProjectMetadataLabel(m)), m);
  assert.equal(stringifyProjectMetadataLabel({}), "{}");
  assert.deepEqual(parseProjectMetadataToml(""), {});
});

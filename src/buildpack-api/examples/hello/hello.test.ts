// The hello buildpack's own tests: the harness runs it against temp dirs, no platform needed.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runBuild, runDetect } from "../../testing/index.js";
import { hello } from "./buildpack.js";

// buildpack.toml sits next to the source; tests run from dist/, so read it from src/.
const here = fileURLToPath(new URL(".", import.meta.url));
const buildpackToml = readFileSync(join(here, "../../../../src/buildpack-api/examples/hello/buildpack.toml"), "utf8");

function fake() {
  const installs: string[] = [];
  return { installs, deps: { install: async (_bin: string, greeting: string) => void installs.push(greeting) } };
}

test("hello: detect passes with hello.txt and fails without", async () => {
  const { deps } = fake();
  const yes = await runDetect(hello(deps), { buildpackToml, app: { "hello.txt": "" } });
  assert.equal(yes.outcome, "pass");
  assert.ok(yes.outcome === "pass");
  assert.deepEqual(yes.plan, { provides: [{ name: "hello" }], requires: [{ name: "hello", metadata: {} }], or: [] });
  const no = await runDetect(hello(deps), { buildpackToml });
  assert.equal(no.outcome, "fail");
  assert.equal(no.exitCode, 100);
  assert.match(no.stdout, /no hello\.txt/);
});

test("hello: a first build installs into a launch layer, sets the env var, declares web", async () => {
  const { deps, installs } = fake();
  const run = await runBuild(hello(deps), { buildpackToml, app: { "hello.txt": "" }, plan: [{ name: "hello" }] });
  assert.equal(run.outcome, "success", run.stderr);
  assert.deepEqual(installs, ["Hello"]);
  const layer = run.layers.hello;
  assert.ok(layer);
  assert.deepEqual(layer.types, { launch: true, build: false, cache: true });
  assert.deepEqual(layer.metadata, { greeting: "Hello" });
  assert.equal(layer.files["env.launch/HELLO_GREETING.default"], "Hello");
  assert.deepEqual(run.launch?.processes, [{ type: "web", command: ["hello"], args: ["world"], direct: true, default: true }]);
  assert.match(run.stdout, /^Hello Example 1\.0\.0\n {2}Installing hello \(Hello\)\n$/);
});

test("hello: a restored layer with the same greeting is kept", async () => {
  const { deps, installs } = fake();
  const layers = { hello: { metadata: { greeting: "Hello" }, files: { "bin/hello": "#!/bin/sh\n" } } };
  const run = await runBuild(hello(deps), { buildpackToml, plan: [{ name: "hello" }], layers });
  assert.equal(run.outcome, "success", run.stderr);
  assert.deepEqual(installs, []);
  assert.equal(run.layers.hello?.files["bin/hello"], "#!/bin/sh\n");
  assert.deepEqual(run.layers.hello?.types, { launch: true, build: false, cache: true }, "a kept layer gets its [types] again");
  assert.match(run.stdout, /Reusing cached layer/);
});

test("hello: BP_HELLO_GREETING changes the greeting, which rebuilds the layer", async () => {
  const { deps, installs } = fake();
  const layers = { hello: { metadata: { greeting: "Hello" }, files: { "bin/hello": "old" } } };
  const run = await runBuild(hello(deps), { buildpackToml, plan: [{ name: "hello" }], layers, env: { BP_HELLO_GREETING: "Hoi", BP_LOG_LEVEL: "DEBUG" } });
  assert.equal(run.outcome, "success", run.stderr);
  assert.deepEqual(installs, ["Hoi"]);
  assert.equal(run.layers.hello?.files["bin/hello"], undefined, "a rebuilt layer starts empty");
  assert.deepEqual(run.layers.hello?.metadata, { greeting: "Hoi" });
  assert.match(run.stdout, /layer hello: restored, rebuilding: greeting changed from Hello/);
});

test("hello: restored metadata that does not match the schema rebuilds the layer", async () => {
  const { deps, installs } = fake();
  const layers = { hello: { metadata: { greeting: 42 } } };
  const run = await runBuild(hello(deps), { buildpackToml, plan: [{ name: "hello" }], layers });
  assert.equal(run.outcome, "success", run.stderr);
  assert.deepEqual(installs, ["Hello"]);
  assert.deepEqual(run.layers.hello?.metadata, { greeting: "Hello" });
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { layerEnv, LayerEnv } from "./layer-env.js";

test("each scope and modification becomes the spec's file name (CNB-16)", () => {
  const env = layerEnv()
    .override("NODE_ENV", "production")
    .default("NODE_HOME", "/layers/node", { scope: "build" })
    .append("NODE_OPTIONS", "--use-openssl-ca", { delim: " ", scope: "launch" })
    .prepend("PATH", "/layers/node/bin", { delim: ":" })
    .override("PORT", "8080", { scope: { process: "web" } })
    .delimiter("CLASSPATH", ":", { scope: "build" });
  assert.deepEqual(env.files(), [
    ["env.build/CLASSPATH.delim", ":"],
    ["env.build/NODE_HOME.default", "/layers/node"],
    ["env.launch/NODE_OPTIONS.append", "--use-openssl-ca"],
    ["env.launch/NODE_OPTIONS.delim", " "],
    ["env.launch/web/PORT.override", "8080"],
    ["env/NODE_ENV.override", "production"],
    ["env/PATH.delim", ":"],
    ["env/PATH.prepend", "/layers/node/bin"],
  ]);
});

test("a LayerEnv is a value: changes return new envs; the same key is replaced", () => {
  const a = LayerEnv.empty();
  const b = a.override("X", "1");
  const c = b.override("X", "2");
  assert.equal(a.changes.length, 0);
  assert.deepEqual(b.files(), [["env/X.override", "1"]]);
  assert.deepEqual(c.files(), [["env/X.override", "2"]]);
});

test("bad variable names and process types are refused", () => {
  assert.throws(() => layerEnv().override("A.B", "x"), /not a usable variable name/);
  assert.throws(() => layerEnv().override("", "x"), /not a usable variable name/);
  assert.throws(() => layerEnv().override("X", "x", { scope: { process: "a/b" } }), /process type/);
});

test("apply: what a later command sees, by target and process", () => {
  const env = layerEnv()
    .prepend("PATH", "/l/bin", { delim: ":" })
    .default("NODE_ENV", "production")
    .override("MODE", "build", { scope: "build" })
    .override("MODE", "launch", { scope: "launch" })
    .override("MODE", "web", { scope: { process: "web" } })
    .append("OPTS", "-b");
  assert.deepEqual(env.apply({ PATH: "/usr/bin", NODE_ENV: "development", OPTS: "-a" }), {
    PATH: "/l/bin:/usr/bin",
    NODE_ENV: "development",
    MODE: "build",
    OPTS: "-a-b",
  });
  assert.equal(env.apply({}, "launch").MODE, "launch");
  assert.equal(env.apply({}, "launch", "web").MODE, "web");
  assert.equal(env.apply({}).PATH, "/l/bin");
});

import { test } from "node:test";
import assert from "node:assert/strict";
import { BUILDPACK_APIS, defaultEnvAction, parseApiVersion, parseEnvFileName, parseExecDOutput, type EnvFile } from "./index.js";
import { expectCnbError } from "./testing.js";

test("CNB-16: env file names: name before the first '.', then the suffix", () => {
  const cases: [string, EnvFile][] = [
    ["JAVA_HOME", { kind: "set", name: "JAVA_HOME", action: "override" }],
    ["JAVA_HOME.override", { kind: "set", name: "JAVA_HOME", action: "override" }],
    ["JAVA_HOME.default", { kind: "set", name: "JAVA_HOME", action: "default" }],
    ["PATH.append", { kind: "set", name: "PATH", action: "append" }],
    ["PATH.prepend", { kind: "set", name: "PATH", action: "prepend" }],
    ["PATH.delim", { kind: "delim", name: "PATH" }],
    ["PATH.later", { kind: "ignored", name: "PATH", suffix: "later" }],
    ["A.b.append", { kind: "ignored", name: "A", suffix: "b.append" }],
    [".hidden", { kind: "ignored", name: "", suffix: "hidden" }],
    ["PATH.", { kind: "ignored", name: "PATH", suffix: "" }],
  ];
  for (const [file, want] of cases) assert.deepEqual(parseEnvFileName(file, "override"), want, file);
});

test("CNB-16, CNB-9: no suffix means override in layers (every supported API) and default in build-config", () => {
  for (const api of BUILDPACK_APIS) assert.equal(defaultEnvAction("layer", api), "override");
  assert.equal(defaultEnvAction("layer"), "override");
  assert.equal(defaultEnvAction("build-config"), "default");
  assert.deepEqual(parseEnvFileName("JAVA_OPTS", defaultEnvAction("build-config")), { kind: "set", name: "JAVA_OPTS", action: "default" });
  expectCnbError(() => defaultEnvAction("layer", parseApiVersion("0.4")), "CNB_UNSUPPORTED_BUILDPACK_API", "0.4");
});

test("CNB-24: exec.d output is NAME = \"string\" pairs, in order", () => {
  assert.deepEqual(parseExecDOutput('FOO = "bar"\nJAVA_TOOL_OPTIONS = "-Xmx512m -XX:+UseG1GC"\nEMPTY = ""\n'), {
    FOO: "bar",
    JAVA_TOOL_OPTIONS: "-Xmx512m -XX:+UseG1GC",
    EMPTY: "",
  });
  assert.deepEqual(parseExecDOutput(""), {});
  assert.deepEqual(Object.keys(parseExecDOutput('B = "1"\nA = "2"')), ["B", "A"]);
});

test("CNB-24: exec.d output that is not string pairs is refused, naming the executable", () => {
  const where = "/layers/a_b/jre/exec.d/memory-calculator";
  expectCnbError(() => parseExecDOutput("FOO = 1", where), "CNB_INVALID_FIELD", where, "FOO: must be a string");
  expectCnbError(() => parseExecDOutput('[FOO]\nx = "1"', where), "CNB_INVALID_FIELD", "FOO: must be a string");
  expectCnbError(() => parseExecDOutput('"A=B" = "1"', where), "CNB_INVALID_FIELD", '"A=B" is not an environment variable name');
  expectCnbError(() => parseExecDOutput("FOO = bar", where), "CNB_INVALID_TOML", where);
});

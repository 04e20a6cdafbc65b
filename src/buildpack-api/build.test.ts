import assert from "node:assert/strict";
import { test } from "node:test";
import { BUILDPACK_APIS, parseApiVersion, parseLaunchToml } from "../cnb/index.js";
import { buildToml, launchToml, type BuildResult } from "./build.js";

const api = (v: string) => parseApiVersion(v);
const web: BuildResult = { processes: [{ type: "web", command: ["node", "--enable-source-maps", "server.js"], args: ["--port", "8080"], default: true }] };

test("process command: a string with direct = true before API 0.9, an array from 0.9 (CNB-18)", () => {
  assert.equal(
    launchToml(web, api("0.7"), assert.fail),
    '[[processes]]\ntype = "web"\ncommand = "node"\nargs = [ "--enable-source-maps", "server.js", "--port", "8080" ]\ndirect = true\ndefault = true\n',
  );
  assert.equal(
    launchToml(web, api("0.9"), assert.fail),
    '[[processes]]\ntype = "web"\ncommand = [ "node", "--enable-source-maps", "server.js" ]\nargs = [ "--port", "8080" ]\ndefault = true\n',
  );
});

test("every supported API reads back what the runtime writes, with the same command line", () => {
  for (const v of BUILDPACK_APIS) {
    const text = launchToml(web, v, assert.fail);
    assert.ok(text !== undefined);
    const p = parseLaunchToml(text, "launch.toml", v).processes[0];
    assert.ok(p);
    assert.deepEqual([...p.command, ...p.args], ["node", "--enable-source-maps", "server.js", "--port", "8080"], `API ${v}`);
    assert.equal(p.direct, true);
  }
});

test("working-dir is dropped with a warning before API 0.8, exec-env needs 0.12", () => {
  const warnings: string[] = [];
  const r: BuildResult = { processes: [{ type: "web", command: ["x"], workingDir: "/workspace/app" }] };
  assert.doesNotMatch(launchToml(r, api("0.7"), (w) => warnings.push(w)) ?? "", /working-dir/);
  assert.deepEqual(warnings, ["process web: working directory /workspace/app is ignored: it needs Buildpack API 0.8, buildpack.toml declares 0.7"]);
  assert.match(launchToml(r, api("0.8"), assert.fail) ?? "", /working-dir = "\/workspace\/app"/);
  const e: BuildResult = { processes: [{ type: "web", command: ["x"], execEnv: ["production"] }] };
  assert.throws(() => launchToml(e, api("0.11"), assert.fail), /execEnv needs Buildpack API 0\.12/);
  assert.match(launchToml(e, api("0.12"), assert.fail) ?? "", /exec-env = \[ "production" \]/);
});

test("slices and labels are written; nothing to declare writes no launch.toml", () => {
  const text = launchToml({ slices: [{ paths: ["static/*"] }], labels: { "org.example.a": "1" } }, api("0.10"), assert.fail);
  assert.equal(text, '[[slices]]\npaths = [ "static/*" ]\n\n[[labels]]\nkey = "org.example.a"\nvalue = "1"\n');
  assert.equal(launchToml({}, api("0.10"), assert.fail), undefined);
});

test("results the lifecycle would refuse fail here, naming the problem", () => {
  const two: BuildResult = { processes: [{ type: "a", command: ["x"], default: true }, { type: "b", command: ["y"], default: true }] };
  assert.throws(() => launchToml(two, api("0.10"), assert.fail), /build result: launch\.toml: processes: marks a and b as default; at most one may be/);
  const dup: BuildResult = { processes: [{ type: "a", command: ["x"] }, { type: "a", command: ["y"] }] };
  assert.throws(() => launchToml(dup, api("0.10"), assert.fail), /process type "a" is defined twice/);
  assert.throws(() => launchToml({ processes: [{ type: "a", command: [] }] }, api("0.10"), assert.fail), /processes\[0\] \(a\): command is empty/);
  assert.throws(() => launchToml({ processes: [{ type: "a b", command: ["x"] }] }, api("0.10"), assert.fail), /processes\[0\]\.type/);
  assert.throws(() => launchToml({ slices: [{ paths: ["../x"] }] }, api("0.10"), assert.fail), /leaves the app directory/);
});

test("unmet entries go to build.toml; an unmet name not in the plan is an error (CNB-11)", () => {
  const plan = [{ name: "node", metadata: {} }, { name: "node", metadata: { version: "22" } }, { name: "npm", metadata: {} }];
  assert.equal(buildToml({ unmet: ["node", "node"] }, plan), '[[unmet]]\nname = "node"\n');
  assert.equal(buildToml({}, plan), undefined);
  assert.throws(() => buildToml({ unmet: ["yarn"] }, plan), (e: Error & { hint?: string }) => /unmet "yarn" is not in the buildpack plan/.test(e.message) && e.hint === 'the plan holds: "node", "npm"');
});

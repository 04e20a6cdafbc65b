// The hello buildpack packaged (bundled bin/detect, bin/build) and run as real processes with the
// arguments and env the lifecycle gives (CNB-6, CNB-10); the files it writes are checked as text.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { packageBuildpack } from "../../packaging/index.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const src = join(root, "src/buildpack-api/examples/hello");
const toml = readFileSync(join(src, "buildpack.toml"), "utf8");
const tmp = mkdtempSync(join(tmpdir(), "hello-packaged-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const variants = {
  "0.10": toml,
  "0.7": toml.replace('api = "0.10"', 'api = "0.7"'),
};
const dirs: Record<string, string> = {};
before(async () => {
  for (const [api, text] of Object.entries(variants)) {
    dirs[api] = (await packageBuildpack({ entry: join(src, "main.ts"), buildpackToml: text, outDir: join(tmp, `bp-${api}`) })).dir;
  }
});

function workspace(name: string) {
  const w = join(tmp, name);
  const d = { app: join(w, "workspace"), platform: join(w, "platform"), layers: join(w, "layers", "examples_hello"), plan: join(w, "plan.toml") };
  for (const p of [d.app, join(d.platform, "env"), d.layers]) mkdirSync(p, { recursive: true });
  return d;
}

function run(bin: string, args: string[], cwd: string, env: Record<string, string>) {
  // Only what the lifecycle passes (CNB-9): PATH (with this node on it) and the CNB_* values.
  const PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;
  return spawnSync(bin, args, { cwd, env: { PATH, ...env }, encoding: "utf8" });
}

test("packaged hello (API 0.10): bin/detect and bin/build follow the spec", () => {
  const bp = dirs["0.10"]!;
  const w = workspace("api-0.10");
  writeFileSync(join(w.app, "hello.txt"), "");
  writeFileSync(w.plan, "");
  const target = { CNB_TARGET_OS: "linux", CNB_TARGET_ARCH: "amd64" };
  const d = run(join(bp, "bin/detect"), [w.platform, w.plan], w.app, { CNB_BUILDPACK_DIR: bp, CNB_PLATFORM_DIR: w.platform, CNB_BUILD_PLAN_PATH: w.plan, ...target });
  assert.equal(d.status, 0, d.stderr);
  assert.equal(readFileSync(w.plan, "utf8"), '[[provides]]\nname = "hello"\n\n[[requires]]\nname = "hello"\n');

  const bpPlan = join(w.app, "..", "bp-plan.toml");
  writeFileSync(bpPlan, '[[entries]]\nname = "hello"\n');
  const env = { CNB_BUILDPACK_DIR: bp, CNB_LAYERS_DIR: w.layers, CNB_PLATFORM_DIR: w.platform, CNB_BP_PLAN_PATH: bpPlan, BP_HELLO_GREETING: "Hi", ...target };
  const b = run(join(bp, "bin/build"), [w.layers, w.platform, bpPlan], w.app, env);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(b.stdout, "Hello Example 1.0.0\n  Installing hello (Hi)\n");
  assert.equal(readFileSync(join(w.layers, "hello.toml"), "utf8"), '[types]\nlaunch = true\nbuild = false\ncache = true\n\n[metadata]\ngreeting = "Hi"\n');
  assert.equal(readFileSync(join(w.layers, "hello/env.launch/HELLO_GREETING.default"), "utf8"), "Hi");
  assert.equal(
    readFileSync(join(w.layers, "launch.toml"), "utf8"),
    '[[processes]]\ntype = "web"\ncommand = [ "hello" ]\nargs = [ "world" ]\ndefault = true\n',
    "API ≥ 0.9: command is an array and there is no direct key",
  );
  const script = join(w.layers, "hello/bin/hello");
  assert.ok(statSync(script).mode & 0o100);
  assert.equal(spawnSync(script, ["world"], { encoding: "utf8" }).stdout, "Hi, world\n");
});

test("packaged hello (API 0.7): positional arguments only, command is a string with direct = true", () => {
  const bp = dirs["0.7"]!;
  const w = workspace("api-0.7");
  writeFileSync(join(w.app, "hello.txt"), "");
  writeFileSync(w.plan, "");
  const d = run(join(bp, "bin/detect"), [w.platform, w.plan], w.app, { CNB_BUILDPACK_DIR: bp });
  assert.equal(d.status, 0, d.stderr);
  const bpPlan = join(w.app, "..", "bp-plan.toml");
  writeFileSync(bpPlan, '[[entries]]\nname = "hello"\n');
  const b = run(join(bp, "bin/build"), [w.layers, w.platform, bpPlan], w.app, { CNB_BUILDPACK_DIR: bp });
  assert.equal(b.status, 0, b.stderr);
  assert.equal(readFileSync(join(w.layers, "launch.toml"), "utf8"), '[[processes]]\ntype = "web"\ncommand = "hello"\nargs = [ "world" ]\ndirect = true\ndefault = true\n');
});

test("packaged hello: detect exits 100 without hello.txt; a bad invocation exits 1 with one clear line", () => {
  const bp = dirs["0.10"]!;
  const w = workspace("fail");
  writeFileSync(w.plan, "");
  const d = run(join(bp, "bin/detect"), [w.platform, w.plan], w.app, { CNB_BUILDPACK_DIR: bp });
  assert.equal(d.status, 100);
  assert.equal(readFileSync(w.plan, "utf8"), "", "a failed detect writes no plan");
  const b = run(join(bp, "bin/build"), [], w.app, { CNB_BUILDPACK_DIR: bp });
  assert.equal(b.status, 1);
  assert.match(b.stderr, /^ERROR: bin\/build: the layers directory \(\$1, CNB_LAYERS_DIR\) is missing\n {2}hint: /);
  assert.doesNotMatch(b.stderr, /\n\s+at /, "no stack trace");
});

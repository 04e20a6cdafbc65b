// The detection memo through the real CLI: buildpacks on our buildpack API are reused while
// nothing they looked at changed and rerun when it did; a bash buildpack and a detect that starts
// a process are keyed on the whole app; env, bindings, builder and order rerun everything.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { cli, makeStack } from "./testing/e2e.js";
import { MEMO_BUILDPACKS, makeMemoBuilder } from "./testing/memo.js";

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
const c = cli(() => env);
const ALL = [...Object.keys(MEMO_BUILDPACKS), "bash-pkg"];

before(async () => {
  tmp = tempDir("paketo-detect-memo-");
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store") };
  await makeStack(c, tmp.path);
  await makeMemoBuilder(c, tmp.path, "memo:1", ALL);
  await makeMemoBuilder(c, tmp.path, "memo:2", [...ALL].reverse());
});

after(() => tmp?.cleanup());

// The memo lives in the machine's cache, one per destination: a name of this run's own.
const DEST = `memo-app-${process.pid}-${Date.now()}`;

/** Builds and returns which buildpacks' detects ran (the rest were reused). */
async function ranDetects(app: string, extra: string[] = [], builder = "memo:1"): Promise<string[]> {
  const r = await c.paketo(["build", `${DEST}:1`, "--builder", builder, "--path", app, "--verbose", ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const ran: string[] = [];
  for (const id of ALL) {
    const m = new RegExp(`^\\s*${id} 1\\.0\\.0 \\(detect: (pass|fail)(, reused)?\\)`, "m").exec(r.stderr);
    assert.ok(m, `${id} is not in the detect output:\n${r.stderr}`);
    if (!m[2]) ran.push(id);
  }
  return ran.sort();
}

test("each detect reruns exactly when something it looked at changed", async () => {
  const app = writeTree(join(tmp.path, "app"), { "package.json": "{}", "server.js": "// v1\n", "lib/util.js": "" });
  assert.deepEqual(await ranDetects(app), [...ALL].sort(), "first build: every detect runs");
  appendFileSync(join(app, "lib/util.js"), "// touched\n");
  // Only the whole-tree keyed ones: the bash buildpack and the detect that started a process.
  assert.deepEqual(await ranDetects(app), ["bash-pkg", "spawner"], "a file nobody read");
  appendFileSync(join(app, "server.js"), "// one more line\n");
  assert.deepEqual(await ranDetects(app), ["bash-pkg", "spawner"], "one line of server.js: exists-server only checked that it exists");
  writeFileSync(join(app, "package.json"), '{"name":"x"}');
  assert.deepEqual(await ranDetects(app), ["bash-pkg", "reads-pkg", "spawner"], "package.json's bytes");
  writeFileSync(join(app, "README.md"), "new\n");
  assert.deepEqual(await ranDetects(app), ["bash-pkg", "lists-root", "spawner"], "a new file at the top: the listing changed");
  writeFileSync(join(app, "go.mod"), "module x\n");
  assert.deepEqual(await ranDetects(app), ["bash-pkg", "lists-root", "needs-gomod", "spawner"], "go.mod appeared");
});

test("env, bindings, builder and order changes rerun every detect", async () => {
  const app = writeTree(join(tmp.path, "app2"), { "package.json": "{}", "server.js": "" });
  await ranDetects(app);
  assert.deepEqual(await ranDetects(app, ["--env", "SOME_SETTING=1"]), [...ALL].sort(), "env");
  const binding = writeTree(join(tmp.path, "binding"), { type: "thing", key: "v" });
  assert.deepEqual(await ranDetects(app, ["--env", "SOME_SETTING=1", "--binding", `b=${binding}`]), [...ALL].sort(), "bindings");
  const opts = ["--env", "SOME_SETTING=1", "--binding", `b=${binding}`];
  assert.deepEqual(await ranDetects(app, opts, "memo:2"), [...ALL].sort(), "another builder (the same buildpacks in another order)");
  assert.deepEqual(await ranDetects(app, opts, "memo:1"), [...ALL].sort(), "and back");
});

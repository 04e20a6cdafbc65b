import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { nodeStart } from "./buildpack.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const buildpackToml = readFileSync(join(root, "src/buildpacks/node-start/buildpack.toml"), "utf8");
const bp = nodeStart();
const node = { name: "node", metadata: { launch: true } };

test("node-start: detect picks server > app > main > index, each .js/.cjs/.mjs, and fails without one", async () => {
  const cases: [Record<string, string>, string][] = [
    [{ "index.js": "", "main.js": "", "app.js": "", "server.js": "" }, "server.js"],
    [{ "index.js": "", "app.mjs": "", "main.js": "" }, "app.mjs"],
    [{ "index.cjs": "", "main.mjs": "" }, "main.mjs"],
    [{ "index.mjs": "", "index.cjs": "" }, "index.cjs"],
  ];
  await Promise.all(
    cases.map(async ([app, want]) => {
      const d = await runDetect(bp, { buildpackToml, app });
      assert.equal(d.outcome, "pass", d.stderr);
      assert.ok(d.outcome === "pass");
      assert.deepEqual(d.plan.requires, [node]);
      const b = await runBuild(bp, { buildpackToml, app, plan: [node] });
      assert.deepEqual(b.launch?.processes.map((p) => p.command), [["node", want]]);
    }),
  );
  const none = await runDetect(bp, { buildpackToml, app: { "src/server.js": "", "start.js": "" } });
  assert.equal(none.outcome, "fail");
  assert.match(none.stdout, /no app file in the app root: expected one of server\.js, server\.cjs, server\.mjs, app\.js/);
});

test("node-start: a package.json adds node_modules at launch; tini and live reload add their tools", async () => {
  const d = await runDetect(bp, { buildpackToml, app: { "server.js": "", "package.json": "{}" }, env: { BP_LAUNCH_WITH_TINI: "true", BP_LIVE_RELOAD_ENABLED: "1" } });
  assert.ok(d.outcome === "pass", d.stderr);
  assert.deepEqual(d.plan.requires, [node, { name: "node_modules", metadata: { launch: true } }, { name: "watchexec", metadata: { launch: true } }, { name: "tini", metadata: { launch: true } }]);
  const bad = await runDetect(bp, { buildpackToml, app: { "server.js": "" }, env: { BP_LIVE_RELOAD_ENABLED: "yes" } });
  assert.equal(bad.outcome, "error");
  assert.match(bad.stderr, /BP_LIVE_RELOAD_ENABLED=yes is not a boolean/);
});

test("node-start: web is `node <file>`, direct and default, and the log names it", async () => {
  const b = await runBuild(bp, { buildpackToml, app: { "app.js": "" }, plan: [node] });
  assert.equal(b.outcome, "success", b.stderr);
  assert.deepEqual(b.launch?.processes, [{ type: "web", command: ["node", "app.js"], args: [], direct: true, default: true }]);
  assert.equal(b.stdout, "Paketo Buildpack for Node Start 0.1.0\n  Assigning launch processes:\n    web (default): node app.js\n");
  assert.deepEqual(b.layers, {}, "node-start writes no layer");
});

test("node-start: BP_LAUNCHPOINT is relative to the app root, must exist unless BP_VERIFY_LAUNCHPOINT=false, and cannot leave the app", async () => {
  const app = { "server.js": "", "src/launchpoint.js": "" };
  const b = await runBuild(bp, { buildpackToml, app, plan: [node], env: { BP_LAUNCHPOINT: "./src/launchpoint.js" } });
  assert.deepEqual(b.launch?.processes[0]?.command, ["node", "src/launchpoint.js"]);

  const missing = await runDetect(bp, { buildpackToml, app, env: { BP_LAUNCHPOINT: "src/nope.js" } });
  assert.equal(missing.outcome, "error");
  assert.match(missing.stderr, /BP_LAUNCHPOINT=src\/nope\.js: src\/nope\.js is not a file of the app/);
  const later = await runDetect(bp, { buildpackToml, app, env: { BP_LAUNCHPOINT: "dist/main.js", BP_VERIFY_LAUNCHPOINT: "false" } });
  assert.equal(later.outcome, "pass");
  const out = await runDetect(bp, { buildpackToml, app, env: { BP_LAUNCHPOINT: "../etc/passwd" } });
  assert.equal(out.outcome, "error");
  assert.match(out.stderr, /does not name a file inside the app/);
});

test("node-start: BP_NODE_PROJECT_PATH finds the file in the subproject and runs it there (real node)", async () => {
  const app = {
    "server.js": "console.log('wrong one')",
    "apps/web/index.js": "console.log(JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(2) }))",
    "apps/web/package.json": "{}",
  };
  const env = { BP_NODE_PROJECT_PATH: "./apps/web" };
  const d = await runDetect(bp, { buildpackToml, app, env });
  assert.ok(d.outcome === "pass");
  assert.deepEqual(d.plan.requires, [node, { name: "node_modules", metadata: { launch: true } }]);

  const b = await runBuild(bp, { buildpackToml, app, env, plan: [node], keep: true });
  try {
    const web = b.launch?.processes[0];
    assert.ok(web);
    assert.deepEqual(web.command, ["node", "index.js"]);
    assert.equal(web.workingDir, join(b.dir, "workspace/apps/web"));
    assert.match(b.stdout, /web \(default\): node index\.js \(working directory: .*\/workspace\/apps\/web\)/);
    // What the launcher does: chdir to the working dir and exec the command with the user's args.
    const [exe, ...args] = web.command;
    const out = JSON.parse(execFileSync(exe === "node" ? process.execPath : String(exe), [...args, "--port", "8080"], { cwd: web.workingDir, encoding: "utf8", timeout: 10_000 }));
    assert.deepEqual(out, { cwd: join(b.dir, "workspace/apps/web"), args: ["--port", "8080"] });
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }

  const missing = await runDetect(bp, { buildpackToml, app, env: { BP_NODE_PROJECT_PATH: "apps/api" } });
  assert.equal(missing.outcome, "error");
  assert.match(missing.stderr, /BP_NODE_PROJECT_PATH=apps\/api: apps\/api is not a directory of the app/);
  const escape = await runDetect(bp, { buildpackToml, app, env: { BP_NODE_PROJECT_PATH: "../.." } });
  assert.match(escape.stderr, /BP_NODE_PROJECT_PATH=\.\.\/\.\. leaves the app directory/);
});

test("node-start: tini wraps node; live reload makes web a watchexec process and keeps no-reload", async () => {
  const tini = await runBuild(bp, { buildpackToml, app: { "server.js": "" }, plan: [node], env: { BP_LAUNCH_WITH_TINI: "true" } });
  assert.deepEqual(tini.launch?.processes[0]?.command, ["tini", "-g", "--", "node", "server.js"]);
  assert.match(tini.stdout, /Using tini for process launching/);

  const reload = await runBuild(bp, { buildpackToml, app: { "server.js": "" }, plan: [node], env: { BP_LIVE_RELOAD_ENABLED: "true" }, keep: true });
  try {
    const ws = join(reload.dir, "workspace");
    assert.deepEqual(reload.launch?.processes, [
      { type: "web", command: ["watchexec", "--restart", "--watch", ws, "--shell", "none", "--", "node", "server.js"], args: [], direct: true, default: true },
      { type: "no-reload", command: ["node", "server.js"], args: [], direct: true, default: false },
    ]);
  } finally {
    rmSync(reload.dir, { recursive: true, force: true });
  }
});

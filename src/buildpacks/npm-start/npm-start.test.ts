import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { npmStart } from "./buildpack.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const buildpackToml = readFileSync(join(root, "src/buildpacks/npm-start/buildpack.toml"), "utf8");
const bp = npmStart();
const pkg = (scripts: Record<string, unknown>, more: Record<string, unknown> = {}) => JSON.stringify({ name: "app", scripts, ...more });
const launch = { launch: true };
const plan = [
  { name: "node", metadata: launch },
  { name: "node_modules", metadata: launch },
];

test("npm-start: detect needs a package.json with a start script, and requires node and node_modules at launch", async () => {
  const yes = await runDetect(bp, { buildpackToml, app: { "package.json": pkg({ start: "node server.js" }) } });
  assert.ok(yes.outcome === "pass", yes.stderr);
  assert.deepEqual(yes.plan.requires, plan.map((p) => ({ ...p })));

  const noPkg = await runDetect(bp, { buildpackToml, app: { "server.js": "" } });
  assert.equal(noPkg.outcome, "fail");
  assert.match(noPkg.stdout, /no package\.json in the project/);
  const noStart = await runDetect(bp, { buildpackToml, app: { "package.json": pkg({ build: "tsc", start: "  " }) } });
  assert.equal(noStart.outcome, "fail");
  assert.match(noStart.stdout, /no start script in package\.json/);

  const broken = await runDetect(bp, { buildpackToml, app: { "package.json": "{ scripts: " } });
  assert.equal(broken.outcome, "error");
  assert.match(broken.stderr, /package\.json is not valid JSON/);
  const notString = await runDetect(bp, { buildpackToml, app: { "package.json": pkg({ start: ["node"] }) } });
  assert.match(notString.stderr, /package\.json: scripts\.start is not a string/);

  const asked = await runDetect(bp, { buildpackToml, app: { "package.json": pkg({ start: "node a.js", dev: "node b.js" }) }, env: { BP_NPM_START_SCRIPT: "serve" } });
  assert.equal(asked.outcome, "error");
  assert.match(asked.stderr, /BP_NPM_START_SCRIPT=serve: package\.json has no script "serve"/);
  assert.match(asked.stderr, /the scripts are: start, dev/);

  const extras = await runDetect(bp, { buildpackToml, app: { "package.json": pkg({ start: "node a.js" }) }, env: { BP_LIVE_RELOAD_ENABLED: "true", BP_LAUNCH_WITH_TINI: "true" } });
  assert.ok(extras.outcome === "pass");
  assert.deepEqual(extras.plan.requires.map((r) => r.name), ["node", "node_modules", "watchexec", "tini"]);
});

test("npm-start: a plain `node` start script becomes a direct process; node_modules/.bin goes on the launch PATH", async () => {
  const b = await runBuild(bp, { buildpackToml, app: { "package.json": pkg({ start: "node server.js" }) }, plan });
  assert.equal(b.outcome, "success", b.stderr);
  assert.deepEqual(b.launch?.processes, [{ type: "web", command: ["node", "server.js"], args: [], direct: true, default: true }]);
  const layer = b.layers["launch-path"];
  assert.ok(layer);
  assert.deepEqual(layer.types, { launch: true, build: false, cache: false });
  assert.deepEqual(Object.keys(layer.files), ["env.launch/PATH.delim", "env.launch/PATH.prepend"]);
  assert.equal(layer.files["env.launch/PATH.delim"], ":");
  assert.match(layer.files["env.launch/PATH.prepend"] ?? "", /\/workspace\/node_modules\/\.bin$/);
  assert.equal(
    b.stdout,
    [
      "Paketo Buildpack for NPM Start 0.1.0",
      "  Start command: node server.js",
      "    runs directly (no shell needed)",
      "  Assigning launch processes:",
      "    web (default): node server.js",
      "",
    ].join("\n"),
  );
});

test("npm-start: hooks make a wrapped sh process; the log shows the script, not the wrapper", async () => {
  const app = { "package.json": pkg({ prestart: "echo pre", start: "echo start && node server.js", poststart: "echo post" }) };
  const b = await runBuild(bp, { buildpackToml, app, plan });
  const web = b.launch?.processes[0];
  assert.ok(web);
  assert.deepEqual([web.command[0], web.command[1], web.command[3]], ["sh", "-c", "npm-start"]);
  assert.match(web.command[2] ?? "", /\( echo pre && echo start && node server\.js "\$@" && echo post \) <&9 9<&- &/);
  assert.match(b.stdout, /Start command: echo pre && echo start && node server\.js && echo post\n {4}runs through sh; SIGTERM and SIGINT are forwarded to it\n/);
  assert.match(b.stdout, /web \(default\): sh -c '<signal-forwarding wrapper of: echo pre && echo start && node server\.js "\$@" && echo post>' npm-start\n/);

  const custom = await runBuild(bp, { buildpackToml, app: { "package.json": pkg({ start: "node a.js", preserve: "echo warm", serve: "node b.js" }) }, plan, env: { BP_NPM_START_SCRIPT: "serve" } });
  assert.match(custom.stdout, /Start command: echo warm && node b\.js\n/, "BP_NPM_START_SCRIPT=serve runs preserve first, as npm does");
});

test("npm-start: BP_NODE_PROJECT_PATH: the script runs in the subproject, whose node_modules/.bin is on PATH", async () => {
  const app = { "package.json": pkg({ start: "node root.js" }), "packages/api/package.json": pkg({ start: "fastify start -l info app.js" }) };
  const b = await runBuild(bp, { buildpackToml, app, plan, env: { BP_NODE_PROJECT_PATH: "packages/api" }, keep: true });
  try {
    const sub = join(b.dir, "workspace/packages/api");
    assert.deepEqual(b.launch?.processes, [{ type: "web", command: ["sh", "-c", 'exec fastify start -l info app.js "$@"', "npm-start"], args: [], direct: true, default: true, workingDir: sub }]);
    assert.equal(b.layers["launch-path"]?.files["env.launch/PATH.prepend"], join(sub, "node_modules/.bin"));
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});

test("npm-start: a PATH layer restored for another path is rebuilt, not reused", async () => {
  const app = { "package.json": pkg({ start: "node server.js" }) };
  const rebuilt = await runBuild(bp, { buildpackToml, app, plan, layers: { "launch-path": { metadata: { bin: "/elsewhere/node_modules/.bin" }, metadataOnly: true } } });
  assert.equal(rebuilt.outcome, "success", rebuilt.stderr);
  assert.ok(rebuilt.layers["launch-path"]?.hasDir);
  assert.match(rebuilt.layers["launch-path"]?.files["env.launch/PATH.prepend"] ?? "", /workspace\/node_modules\/\.bin$/);
  assert.match(String(rebuilt.layers["launch-path"]?.metadata.bin), /workspace\/node_modules\/\.bin$/);
});

test("npm-start: tini runs the script's words without a shell; live reload ignores package files and node_modules", async () => {
  const app = { "package.json": pkg({ prestart: "echo pre", start: "node server.js --port 8080" }) };
  const tini = await runBuild(bp, { buildpackToml, app, plan, env: { BP_LAUNCH_WITH_TINI: "true" } });
  assert.deepEqual(tini.launch?.processes[0]?.command, ["tini", "-g", "--", "node", "server.js", "--port", "8080"]);
  assert.match(tini.stdout, /Warning: skipping the prestart and poststart scripts/);

  const reload = await runBuild(bp, { buildpackToml, app: { "package.json": pkg({ start: "node server.js" }) }, plan, env: { BP_LIVE_RELOAD_ENABLED: "true" } });
  const [web, noReload] = reload.launch?.processes ?? [];
  assert.equal(web?.type, "web");
  assert.equal(web?.default, true);
  assert.equal(web?.command[0], "watchexec");
  const ignored = web?.command.flatMap((w, i, all) => (all[i - 1] === "--ignore" ? [w.split("/").pop()] : []));
  assert.deepEqual(ignored, ["package.json", "package-lock.json", "node_modules"]);
  assert.deepEqual(web?.command.slice(-3), ["--", "node", "server.js"]);
  assert.deepEqual(noReload && { type: noReload.type, command: noReload.command, default: noReload.default }, { type: "no-reload", command: ["node", "server.js"], default: false });
});

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import type { StartScripts } from "./package-json.js";
import { startCommand, tiniCommand } from "./start-command.js";

const scripts = (start: string, more: Partial<StartScripts> = {}): StartScripts => ({ name: "start", start, pre: undefined, post: undefined, ...more });
const dir = mkdtempSync(join(tmpdir(), "npm-start-cmd-"));
after(() => rmSync(dir, { recursive: true, force: true }));
// The launch PATH has node on it (node-engine's layer); here, the node running the tests.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` };

test("start command: plain `node ...` runs directly; one simple command is exec'd by sh; anything else is wrapped", () => {
  const form = (start: string, more?: Partial<StartScripts>) => startCommand(scripts(start, more)).form;
  assert.deepEqual(startCommand(scripts("node server.js")).command, ["node", "server.js"]);
  assert.deepEqual(startCommand(scripts("  node --max-old-space-size=512  dist/main.js --port=8080 ")).command, ["node", "--max-old-space-size=512", "dist/main.js", "--port=8080"]);
  assert.equal(form("node server.js", { pre: "echo hi" }), "wrapped", "hooks need a shell");
  assert.equal(form("node server.js", { post: "echo bye" }), "wrapped");
  assert.equal(form("node 'my server.js'"), "exec", "quotes need a shell, but it is still one command");
  assert.equal(form("node server.js $PORT"), "exec");
  assert.equal(form("next start -p 8080"), "exec");
  assert.equal(form("NODE_ENV=production node server.js"), "wrapped", "an assignment cannot follow exec");
  assert.equal(form("echo start && node server.js"), "wrapped");
  assert.equal(form("node a.js | tee log"), "wrapped");
  assert.equal(form("node a.js > out.log"), "wrapped");
  assert.equal(form("node $(cat entry)"), "wrapped");
  assert.equal(form("-x"), "wrapped");
  assert.equal(form("if true; then node a.js; fi"), "wrapped");
  assert.equal(form("{ node a.js; }"), "wrapped");
  assert.deepEqual(tiniCommand(scripts("node  server.js --x")), ["tini", "-g", "--", "node", "server.js", "--x"]);
});

function run(command: string[], opts: { input?: string; args?: string[] } = {}) {
  const [exe, ...rest] = command;
  return spawnSync(String(exe), [...rest, ...(opts.args ?? [])], { cwd: dir, env, input: opts.input ?? "", encoding: "utf8", timeout: 10_000 });
}

test("start command (real sh): hooks run in order, user args reach the script, stdin is kept, the exit status passes through", () => {
  writeFileSync(join(dir, "app.js"), "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{console.log('app', JSON.stringify(process.argv.slice(2)), s.trim());process.exit(Number(process.env.CODE||0))})");
  const wrapped = startCommand(scripts("node app.js", { pre: "echo pre", post: "echo post" }));
  assert.equal(wrapped.form, "wrapped");
  const r = run(wrapped.command, { input: "from stdin\n", args: ["--port", "8080 x"] });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'pre\napp ["--port","8080 x"] from stdin\npost\n');
  assert.equal(wrapped.labels.get(wrapped.command[2] ?? ""), `'<signal-forwarding wrapper of: echo pre && node app.js "$@" && echo post>'`);

  const failing = startCommand(scripts("CODE=3 node app.js", { post: "echo never" }));
  const f = run(failing.command);
  assert.equal(f.status, 3, "the script's exit status is the process's");
  assert.doesNotMatch(f.stdout, /never/);

  const exec = startCommand(scripts("node app.js '$HOME'"));
  assert.equal(exec.form, "exec");
  const e = run(exec.command, { input: "in", args: ["extra"] });
  assert.equal(e.stdout, 'app ["$HOME","extra"] in\n');
});

test("start command (real sh): SIGTERM to the wrapper reaches the app, and the app's exit status is kept", async () => {
  writeFileSync(join(dir, "server.js"), "process.on('SIGTERM',()=>{console.log('graceful');process.exit(42)});console.log('ready');setInterval(()=>{},1000)");
  const { command } = startCommand(scripts("node server.js", { pre: "true" }));
  const [exe, ...rest] = command;
  const child = spawn(String(exe), rest, { cwd: dir, env, stdio: ["ignore", "pipe", "inherit"] });
  const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
    if (out.includes("ready")) child.kill("SIGTERM");
  });
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  clearTimeout(killer);
  assert.equal(out, "ready\ngraceful\n");
  assert.equal(code, 42);
});

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { procfile } from "./buildpack.js";
import { parseProcfile } from "./procfile.js";
import { splitWords } from "./shell-words.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const buildpackToml = readFileSync(join(root, "src/buildpacks/procfile/buildpack.toml"), "utf8");
const bp = procfile();

test("Procfile parsing: comments, blank lines and CRLF are fine; the last of a repeated type wins", () => {
  const text = "# processes\r\n\r\nweb: node server.js --port $PORT\r\n  worker:   node worker.js  \nweb.v2: echo a:b\nrelease-task:x\nweb: npm start\n";
  assert.deepEqual(parseProcfile(text, "Procfile"), { web: "npm start", worker: "node worker.js", "web.v2": "echo a:b", "release-task": "x" });
  assert.deepEqual(parseProcfile("", "Procfile"), {});
});

test("Procfile parsing: a bad line is an error naming the file and line", () => {
  assert.throws(() => parseProcfile("web: ok\n\nweb server.js\n", "Procfile"), { code: "PROCFILE_SYNTAX", message: 'Procfile:3: expected "<type>: <command>", got "web server.js"' });
  assert.throws(() => parseProcfile("# c\nweb:\n", "binding p: Procfile"), { message: 'binding p: Procfile:2: process type "web" has no command' });
  assert.throws(() => parseProcfile("my web: x", "Procfile"), /Procfile:1: expected/);
});

test("shell words: quotes, escapes, operators", () => {
  const words = (t: string) => {
    const r = splitWords(t, { operators: "error" });
    assert.ok(r.ok, r.ok ? "" : r.problem);
    return r.words.map((w) => w.value);
  };
  assert.deepEqual(words(`java -jar "my app.jar"  --name='a b' x\\ y "q\\"uote" 'it'"'"'s' $PORT ""`), ["java", "-jar", "my app.jar", "--name=a b", "x y", 'q"uote', "it's", "$PORT", ""]);
  assert.deepEqual(words(`"a\\b" 'c\\d'`), ["a\\b", "c\\d"]);
  const bad = (t: string) => {
    const r = splitWords(t, { operators: "error" });
    assert.ok(!r.ok);
    return r.problem;
  };
  assert.equal(bad(`echo 'open`), "the single quote at character 6 is not closed");
  assert.equal(bad(`echo "open`), "the double quote at character 6 is not closed");
  assert.equal(bad(`echo x\\`), "it ends with a lone backslash");
  assert.match(bad(`a && b`), /'&' at character 3 is shell syntax/);
  const lit = splitWords(`a;b 'x=1'=2 k=v=w`, { operators: "literal" });
  assert.ok(lit.ok);
  assert.deepEqual(lit.words, [{ value: "a;b", eq: -1 }, { value: "x=1=2", eq: 3 }, { value: "k=v=w", eq: 1 }]);
});

test("procfile: detect fails without a source; the Procfile's entries reach the build through the plan", async () => {
  const none = await runDetect(bp, { buildpackToml, app: { "procfile.txt": "web: x" } });
  assert.equal(none.outcome, "fail");
  assert.match(none.stdout, /no Procfile, no binding of type Procfile, and BP_PROCFILE_DEFAULT_PROCESS is not set/);
  const d = await runDetect(bp, { buildpackToml, app: { Procfile: "web: node server.js\nworker: node w.js\n" } });
  assert.ok(d.outcome === "pass", d.stderr);
  assert.deepEqual(d.plan, { provides: [{ name: "procfile" }], requires: [{ name: "procfile", metadata: { web: "node server.js", worker: "node w.js" } }], or: [] });
  const bad = await runDetect(bp, { buildpackToml, app: { Procfile: "web node server.js\n" } });
  assert.equal(bad.outcome, "error");
  assert.match(bad.stderr, /ERROR: Procfile:1: expected "<type>: <command>"/);
});

test("procfile: BP_PROCFILE_DEFAULT_PROCESS < Procfile < a Procfile binding", async () => {
  const detect = (opts: Parameters<typeof runDetect>[1]) =>
    runDetect(bp, { buildpackToml, ...opts }).then((d) => {
      assert.ok(d.outcome === "pass", d.stderr);
      return d.plan.requires[0]?.metadata;
    });
  assert.deepEqual(await detect({ env: { BP_PROCFILE_DEFAULT_PROCESS: "./run.sh" } }), { web: "./run.sh" });
  assert.deepEqual(await detect({ env: { BP_PROCFILE_DEFAULT_PROCESS: "./run.sh" }, app: { Procfile: "worker: w" } }), { web: "./run.sh", worker: "w" });
  assert.deepEqual(await detect({ env: { BP_PROCFILE_DEFAULT_PROCESS: "./run.sh" }, app: { Procfile: "web: app" } }), { web: "app" });
  const bindings = { procs: { type: "Procfile", entries: { Procfile: "web: from-binding\nextra: e\n" } } };
  assert.deepEqual(await detect({ app: { Procfile: "web: app\nworker: w" }, bindings }), { web: "from-binding", worker: "w", extra: "e" });
  const noEntry = await runDetect(bp, { buildpackToml, bindings: { procs: { type: "procfile", entries: { other: "" } } } });
  assert.match(noEntry.stderr, /binding procs \(type Procfile\) has no Procfile entry/);
  const badBinding = await runDetect(bp, { buildpackToml, bindings: { procs: { type: "Procfile", entries: { Procfile: "\n\n???\n" } } } });
  assert.match(badBinding.stderr, /binding procs: Procfile:3: expected/);
});

test("procfile: each entry runs through bash -c; web is the default, else worker, else none", async () => {
  const build = (metadata: Record<string, string>, env: Record<string, string> = {}) => runBuild(bp, { buildpackToml, plan: [{ name: "procfile", metadata }], env });
  const b = await build({ worker: "node w.js", web: "node server.js --port $PORT" });
  assert.equal(b.outcome, "success", b.stderr);
  assert.deepEqual(b.launch?.processes, [
    { type: "web", command: ["bash", "-c", "node server.js --port $PORT", "web"], args: [], direct: true, default: true },
    { type: "worker", command: ["bash", "-c", "node w.js", "worker"], args: [], direct: true, default: false },
  ]);
  assert.equal(
    b.stdout,
    "Paketo Buildpack for Procfile 0.1.0\n  Processes run through bash -c\n  Assigning launch processes:\n    web (default): node server.js --port $PORT\n    worker: node w.js\n",
  );
  assert.deepEqual((await build({ release: "r", worker: "w" })).launch?.processes.map((p) => [p.type, p.default]), [["release", false], ["worker", true]]);
  assert.deepEqual((await build({ release: "r" })).launch?.processes.map((p) => p.default), [false]);
});

test("procfile: a bash process expands variables, runs operators and gets launch arguments as $@ (real bash)", async () => {
  const b = await runBuild(bp, { buildpackToml, plan: [{ name: "procfile", metadata: { web: 'echo "port=$PORT" && printf "<%s>" "$0" "$@"' } }] });
  const [exe, ...args] = b.launch?.processes[0]?.command ?? [];
  const r = spawnSync(String(exe), [...args, "a b", "c"], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PORT: "8080" }, encoding: "utf8", timeout: 10_000 });
  assert.equal(r.stdout, "port=8080\n<web><a b><c>");
});

test("procfile: BP_DIRECT_PROCESS=true splits commands into words and refuses shell syntax", async () => {
  const build = (web: string) => runBuild(bp, { buildpackToml, plan: [{ name: "procfile", metadata: { web } }], env: { BP_DIRECT_PROCESS: "true" } });
  const b = await build(`java -Dname="my app" -jar app.jar`);
  assert.deepEqual(b.launch?.processes, [{ type: "web", command: ["java", "-Dname=my app", "-jar", "app.jar"], args: [], direct: true, default: true }]);
  assert.match(b.stdout, /Processes run directly \(BP_DIRECT_PROCESS=true\)/);
  const op = await build("migrate && serve");
  assert.equal(op.outcome, "error");
  assert.match(op.stderr, /process web: "migrate && serve" cannot run without a shell: '&' at character 9 is shell syntax/);
  const quote = await build(`serve "x`);
  assert.match(quote.stderr, /the double quote at character 7 is not closed/);
  const badBool = await runBuild(bp, { buildpackToml, plan: [{ name: "procfile", metadata: { web: "x" } }], env: { BP_DIRECT_PROCESS: "yes" } });
  assert.match(badBool.stderr, /BP_DIRECT_PROCESS=yes is not a boolean/);
});

// The build memo through the real CLI: a rebuild with nothing changed returns the previous image
// without running a buildpack, and a change to any input (each in turn) builds again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mutate, transport } from "../../oci/index.js";
import { tempDir, writeTree } from "../../testing/index.js";
import { cli, makeStack } from "./testing/e2e.js";
import { makeMemoBuilder } from "./testing/memo.js";
import { saveBuildMemo } from "./build-memo.js";

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
const c = cli(() => env);
let server: Server;
let registry = "";
/** What the loopback registry answers for memo-dep's latest version. */
let latest = "1.0.0";

before(async () => {
  tmp = tempDir("paketo-build-memo-");
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store") };
  server = createServer((req, res) => {
    if (req.url !== "/memo-dep") return void res.writeHead(404).end();
    const versions = { [latest]: { name: "memo-dep", version: latest, dist: { tarball: `${registry}memo-dep/-/memo-dep-${latest}.tgz` } } };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ name: "memo-dep", "dist-tags": { latest }, versions }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  registry = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/`;
  await makeStack(c, tmp.path);
  await makeMemoBuilder(c, tmp.path, "bm:1", ["reads-pkg"]);
  await makeMemoBuilder(c, tmp.path, "bm:2", ["reads-pkg", "exists-server"]);
  // Another run image: the same with one more label (another digest).
  const o = { storeRoot: join(tmp.path, "store"), env: process.env };
  const run = await transport.read("stack:run", o);
  assert.equal(run.kind, "image");
  if (run.kind === "image") await transport.write("stack:run-labelled", { kind: "image", image: mutate.withLabels(run.image, { "org.example.memo": "2" }) }, o);
});

after(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  tmp?.cleanup();
});

// The memo lives in the machine's cache, one per destination: a name of this run's own.
const DEST = `build-memo-${process.pid}-${Date.now()}:1`;

/** Builds; true when the memo answered (no buildpack ran). */
async function memoised(app: string, extra: string[] = []): Promise<boolean> {
  return (await build(app, extra)).hit;
}

async function build(app: string, extra: string[] = []): Promise<{ hit: boolean; digest: string }> {
  const r = await c.paketo(["build", DEST, "--builder", "bm:1", "--path", app, "--env", `MEMO_REGISTRY=${registry}`, "--network", "host", ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const hit = /Nothing changed since the previous build/.test(r.stderr);
  assert.equal(hit, !/build ran: memo-dep/.test(r.stderr), `either the memo answers or the buildpack runs:\n${r.stderr}`);
  return { hit, digest: r.stdout.trim() };
}

/**
 * After a change: the next build runs the buildpacks, and the memo answers again once a build has
 * reproduced its previous image and cache (at most one more build; a first build built with --settle is settled at once).
 */
async function buildsAgain(app: string, extra: string[], what: string): Promise<void> {
  assert.equal(await memoised(app, extra), false, `${what}: builds again`);
  const second = await memoised(app, extra);
  assert.ok(second || (await memoised(app, extra)), `${what}: then the memo answers again`);
}

test("no change returns the previous image; each input changed in turn builds again", async () => {
  const app = writeTree(join(tmp.path, "app"), { "package.json": "{}", "server.js": "// v1\n" });
  const first = await build(app, ["--settle"]);
  assert.equal(first.hit, false, "first build");
  // The first build was settled (--settle: it reproduced itself from its own image and cache), so
  // the memo answers from the second build on.
  const again = await build(app);
  assert.equal(again.hit, true, "no change");
  assert.equal(again.digest, first.digest, "the same image");

  writeFileSync(join(app, "server.js"), "// v2\n");
  await buildsAgain(app, [], "a file no detect read, same size");
  let extra = ["--env", "SOME_SETTING=1"];
  await buildsAgain(app, extra, "user env");
  extra = [...extra, "--binding", `b=${writeTree(join(tmp.path, "binding"), { type: "thing", key: "v" })}`];
  await buildsAgain(app, extra, "a binding");
  await buildsAgain(app, [...extra, "--builder", "bm:2"], "another builder");
  await buildsAgain(app, [...extra, "--run-image", "stack:run-labelled"], "another run image");
  latest = "1.1.0";
  await buildsAgain(app, extra, "the registry's metadata changed (the buildpack asks with max age 0)");
  await c.ok(["copy", "stack:run", DEST]);
  await buildsAgain(app, extra, "the destination holds another image");
  assert.equal(await memoised(app, [...extra, "--clear-cache"]), false, "--clear-cache");
  assert.equal(await memoised(app, [...extra, "--env", "MEMO_SPAWN=1"]), false, "a build that starts a process...");
  assert.equal(await memoised(app, [...extra, "--env", "MEMO_SPAWN=1"]), false, "...is never memoised");
});

test("a first build that a rebuild would not reproduce is not answered from the memo", async () => {
  // MEMO_LATE: the second build's layer says "restored" where the first's said "empty", so the
  // second build gives another image; only from then on is the image stable.
  const dest = `build-memo-late-${process.pid}-${Date.now()}:1`;
  const app = writeTree(join(tmp.path, "late"), { "package.json": "{}" });
  const run = async () => {
    const r = await c.paketo(["build", dest, "--builder", "bm:1", "--path", app, "--env", "MEMO_LATE=1", "--settle"]);
    assert.equal(r.code, 0, r.stderr);
    return { hit: /Nothing changed since the previous build/.test(r.stderr), digest: r.stdout.trim() };
  };
  const first = await run();
  const second = await run();
  assert.equal(second.hit, false, "the second build runs its buildpacks");
  assert.notEqual(second.digest, first.digest, "and gives the image a full build gives");
  const third = await run();
  assert.equal(third.hit, false, "the third runs too: the second build changed the image");
  assert.equal(third.digest, second.digest);
  const fourth = await run();
  assert.equal(fourth.hit, true, "then the memo answers");
  assert.equal(fourth.digest, second.digest);
});

test("a build that used metadata the platform cannot ask for again is not kept", async () => {
  const path = join(tmp.path, "memo-unit.json");
  const o = { path, key: "k", before: { image: "sha256:a", cache: "c" }, after: { image: "sha256:a", cache: "c" }, layers: 1, canRecheck: (m: { source: string }) => m.source === "npm" };
  const npmUse = { source: "npm", name: "x", digest: "d" };
  assert.equal(await saveBuildMemo({ ...o, records: [{ memoisable: true, metadata: [npmUse] }] }), undefined, "npm metadata: kept");
  assert.ok(existsSync(path));
  const why = await saveBuildMemo({ ...o, records: [{ memoisable: true, metadata: [npmUse, { source: "debian", url: "u", id: "i" }] }] });
  assert.match(why ?? "", /debian metadata, which the platform cannot ask for again/);
  assert.ok(!existsSync(path), "and the memo is removed");
});

// The build memo through the real CLI: a rebuild with nothing changed returns the previous image
// without running a buildpack, and a change to any input (each in turn) builds again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { mutate, transport } from "../../oci/index.js";
import { tempDir, writeTree } from "../../testing/index.js";
import { cli, makeStack } from "./testing/e2e.js";
import { makeMemoBuilder } from "./testing/memo.js";

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
  const r = await c.paketo(["build", DEST, "--builder", "bm:1", "--path", app, "--env", `MEMO_REGISTRY=${registry}`, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  const hit = /Nothing changed since the previous build/.test(r.stderr);
  assert.equal(hit, !/build ran: memo-dep/.test(r.stderr), `either the memo answers or the buildpack runs:\n${r.stderr}`);
  return { hit, digest: r.stdout.trim() };
}

test("no change returns the previous image; each input changed in turn builds again", async () => {
  const app = writeTree(join(tmp.path, "app"), { "package.json": "{}", "server.js": "// v1\n" });
  const first = await build(app);
  assert.equal(first.hit, false, "first build");
  const again = await build(app);
  assert.equal(again.hit, true, "no change");
  assert.equal(again.digest, first.digest, "the same image");

  writeFileSync(join(app, "server.js"), "// v2\n");
  assert.equal(await memoised(app), false, "a file no detect read, same size");
  assert.equal(await memoised(app), true, "then no change again");
  let extra = ["--env", "SOME_SETTING=1"];
  assert.equal(await memoised(app, extra), false, "user env");
  assert.equal(await memoised(app, extra), true, "user env, then no change");
  extra = [...extra, "--binding", `b=${writeTree(join(tmp.path, "binding"), { type: "thing", key: "v" })}`];
  assert.equal(await memoised(app, extra), false, "a binding");
  assert.equal(await memoised(app, extra), true, "a binding, then no change");
  assert.equal(await memoised(app, [...extra, "--builder", "bm:2"]), false, "another builder");
  assert.equal(await memoised(app, [...extra, "--builder", "bm:2"]), true, "another builder, then no change");
  assert.equal(await memoised(app, [...extra, "--run-image", "stack:run-labelled"]), false, "another run image");
  assert.equal(await memoised(app, [...extra, "--run-image", "stack:run-labelled"]), true, "another run image, then no change");
  latest = "1.1.0";
  assert.equal(await memoised(app, extra), false, "the registry's metadata changed (the buildpack asks with max age 0)");
  assert.equal(await memoised(app, extra), true, "then no change");
  await c.ok(["copy", "stack:run", DEST]);
  assert.equal(await memoised(app, extra), false, "the destination holds another image");
  assert.equal(await memoised(app, [...extra, "--clear-cache"]), false, "--clear-cache");
  assert.equal(await memoised(app, [...extra, "--env", "MEMO_SPAWN=1"]), false, "a build that starts a process...");
  assert.equal(await memoised(app, [...extra, "--env", "MEMO_SPAWN=1"]), false, "...is never memoised");
});

// The buildpack host (one Node.js process per phase for buildpacks on our buildpack API): each
// bin/detect and bin/build sees the argv, working directory and env it sees as its own process.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { cli, makeStack } from "./testing/e2e.js";
import { makeMemoBuilder } from "./testing/memo.js";

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
const c = cli(() => env);

before(async () => {
  tmp = tempDir("paketo-host-");
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store") };
  await makeStack(c, tmp.path);
  await makeMemoBuilder(c, tmp.path, "host:1", ["reads-pkg", "shows", "bash-pkg"]);
});

after(() => tmp?.cleanup());

/** What the `shows` buildpack printed about its process in detect and build. */
async function seen(host: "on" | "off"): Promise<unknown[]> {
  const app = writeTree(join(tmp.path, `app-${host}`), { "package.json": "{}" });
  // --clear-cache: no memo, so every detect and build runs.
  const r = await c.paketo(["build", `host-${host}:1`, "--builder", "host:1", "--path", app, "--verbose", "--clear-cache", "--buildpack-host", host, "--env", "SOME=value"]);
  assert.equal(r.code, 0, r.stderr);
  const shown = [...r.stderr.matchAll(/process: (\{.*\})$/gm)].map((m) => {
    const v = JSON.parse(m[1] as string) as { argv: string[]; env: Record<string, string>; ctxEnv: Record<string, string> };
    // The plan's run dir has a random name; everything else must be the same.
    const norm = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, x]) => [k, x.replace(/\/tmp\/[^/]+\//, "/tmp/RUN/")]));
    return { ...v, argv: v.argv.map((a) => a.replace(/\/tmp\/[^/]+\//, "/tmp/RUN/")), env: norm(v.env), ctxEnv: norm(v.ctxEnv) };
  });
  assert.equal(shown.length, 2, `detect and build of "shows" print their process:\n${r.stderr}`);
  assert.equal((r.stderr.match(/Started the buildpack host/g) ?? []).length, host === "on" ? 2 : 0, r.stderr);
  return shown;
}

test("in the host, a buildpack sees the argv, cwd and env its own process sees, in detect and build", async () => {
  const alone = await seen("off");
  const hosted = await seen("on");
  assert.deepEqual(hosted, alone);
  const [detect] = hosted as { env: Record<string, string>; cwd: string }[];
  assert.equal(detect?.env.SOME, "value");
  assert.equal(detect?.cwd, "/workspace");
});

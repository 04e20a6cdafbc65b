// CNB conformance through the real CLI, part 1: what an image does at launch. One build with the
// fixture buildpacks env-a (API 0.12), env-b (0.10), legacy (0.7) and ts (0.10, written on the
// buildpack API), exported to the store and an OCI layout, then run by podman once per question.
// Fixtures: src/platform/build/fixtures/conformance (see its README).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { cli, CONFORMANCE_BUILDER, makeConformanceBuilder, type OciImage, podmanAsync, readOciLayout, tarEntries } from "./testing/e2e.js";

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
const { paketo, ok } = cli(() => env);
let buildLog = "";
let image: OciImage;
let imageId = "";

const GROUP = ["conformance/env-a", "conformance/env-b", "conformance/legacy", "conformance/ts"];

/** Runs the image with podman: `args` before the image are podman's, `cmd` after it the container's. */
async function launch(cmd: string[], opts: string[] = []): Promise<string> {
  const r = await podmanAsync(join(tmp.path, "podman"), ["run", "--rm", ...opts, imageId, ...cmd]);
  assert.equal(r.code, 0, `podman run ${[...opts, ...cmd].join(" ")}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** The `conformance-show` lines (see env-a/show) as a map; a value may span lines. */
function shown(out: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of out.matchAll(/^([A-Za-z_]+|args|cwd)(?:=|: )\[?([\s\S]*?)\]?$(?=\n(?:[A-Za-z_]+=|args:|cwd:|exec\.d )|\n?$(?![\s\S]))/gm)) {
    vars[m[1] as string] = m[2] as string;
  }
  return vars;
}

before(async () => {
  tmp = tempDir("paketo-conformance-launch-");
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store") };
  await makeConformanceBuilder({ paketo, ok }, tmp.path);
  const app = writeTree(join(tmp.path, "app"), {
    "main.txt": "the app\n",
    "static/index.html": "<p>static</p>\n",
    "static/css/site.css": "p {}\n",
    ".profile": "export CONF_APP_PROFILE=app-profile\n",
    "cache-key.txt": "k1\n",
  });
  const r = await paketo(["build", "launch:1", "--builder", CONFORMANCE_BUILDER, "--path", app, ...GROUP.flatMap((b) => ["--buildpack", b])]);
  assert.equal(r.code, 0, r.stderr);
  buildLog = r.stderr;
  await ok(["copy", "launch:1", `oci:${tmp.path}/layout`]);
  image = readOciLayout(join(tmp.path, "layout"));
  await ok(["copy", "launch:1", `oci-archive:${tmp.path}/launch.tar`]);
  const pulled = await podmanAsync(join(tmp.path, "podman"), ["pull", "-q", `oci-archive:${tmp.path}/launch.tar`]);
  assert.equal(pulled.code, 0, pulled.stderr);
  imageId = pulled.stdout.trim();
});

after(() => tmp?.cleanup());

describe("launch", { concurrency: true }, () => {
  test("CNB-15: a later buildpack builds with an earlier one's build layer: its bin on PATH, env/ and env.build/ applied, env.launch/ not", () => {
    assert.match(buildLog, /env-b at build: which=\[env-a\] CONF_BUILD_ONLY=\[build\] CONF_LAUNCH_ONLY=\[unset\] CONF_OVERRIDE=\[from-a\] CONF_LIST=\[a\]/);
  });

  test("smoke", async () => {
    console.log(await launch([]));
  });
});

// `paketo build` end to end: our Debian stack, a builder made by `paketo builder create` with a
// bash buildpack written here, the build in the bubblewrap sandbox, and the image run by podman.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { run, tempDir, writeTree } from "../../testing/index.js";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../../bin/paketo");
let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;

function paketo(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

async function ok(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await paketo(args, extra);
  assert.equal(r.code, 0, `paketo ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

function podman(args: string[]): string {
  const dir = join(tmp.path, "podman");
  const conf = join(dir, "containers.conf");
  mkdirSync(dir, { recursive: true });
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n');
  return run("podman", ["--root", join(dir, "root"), "--runroot", join(dir, "runroot"), "--storage-driver", "vfs", ...args], {
    env: { ...process.env, CONTAINERS_CONF: conf },
  });
}

const DETECT = `#!/usr/bin/env bash
set -eu
[ -f hello.txt ] || exit 100
`;

const BUILD = `#!/usr/bin/env bash
set -eu
layers="$1"
if [ -x "$layers/greeting/bin/greet" ] && grep -q 'version = "1"' "$layers/greeting.toml" 2>/dev/null; then
  echo "---> Reusing the greeting layer"
else
  echo "---> Greeting buildpack"
  rm -rf "$layers/greeting"
  mkdir -p "$layers/greeting/env.launch" "$layers/greeting/bin"
  printf 'paketo' > "$layers/greeting/env.launch/GREETING"
  printf '#!/bin/sh\\necho "hello from $GREETING as $(id -u)"\\ncat /workspace/hello.txt\\n' > "$layers/greeting/bin/greet"
  chmod +x "$layers/greeting/bin/greet"
fi
printf '[types]\\nlaunch = true\\ncache = true\\n[metadata]\\nversion = "1"\\n' > "$layers/greeting.toml"
printf '[[processes]]\\ntype = "web"\\ncommand = ["greet"]\\ndefault = true\\n' > "$layers/launch.toml"
`;

before(async () => {
  tmp = tempDir("paketo-build-");
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store") };
  // The stack, resolved fresh (the shipped lock may name superseded packages), from the shared caches.
  await ok(["stack", "create", "--update", "--lock", join(tmp.path, "stack.lock.toml"), "--flavor", "build", "stack:build"]);
  await ok(["stack", "create", "--lock", join(tmp.path, "stack.lock.toml"), "--flavor", "base", "stack:run"]);
  writeTree(join(tmp.path, "bp"), {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/greeting"\nversion = "1.0.0"\nname = "Greeting"\n[[targets]]\nos = "linux"\n',
    "bin/detect": { content: DETECT, mode: 0o755 },
    "bin/build": { content: BUILD, mode: 0o755 },
  });
  writeFileSync(
    join(tmp.path, "builder.toml"),
    `[[buildpacks]]\nuri = "${join(tmp.path, "bp")}"\n\n[[order]]\n[[order.group]]\nid = "test/greeting"\nversion = "1.0.0"\n\n[build]\nimage = "stack:build"\n\n[[run.images]]\nimage = "stack:run"\n`,
  );
  await ok(["builder", "create", "builder:1", "--config", join(tmp.path, "builder.toml")]);
});

after(() => tmp?.cleanup());

test("build runs the buildpack in the sandbox and the image runs under podman with its launch env (CNB-18, CNB-57)", async () => {
  const app = writeTree(join(tmp.path, "app"), { "hello.txt": "from the app\n" });
  const digest = await ok(["build", "app:1", "--builder", "builder:1", "--path", app]);
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  await ok(["copy", "app:1", `oci-archive:${tmp.path}/app.tar`]);
  const out = podman(["run", "--rm", `oci-archive:${tmp.path}/app.tar`]);
  assert.equal(out, "hello from paketo as 1002\nfrom the app\n");
});

test("two builds of the same app in different folders give the same digest; unchanged layers are not re-tarred", async () => {
  const a = writeTree(join(tmp.path, "a/app"), { "hello.txt": "same\n" });
  const b = writeTree(join(tmp.path, "b/elsewhere/app"), { "hello.txt": "same\n" });
  const first = await ok(["build", "same:a", "--builder", "builder:1", "--path", a]);
  const r = await paketo(["build", "same:b", "--builder", "builder:1", "--path", b]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), first);
  // Different destinations have different caches, so the greeting layer is built again there, but
  // the app, launcher and process config layers are found by content and reused.
  const m = /(\d+) layers created, (\d+) reused/.exec(r.stderr);
  assert.ok(m, r.stderr);
  assert.ok(Number(m[2]) >= 3, r.stderr);
  // A rebuild of the same destination restores the cached layer, the buildpack keeps it, and the
  // export tars nothing (D8, CNB-25, CNB-49).
  const again = await paketo(["build", "same:b", "--builder", "builder:1", "--path", b, "--timings"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stdout.trim(), first);
  assert.match(again.stderr, /Reusing the greeting layer/);
  assert.match(again.stderr, /0 layers created/);
});

test("an app no buildpack detects exits 20 (CNB-28) with one clear message and writes nothing", async () => {
  const app = writeTree(join(tmp.path, "nothing"), { "other.txt": "x" });
  const r = await paketo(["build", "nothing:1", "--builder", "builder:1", "--path", app]);
  assert.equal(r.code, 20, r.stderr);
  assert.match(r.stderr, /detect|passed/i);
  const images = JSON.parse(await ok(["images", "--json"])) as Array<{ name: string }>;
  assert.ok(!images.some((i) => i.name === "nothing:1"));
});

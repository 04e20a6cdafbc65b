// `paketo build` end to end: our Debian stack, a builder made by `paketo builder create` with a
// bash buildpack written here, the build in the bubblewrap sandbox, and the image run by podman.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { stripVTControlCharacters } from "node:util";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { cli, makeStack, podman as podmanIn } from "./testing/e2e.js";

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
const { paketo, ok, terminal } = cli(() => env);
const podman = (args: string[]) => podmanIn(join(tmp.path, "podman"), args);

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
# An app with scribble.txt gets written to, as buildpacks that compile in place do.
if [ -f scribble.txt ]; then echo "buildpack was here" >> scribble.txt; echo new > added-by-buildpack; fi
printf '[types]\\nlaunch = true\\ncache = true\\n[metadata]\\nversion = "1"\\n' > "$layers/greeting.toml"
printf '[[processes]]\\ntype = "web"\\ncommand = ["greet"]\\ndefault = true\\n' > "$layers/launch.toml"
`;

before(async () => {
  tmp = tempDir("paketo-build-");
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store") };
  await makeStack({ paketo, ok }, tmp.path);
  writeTree(join(tmp.path, "bp"), {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/greeting"\nversion = "1.0.0"\nname = "Greeting"\n[[targets]]\nos = "linux"\n',
    "bin/detect": { content: DETECT, mode: 0o755 },
    "bin/build": { content: BUILD, mode: 0o755 },
  });
  writeFileSync(
    join(tmp.path, "builder.toml"),
    `[[buildpacks]]\nuri = "${join(tmp.path, "bp")}"\n\n[[order]]\n[[order.group]]\nid = "test/greeting"\nversion = "1.0.0"\n\n[build]\nimage = "stack:build"\n\n[[run.images]]\nimage = "stack:run"\n`,
  );
  const made = await paketo(["builder", "create", "builder:1", "--config", join(tmp.path, "builder.toml")]);
  assert.equal(made.code, 0, made.stderr);
  // D6: the launcher is compiled by the build image's own gcc (in the sandbox), not the host's.
  assert.match(made.stderr, /Launcher (compiled|from cache): gcc \(Debian [^)]*\) \S+ in the build image [0-9a-f]{12}/);
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
  // --json: one document on stdout for machines, the log still on stderr.
  const json = await paketo(["build", "same:b", "--builder", "builder:1", "--path", b, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { digest: string; layers: { created: number }; timings: Record<string, number> };
  assert.equal(doc.digest, first);
  assert.equal(doc.layers.created, 0);
  assert.ok(typeof doc.timings.export === "number" && typeof doc.timings.restore === "number", json.stdout);
  assert.match(json.stderr, /Reusing the greeting layer/);
});

test("a rebuild after a change brings the kept workspace to the app's state and gives a from-scratch build's digest; buildpacks' writes never reach the app folder", async () => {
  const tree: Record<string, string> = { "hello.txt": "one\n", "scribble.txt": "app's\n" };
  for (let i = 0; i < 200; i++) tree[`assets/d${i % 7}/f${i}.txt`] = `asset ${i}\n`;
  const app = writeTree(join(tmp.path, "inc/app"), tree);
  const host = () => {
    const out: string[] = [];
    const walk = (rel: string) => {
      for (const name of readdirSync(join(app, rel)).sort()) {
        const r = rel ? `${rel}/${name}` : name;
        const st = lstatSync(join(app, r), { bigint: true });
        out.push(`${r} ${st.ino} ${st.mode} ${st.mtimeNs} ${st.ctimeNs} ${st.isFile() ? readFileSync(join(app, r), "utf8") : ""}`);
        if (st.isDirectory()) walk(r);
      }
    };
    walk("");
    return out;
  };
  const before = host();
  await ok(["build", "inc:1", "--builder", "builder:1", "--path", app]);
  assert.deepEqual(host(), before);
  writeFileSync(join(app, "hello.txt"), "two\n");
  const edited = host();
  const r = await paketo(["build", "inc:1", "--builder", "builder:1", "--path", app, "--verbose"]);
  assert.equal(r.code, 0, r.stderr);
  // hello.txt (the app changed it) and scribble.txt (the last build wrote it) copied; the file the build added removed.
  assert.match(r.stderr, /Workspace: kept copy, 2 file\(s\) copied, 200 kept, 1 removed/);
  // The app layer: only the chunk holding hello.txt is written again; the rest is the previous layer's.
  assert.match(r.stderr, /App layer: [1-9]\d* chunk\(s\) taken from the previous one, 1 written/);
  assert.deepEqual(host(), edited);
  const scratch = writeTree(join(tmp.path, "inc/scratch"), { ...tree, "hello.txt": "two\n" });
  const fresh = await ok(["build", "inc-scratch:1", "--builder", "builder:1", "--path", scratch]);
  assert.equal(r.stdout.trim(), fresh);
});

test("a buildpack's download progress: live on a terminal, then gone, its own log line kept; off a terminal only the log", async () => {
  // What a buildpack on our API prints for ctx.progress when the platform sets PAKETO_PROGRESS=1.
  const ev = (o: object) => `printf '%s\\n' '::paketo-progress:: ${JSON.stringify(o)}'`;
  const key = { op: "download", digest: "sha512:thing" };
  const build = [
    "#!/usr/bin/env bash",
    "set -eu",
    'echo "asked for progress: ${PAKETO_PROGRESS:-no}"',
    'if [ "${PAKETO_PROGRESS:-}" = 1 ]; then',
    ev({ kind: "blob-start", ...key, total: 4 << 20, what: "thing@1.0.0" }),
    "sleep 0.5",
    ev({ kind: "blob-progress", ...key, done: 1 << 20, total: 4 << 20 }),
    "sleep 0.5",
    ev({ kind: "blob-done", ...key, total: 4 << 20, result: "transferred" }),
    "fi",
    'echo "Installed thing 1.0.0"',
    'printf \'[[processes]]\\ntype = "web"\\ncommand = ["true"]\\ndefault = true\\n\' > "$1/launch.toml"',
    "",
  ].join("\n");
  const bp = writeTree(join(tmp.path, "progress-bp"), {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/progress"\nversion = "1.0.0"\n[[targets]]\nos = "linux"\n',
    "bin/detect": { content: "#!/usr/bin/env bash\nexit 0\n", mode: 0o755 },
    "bin/build": { content: build, mode: 0o755 },
  });
  const app = writeTree(join(tmp.path, "progress-app"), { "hello.txt": "x\n" });
  const args = ["build", "progress:1", "--builder", "builder:1", "--path", app, "--buildpack", bp];

  const tty = await terminal(args);
  assert.equal(tty.code, 0, tty.output);
  // The live line, drawn while the buildpack runs, is erased before the buildpack's next log line.
  assert.match(tty.output, /downloading thing@1\.0\.0 {2}1 MiB \/ 4 MiB {2}25%[^]*?\x1b\[2K[^]*? {2}Installed thing 1\.0\.0/, JSON.stringify(tty.output));
  const seen = stripVTControlCharacters(tty.output).replace(/\r/g, "");
  assert.match(seen, /\n {2}asked for progress: 1\n[^]*\n {2}Installed thing 1\.0\.0\n/);
  assert.doesNotMatch(seen, /paketo-progress|downloaded thing/, "progress lines leave the log; the buildpack's own line is the step's");

  const piped = await paketo(args);
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.match(piped.stderr, /asked for progress: 1\n {2}Installed thing 1\.0\.0\n/);
  assert.doesNotMatch(piped.stderr, /paketo-progress|thing@1\.0\.0|\x1b/);
});

test("an app no buildpack detects exits 20 (CNB-28) with one clear message and writes nothing", async () => {
  const app = writeTree(join(tmp.path, "nothing"), { "other.txt": "x" });
  const r = await paketo(["build", "nothing:1", "--builder", "builder:1", "--path", app]);
  assert.equal(r.code, 20, r.stderr);
  assert.match(r.stderr, /detect|passed/i);
  const images = JSON.parse(await ok(["images", "--json"])) as Array<{ name: string }>;
  assert.ok(!images.some((i) => i.name === "nothing:1"));
});

test("--sandbox none runs the buildpacks directly and gives the bwrap build's digest", async () => {
  // Buildpacks then see host paths (CNB_LAYERS_DIR is <work>/layers, not /layers): a buildpack that
  // writes its own absolute paths into layer files or env makes a different image by design, and
  // one that does not (like this one) makes the same. Export always places layers at /layers.
  const app = writeTree(join(tmp.path, "none/app"), { "hello.txt": "same\n" });
  const sandboxed = await ok(["build", "none:bwrap", "--builder", "builder:1", "--path", app]);
  const r = await paketo(["build", "none:direct", "--builder", "builder:1", "--path", app, "--sandbox", "none"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Greeting buildpack/);
  assert.equal(r.stdout.trim(), sandboxed);
  const off = await paketo(["build", "none:off", "--builder", "builder:1", "--path", app, "--sandbox", "none", "--network", "off"]);
  assert.equal(off.code, 1, off.stderr);
  assert.match(off.stderr, /--network off needs the bwrap sandbox/);
});

test("--sandbox none: a layer that is a symlink out of the layers dir is refused before export, and nothing is written", async () => {
  // An inline buildpack from a --descriptor outside the app links a launch layer to the host's
  // /etc. The build phase reads the buildpack's outputs and refuses any layer that is a symlink
  // (exit 52); export would refuse one that points out of the layers dir too (EXPORT_LAYER_SYMLINK).
  const app = writeTree(join(tmp.path, "evil/app"), { "hello.txt": "x\n" });
  writeFileSync(
    join(tmp.path, "evil/project.toml"),
    `[_]\nschema-version = "0.2"\n[[io.buildpacks.group]]\nid = "test/evil"\n[io.buildpacks.group.script]\napi = "0.10"\ninline = """\nln -s /etc "$1/evil"\nprintf '[types]\\\\nlaunch = true\\\\n' > "$1/evil.toml"\n"""\n`,
  );
  const r = await paketo(["build", "evil:1", "--builder", "builder:1", "--path", app, "--sandbox", "none", "--descriptor", join(tmp.path, "evil/project.toml")]);
  assert.equal(r.code, 52, r.stderr);
  assert.match(r.stderr, /error: layer \/\S+\/layers\/test_evil\/evil is a symlink \(to \/etc\); refused/);
  const images = JSON.parse(await ok(["images", "--json"])) as Array<{ name: string }>;
  assert.ok(!images.some((i) => i.name === "evil:1"));
});

test("a run image from the local store is recorded as store:NAME, so rebase finds it again without --run-image", async () => {
  const app = writeTree(join(tmp.path, "storerun/app"), { "hello.txt": "x\n" });
  const built = await ok(["build", "storerun:1", "--builder", "builder:1", "--path", app]);
  const cnb = JSON.parse(await ok(["inspect", "storerun:1", "--json"])).cnb as { runImage: { image: string; reference: string } };
  assert.equal(cnb.runImage.image, "store:stack:run");
  assert.match(cnb.runImage.reference, /^store:stack:run@sha256:[0-9a-f]{64}$/);
  // The run image is unchanged, so the rebase is a no-op that keeps the digest.
  const rebased = await ok(["rebase", "storerun:1"]);
  assert.equal(rebased, built);
});

test("the previous image: missing (an empty folder) is a first build; present but unreadable fails analyze, naming it, with the layout untouched", async () => {
  const app = writeTree(join(tmp.path, "previous/app"), { "hello.txt": "x\n" });
  // An empty folder made for the output holds no image yet: the build is a first build.
  const out = join(tmp.path, "previous/out");
  mkdirSync(out, { recursive: true });
  await ok(["build", `oci:${out}:app`, "--builder", "builder:1", "--path", app]);
  // The same layout with an index that does not parse: analyze cannot tell what to reuse, so the
  // build stops (exit 32) instead of silently starting over, and writes nothing.
  const index = join(out, "index.json");
  writeFileSync(index, "{ not json");
  const before = readFileSync(index);
  const r = await paketo(["build", `oci:${out}:app`, "--builder", "builder:1", "--path", app]);
  assert.equal(r.code, 32, r.stderr);
  assert.match(r.stderr, new RegExp(`reading the previous image oci:${out.replace(/[/.]/g, "\\$&")}:app`));
  assert.deepEqual(readFileSync(index), before);
});

test("a buildpack laid out per platform (buildpack.toml + linux/<arch>/bin), packaged by `buildpack package`, builds an app", async () => {
  const host = process.arch === "arm64" ? "arm64" : "amd64";
  const other = host === "amd64" ? "arm64" : "amd64";
  const src = writeTree(join(tmp.path, "multi-bp"), {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/greeting"\nversion = "2.0.0"\n[[targets]]\nos = "linux"\narch = "amd64"\n[[targets]]\nos = "linux"\narch = "arm64"\n',
    [`linux/${host}/bin/detect`]: { content: DETECT, mode: 0o755 },
    [`linux/${host}/bin/build`]: { content: BUILD, mode: 0o755 },
    [`linux/${other}/bin/detect`]: { content: "#!/bin/sh\necho 'the other platform ran' >&2\nexit 1\n", mode: 0o755 },
    [`linux/${other}/bin/build`]: { content: "#!/bin/sh\nexit 1\n", mode: 0o755 },
  });
  const packaged = await paketo(["buildpack", "package", "multi-bp:2", "--path", src]);
  assert.equal(packaged.code, 0, packaged.stderr);
  assert.match(packaged.stderr, /for linux\/amd64, linux\/arm64 to /);
  const app = writeTree(join(tmp.path, "multi-app"), { "hello.txt": "from the multi-platform buildpack\n" });
  await ok(["build", "multi:1", "--builder", "builder:1", "--path", app, "--buildpack", "multi-bp:2"]);
  await ok(["copy", "multi:1", `oci-archive:${tmp.path}/multi.tar`]);
  assert.equal(podman(["run", "--rm", `oci-archive:${tmp.path}/multi.tar`]), "hello from paketo as 1002\nfrom the multi-platform buildpack\n");
});

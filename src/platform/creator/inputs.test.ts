// `paketo build` inputs end to end: --buildpack (builder ids, folders, .tgz files, buildpackage
// images), project.toml (env, include/exclude, group, pre/post, builder, project metadata), service
// bindings, --network, what a failing build leaves behind, and where secrets go (and do not).
// Buildpacks are bash, written here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:net";
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheLayout, paketoCacheRoot } from "../../deps/index.js";
import { HOST_TAG } from "../../fs/index.js";
import { run, tempDir, writeTree } from "../../testing/index.js";
import { cli, makeStack, readOciLayout, snapshot, startPaketo, tarNames } from "./testing/e2e.js";

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
const { paketo, ok } = cli(() => env);
let server: Server;
let port = 0;
let connections = 0;

const SECRET = "s3cr3t-password-9f2c1e";

/** A buildpack that says it ran, and writes a launch layer so the image has some of its own. */
function simple(id: string, name: string, api = "0.10"): Record<string, string | { content: string; mode: number }> {
  return {
    "buildpack.toml": `api = "${api}"\n[buildpack]\nid = "${id}"\nversion = "1.0.0"\nname = "${name}"\n`,
    "bin/detect": { content: "#!/usr/bin/env bash\nexit 0\n", mode: 0o755 },
    "bin/build": {
      content: `#!/usr/bin/env bash\nset -eu\necho "${name} ran"\nmkdir -p "$1/out"\necho "${id}" > "$1/out/id"\nprintf '[types]\\nlaunch = true\\n' > "$1/out.toml"\n`,
      mode: 0o755,
    },
  };
}

/** The probe: prints env and bindings, reaches the test's TCP server when PROBE_PORT is set, and writes bad TOML on request. */
const PROBE_BUILD = `#!/usr/bin/env bash
set -eu
echo "probe: FROM_PROJECT=\${FROM_PROJECT:-unset} OVERRIDDEN=\${OVERRIDDEN:-unset}"
if [ -n "\${SERVICE_BINDING_ROOT:-}" ]; then
  for b in "$SERVICE_BINDING_ROOT"/*/; do
    echo "probe: binding $(basename "$b") type=$(cat "$b/type") provider=$(cat "$b/provider" 2>/dev/null || echo none) password-bytes=$(wc -c < "$b/password")"
  done
fi
if [ -n "\${PROBE_BAD_TOML:-}" ]; then printf 'x = 1\\n[[processes]\\ntype = "web"\\n' > "$1/launch.toml"; fi
if [ -n "\${PROBE_PORT:-}" ]; then
  if bash -c "exec 3<>/dev/tcp/127.0.0.1/$PROBE_PORT && echo probe >&3"; then
    echo "probe: reached 127.0.0.1:$PROBE_PORT"
  else
    echo "probe: cannot reach 127.0.0.1:$PROBE_PORT" >&2
    exit 7
  fi
fi
mkdir -p "$1/probe"
echo ok > "$1/probe/ran"
printf '[types]\\nlaunch = true\\ncache = true\\n' > "$1/probe.toml"
`;

before(async () => {
  tmp = tempDir("paketo-build-inputs-");
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store") };
  server = createServer((s) => {
    connections++;
    s.on("error", () => {});
    s.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as { port: number }).port;
  await makeStack({ paketo, ok }, tmp.path);
  writeTree(join(tmp.path, "greeting"), {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/greeting"\nversion = "1.0.0"\nname = "Greeting"\n',
    "bin/detect": { content: "#!/usr/bin/env bash\n[ -f hello.txt ] || exit 100\n", mode: 0o755 },
    "bin/build": { content: '#!/usr/bin/env bash\necho "Greeting ran"\nprintf \'[[processes]]\\ntype = "web"\\ncommand = ["cat", "hello.txt"]\\ndefault = true\\n\' > "$1/launch.toml"\n', mode: 0o755 },
  });
  writeFileSync(
    join(tmp.path, "builder.toml"),
    `[[buildpacks]]\nuri = "${join(tmp.path, "greeting")}"\n\n[[order]]\n[[order.group]]\nid = "test/greeting"\nversion = "1.0.0"\n\n[build]\nimage = "stack:build"\n\n[[run.images]]\nimage = "stack:run"\n`,
  );
  await ok(["builder", "create", "builder:1", "--config", join(tmp.path, "builder.toml")]);
  writeTree(join(tmp.path, "probe"), {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/probe"\nversion = "0.1.0"\nname = "Probe"\n',
    "bin/detect": { content: "#!/usr/bin/env bash\nexit 0\n", mode: 0o755 },
    "bin/build": { content: PROBE_BUILD, mode: 0o755 },
  });
  // A .tgz buildpack (CNB-65), and a buildpackage of a composite whose components come with it (CNB-66).
  writeTree(join(tmp.path, "tgz-src"), simple("test/tarred", "Tarred"));
  run("tar", ["-czf", join(tmp.path, "tarred.tgz"), "-C", join(tmp.path, "tgz-src"), "."]);
  writeTree(join(tmp.path, "pkg/one"), simple("test/one", "One"));
  writeTree(join(tmp.path, "pkg/two"), simple("test/two", "Two", "0.7"));
  writeTree(join(tmp.path, "pkg/comp"), {
    "buildpack.toml":
      'api = "0.10"\n[buildpack]\nid = "test/comp"\nversion = "2.0.0"\nname = "Comp"\n[[order]]\n[[order.group]]\nid = "test/one"\nversion = "1.0.0"\n[[order.group]]\nid = "test/two"\nversion = "1.0.0"\n',
    "package.toml": '[buildpack]\nuri = "."\n[[dependencies]]\nuri = "../one"\n[[dependencies]]\nuri = "../two"\n',
  });
  await ok(["buildpack", "package", "pkg:1", "--config", join(tmp.path, "pkg/comp/package.toml")]);
});

after(async () => {
  await new Promise((r) => server?.close(r));
  tmp?.cleanup();
});

/** The buildpack ids io.buildpacks.build.metadata lists, in order. */
async function builtWith(image: string): Promise<string[]> {
  const dir = join(tmp.path, "oci", image.replace(/[^a-z0-9]/gi, "_"));
  await ok(["copy", image, `oci:${dir}`]);
  const md = JSON.parse(readOciLayout(dir).labels["io.buildpacks.build.metadata"] as string) as { buildpacks: Array<{ id: string }> };
  return md.buildpacks.map((b) => b.id);
}

function order(output: string, names: string[]): void {
  let at = -1;
  for (const n of names) {
    const i = output.indexOf(`${n} ran`, at + 1);
    assert.ok(i > at, `${n} should run after the ones before it:\n${output}`);
    at = i;
  }
}

test("--buildpack: a buildpackage image (composite expanded), a .tgz, a builder id and a folder run as one group, in that order", async () => {
  const app = writeTree(join(tmp.path, "bp-app"), { "hello.txt": "hi\n" });
  const r = await paketo(
    ["build", "flags:1", "--builder", "builder:1", "--path", app, "--buildpack", "pkg:1", "--buildpack", "./tarred.tgz", "--buildpack", "test/greeting@1.0.0", "--buildpack", "probe"],
    {},
    tmp.path, // relative --buildpack paths are the caller's
  );
  assert.equal(r.code, 0, r.stderr);
  order(r.stderr, ["One", "Two", "Tarred", "Greeting"]);
  assert.match(r.stderr, /probe: FROM_PROJECT=unset/);
  assert.deepEqual(await builtWith("flags:1"), ["test/one", "test/two", "test/tarred", "test/greeting", "test/probe"]);

  const bad = await paketo(["build", "flags:2", "--builder", "builder:1", "--path", app, "--buildpack", "test/greeting@9.9.9"]);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /--buildpack test\/greeting@9\.9\.9: test\/greeting@9\.9\.9 is not on the builder/);
  assert.match(bad.stderr, /the builder has test\/greeting@1\.0\.0/);
});

/** The app of the project.toml build and the arguments it is built with. */
function projectBuild(network: "on" | "off" | "host"): { args: string[]; app: string } {
  const app = join(tmp.path, "project/app");
  const binding = join(tmp.path, "bindings/db");
  const args = ["build", "proj:1", "--path", app, "--env", "OVERRIDDEN=cli", "--env", `PROBE_PORT=${port}`, "--binding", `db=${binding}`];
  return { args: [...args, "--cache-dir", join(tmp.path, "project/cache"), "--network", network], app };
}

test("project.toml: builder, env (--env wins), exclude, group with a folder uri and an inline pre buildpack, post .tgz, project metadata; a binding reaches buildpacks but not the image; network host (an explicit opt-in) reaches the host's loopback", async () => {
  writeTree(join(tmp.path, "project"), {
    "app/hello.txt": "hi\n",
    "app/keys.secret": "do not ship",
    "app/drafts/notes.md": "draft",
    "app/project.toml": `[_]
schema-version = "0.2"
id = "example/app"
name = "Example App"
version = "1.2.3"
source-url = "https://example.com/app.git"

[io.buildpacks]
builder = "builder:1"
exclude = ["*.secret", "drafts/"]

[[io.buildpacks.group]]
uri = "../../probe"

[[io.buildpacks.group]]
id = "test/greeting"

[[io.buildpacks.pre.group]]
id = "example/pre"
[io.buildpacks.pre.group.script]
api = "0.10"
inline = "echo \\"Pre ran in $(pwd): $(ls -A | tr '\\\\n' ' ')\\""

[[io.buildpacks.post.group]]
uri = "../../tarred.tgz"

[[io.buildpacks.build.env]]
name = "FROM_PROJECT"
value = "project"

[[io.buildpacks.build.env]]
name = "OVERRIDDEN"
value = "project"
`,
  });
  writeTree(join(tmp.path, "bindings/db"), { type: "postgresql", provider: "acme", password: SECRET, ".hidden": "x" });
  const { args } = projectBuild("host");
  const before = connections;
  const r = await paketo(args);
  assert.equal(r.code, 0, r.stderr);
  order(r.stderr, ["Pre", "Greeting", "Tarred"]);
  assert.match(r.stderr, /Pre ran in \/workspace: hello\.txt project\.toml\s*\n/);
  assert.match(r.stderr, /probe: FROM_PROJECT=project OVERRIDDEN=cli/);
  assert.match(r.stderr, new RegExp(`probe: binding db type=postgresql provider=acme password-bytes=${SECRET.length}`));
  assert.match(r.stderr, new RegExp(`probe: reached 127\\.0\\.0\\.1:${port}`));
  assert.ok(connections > before, "the server saw the probe's connection");
  assert.ok(!r.stderr.includes(SECRET));

  const dir = join(tmp.path, "oci/proj");
  await ok(["copy", "proj:1", `oci:${dir}`]);
  const img = readOciLayout(dir);
  assert.deepEqual(JSON.parse(img.labels["io.buildpacks.project.metadata"] as string), {
    source: { type: "project", version: { declared: "1.2.3" }, metadata: { id: "example/app", name: "Example App", url: "https://example.com/app.git" } },
  });
  const md = JSON.parse(img.labels["io.buildpacks.build.metadata"] as string) as { buildpacks: Array<{ id: string }> };
  assert.deepEqual(
    md.buildpacks.map((b) => b.id),
    ["example/pre", "test/probe", "test/greeting", "test/tarred"],
  );
  // Bindings are platform inputs: nothing of them is in any layer, names or bytes (CNB-71).
  const names = img.layers.flatMap(tarNames);
  assert.ok(names.some((n) => n.endsWith("workspace/hello.txt")), names.join("\n"));
  assert.ok(!names.some((n) => /bindings|platform\/|keys\.secret|drafts/.test(n)), names.join("\n"));
  for (const l of img.layers) assert.ok(!l.includes(SECRET), "the binding's secret is in a layer");
});

test("a failing buildpack (network on, the default, or off: the probe cannot reach the host's loopback) exits 51 with its last lines and exit code; store, cache and previous image are untouched", async () => {
  for (const network of ["on", "off"] as const) await failingProbe(network);
});

async function failingProbe(network: "on" | "off"): Promise<void> {
  const { args } = projectBuild(network);
  const before = connections;
  const store = join(tmp.path, "store");
  const cache = join(tmp.path, "project/cache");
  const images = await ok(["images", "--json"]);
  const beforeStore = snapshot(store);
  const beforeCache = snapshot(cache);
  assert.ok(Object.values(beforeCache).filter((v) => v.startsWith("file")).length >= 2, `the previous build saved a cache with a layer: ${JSON.stringify(beforeCache)}`);
  const r = await paketo(args);
  assert.equal(r.code, 51, r.stderr);
  assert.match(r.stderr, /buildpack test\/probe@0\.1\.0 failed: bin\/build exited with code 7\nLast output lines:\n/);
  assert.match(r.stderr, new RegExp(`Last output lines:\\n(  .*\\n)*  probe: cannot reach 127\\.0\\.0\\.1:${port}\\n`));
  assert.equal(connections, before, "the host's loopback server saw nothing");
  assert.deepEqual(snapshot(store), beforeStore);
  assert.deepEqual(snapshot(cache), beforeCache);
  assert.equal(await ok(["images", "--json"]), images);
}

test("malformed TOML from a buildpack names the file and line (exit 52)", async () => {
  const app = writeTree(join(tmp.path, "toml-app"), { "hello.txt": "hi\n" });
  const r = await paketo(["build", "toml:1", "--builder", "builder:1", "--path", app, "--buildpack", join(tmp.path, "probe"), "--env", "PROBE_BAD_TOML=1"]);
  assert.equal(r.code, 52, r.stderr);
  assert.match(r.stderr, /\/layers\/test_probe\/launch\.toml: not valid TOML at line 2/);
});

test("project.toml errors name the file and the field", async () => {
  const app = writeTree(join(tmp.path, "bad-project"), {
    "hello.txt": "hi\n",
    "project.toml": '[_]\nschema-version = "0.2"\n[io.buildpacks]\ninclude = ["a"]\nexclude = ["b"]\n',
  });
  const r = await paketo(["build", "bad:1", "--builder", "builder:1", "--path", app]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`${join(app, "project.toml").replace(/[/.]/g, "\\$&")}.*include and exclude`));
  writeFileSync(join(app, "project.toml"), '[_]\nschema-version = "0.2"\n[[io.buildpacks.group]]\nid = "test/greeting"\nversion = "1.0.0"\nuri = "x"\n');
  const g = await paketo(["build", "bad:1", "--builder", "builder:1", "--path", app]);
  assert.equal(g.code, 1, g.stderr);
  assert.match(g.stderr, /project\.toml.*group\[0\].*version and uri/);
});

/** Every file under `dir` (following no links), with its mode. */
function walkFiles(dir: string): Array<{ path: string; mode: number; dir: boolean }> {
  const out: Array<{ path: string; mode: number; dir: boolean }> = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = lstatSync(p);
      out.push({ path: p, mode: s.mode & 0o7777, dir: s.isDirectory() });
      if (s.isDirectory()) walk(p);
    }
  };
  walk(dir);
  return out;
}

/** The command lines of every process on the machine that can still be read. */
function allCommandLines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Starts a build whose buildpack waits, with a token from paketo's environment (`--env NAME`), one
 * from an env file and a binding; resolves once the buildpack is running, with its work folder.
 */
async function startSecretBuild(secrets: { token: string; fileToken: string; password: string }): Promise<{ child: ChildProcess; workDir: string; exited: Promise<unknown> }> {
  const app = writeTree(join(tmp.path, "secret-app"), { "hello.txt": "hi\n" });
  writeFileSync(join(tmp.path, "secret.env"), `FILE_TOKEN=${secrets.fileToken}\n`);
  writeTree(join(tmp.path, "bindings/vault"), { type: "vault", password: secrets.password });
  const child = startPaketo(
    ["build", "secret:1", "--builder", "builder:1", "--path", app, "--buildpack", join(tmp.path, "waiter"), "--env", "API_TOKEN", "--env-file", join(tmp.path, "secret.env"), "--binding", `vault=${join(tmp.path, "bindings/vault")}`],
    { ...env, API_TOKEN: secrets.token },
  );
  const exited = new Promise((r) => child.once("close", r));
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the waiting buildpack never started:\n${stderr}`)), 300_000);
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString("utf8");
      if (stderr.includes("waiter: waiting")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("close", () => {
      clearTimeout(timer);
      reject(new Error(`paketo ended before the buildpack waited:\n${stderr}`));
    });
  });
  // What the buildpack saw: the values arrived, though no command line carried them.
  assert.match(stderr, new RegExp(`waiter: API_TOKEN=${secrets.token.length} bytes FILE_TOKEN=${secrets.fileToken.length} bytes password=${secrets.password.length} bytes`));
  const work = cacheLayout(paketoCacheRoot(env)).work;
  const mine = readdirSync(work).filter((n) => n.startsWith(`build-${HOST_TAG}.${child.pid}.`));
  assert.equal(mine.length, 1, `one work folder named after paketo's pid ${child.pid}: ${readdirSync(work).join(" ")}`);
  return { child, workDir: join(work, mine[0] as string), exited };
}

test("secrets: --env and --env-file values and bindings appear in no process's command line, sit in a private work folder, and a kill -9'd build's folder is removed by the next build and by prune", async () => {
  writeTree(join(tmp.path, "waiter"), {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/waiter"\nversion = "0.1.0"\nname = "Waiter"\n',
    "bin/detect": { content: "#!/usr/bin/env bash\nexit 0\n", mode: 0o755 },
    "bin/build": {
      content:
        '#!/usr/bin/env bash\necho "waiter: API_TOKEN=${#API_TOKEN} bytes FILE_TOKEN=${#FILE_TOKEN} bytes password=$(wc -c < "$SERVICE_BINDING_ROOT/vault/password") bytes"\necho "waiter: waiting"\nsleep 300\n',
      mode: 0o755,
    },
  });
  const work = cacheLayout(paketoCacheRoot(env)).work;
  for (const cleanup of ["prune", "next build"] as const) {
    const secrets = { token: `tok-${randomBytes(12).toString("hex")}`, fileToken: `ftok-${randomBytes(12).toString("hex")}`, password: `pw-${randomBytes(12).toString("hex")}` };
    const { child, workDir, exited } = await startSecretBuild(secrets);
    try {
      // No process shows a secret: not paketo (--env NAME takes the value from its environment), not bubblewrap, not the sandbox's.
      for (const cmd of allCommandLines()) for (const s of Object.values(secrets)) assert.ok(!cmd.includes(s), `a command line holds a secret: ${cmd.replace(/\0/g, " ")}`);
      // The work folders are this user's alone; the env and the binding's entries are not readable by others either.
      assert.equal(statSync(work).mode & 0o777, 0o700);
      assert.equal(statSync(workDir).mode & 0o777, 0o700);
      const files = walkFiles(join(workDir, "platform"));
      const byName = (n: string) => files.find((f) => f.path.endsWith(`/${n}`));
      assert.equal(byName("env/API_TOKEN")?.mode, 0o600, JSON.stringify(files));
      assert.equal(byName("env/FILE_TOKEN")?.mode, 0o600);
      assert.equal(byName("vault/password")?.mode, 0o400);
      for (const f of files) assert.equal(f.mode & 0o077, 0, `${f.path} is ${f.mode.toString(8)}`);
    } finally {
      child.kill("SIGKILL");
      await exited;
    }
    // kill -9 gives paketo no chance to tidy up: the folder, with the secrets, is still there.
    assert.equal(readFileSync(join(workDir, "platform/env/API_TOKEN"), "utf8"), secrets.token);
    if (cleanup === "prune") {
      const pruned = JSON.parse(await ok(["prune", "--json"])) as { removedWorkDirs: number };
      // The work root is the machine-wide one: a build of another test running at the same time
      // sweeps killed builds' folders too, and may have come first (work-dir.test.ts covers the sweep alone).
      assert.ok(pruned.removedWorkDirs >= 1 || !existsSync(workDir), JSON.stringify(pruned));
    } else {
      const app = writeTree(join(tmp.path, "after-kill-app"), { "hello.txt": "hi\n" });
      await ok(["build", "after-kill:1", "--builder", "builder:1", "--path", app]);
    }
    assert.ok(!existsSync(workDir), `${cleanup} left the killed build's work folder`);
    assert.deepEqual(readdirSync(work).filter((n) => n.includes(`.${child.pid}.`)), [], `${cleanup} left something of the killed build`);
  }
});

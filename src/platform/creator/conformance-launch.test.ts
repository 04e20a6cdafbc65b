// CNB conformance through the real CLI, part 1: what an image does at launch. One build with the
// fixture buildpacks env-a (API 0.12), env-b (0.10), legacy (0.7) and ts (0.10, written on the
// buildpack API), exported to the store and an OCI layout, then run by podman twice: once with its
// own ENTRYPOINT, once with a script that starts the launcher in every other way asked about below
// (a container per question costs a second or more with podman's portable vfs storage).
// Fixtures: src/platform/creator/fixtures/conformance (see its README).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { tempDir, writeTree } from "../../testing/index.js";
import { cli, CONFORMANCE_BUILDER, makeConformanceBuilder, type OciImage, podmanAsync, readImage, readOciLayout, tarEntries } from "./testing/e2e.js";

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
const { paketo, ok } = cli(() => env);
let buildLog = "";
let image: OciImage;

const GROUP = ["conformance/env-a", "conformance/env-b", "conformance/legacy", "conformance/ts"];

/** One way of starting the launcher inside the container: env assignments, then the command. */
interface Start {
  env?: Record<string, string>;
  cmd: string[];
}
interface Started {
  code: number;
  stdout: string;
  stderr: string;
}
/** The container started by its own ENTRYPOINT, without arguments. */
let entrypoint: Started;
/** What each start printed and how it exited. */
const started: Record<string, Started> = {};

const WORKER_ENV = { CONF_DEFAULT: "user", CONF_LIST: "user", CONF_OVERRIDE: "user" };
const STARTS: Record<string, Start> = {
  "web-user-args": { cmd: ["/cnb/process/web", "u1", "u 2"] },
  worker: { env: WORKER_ENV, cmd: ["/cnb/process/worker"] },
  "worker-user-args": { env: WORKER_ENV, cmd: ["/cnb/process/worker", "u1"] },
  "process-type-env": { env: { CNB_PROCESS_TYPE: "worker" }, cmd: ["/cnb/lifecycle/launcher"] },
  broken: { cmd: ["/cnb/process/broken"] },
  "shell-script": { cmd: ["/cnb/process/shell-script"] },
  "shell-args": { cmd: ["/cnb/process/shell-args", "u1"] },
  direct: { cmd: ["/cnb/process/direct", "u1"] },
  "launcher-direct": { cmd: ["/cnb/lifecycle/launcher", "--", "conformance-show", "$CONF_OVERRIDE"] },
  "launcher-shell": { cmd: ["/cnb/lifecycle/launcher", "conformance-show", "$CONF_OVERRIDE"] },
  ts: { cmd: ["/cnb/process/ts"] },
};

const quote = (s: string) => `'${s.replaceAll("'", `'"'"'`)}'`;

/** A bash script that runs every start (through env, so $0 stays the process path) and prints `name code base64(stdout) base64(stderr)` lines. */
function startScript(): string {
  const lines = ['d="$(mktemp -d)"'];
  for (const [name, s] of Object.entries(STARTS)) {
    const vars = Object.entries(s.env ?? {}).map(([k, v]) => quote(`${k}=${v}`));
    lines.push(`env ${[...vars, ...s.cmd.map(quote)].join(" ")} >"$d/out" 2>"$d/err"; echo ${name} $? "$(base64 -w0 "$d/out")" "$(base64 -w0 "$d/err")"`);
  }
  return lines.join("\n");
}

/** The stdout of a start that must have exited 0. */
function result(name: string): string {
  const r = started[name];
  assert.ok(r, `no start ${name}`);
  assert.equal(r.code, 0, `${name}: exit ${r.code}\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** What `conformance-show` (env-a/show) prints: its args, cwd, the CONF_* variables sorted, PATH and LD_LIBRARY_PATH. */
function show(o: { args: string[]; cwd?: string; vars: Record<string, string>; path?: string; ld?: string }): string {
  const vars = Object.keys(o.vars)
    .sort()
    .map((k) => `${k}=[${o.vars[k]}]\n`)
    .join("");
  return `args:${o.args.map((a) => ` [${a}]`).join("")}\ncwd: ${o.cwd ?? "/workspace"}\n${vars}PATH=[${o.path ?? LAUNCH_PATH}]\nLD_LIBRARY_PATH=[${o.ld ?? LAUNCH_LD}]\n`;
}

const RUN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** CNB-57: each launch layer's bin/ and lib/ prepended in buildpack order, so the later buildpack's come first; /cnb/* stripped. */
const LAUNCH_PATH = `/layers/conformance_env-b/more/bin:/layers/conformance_env-a/tools/bin:${RUN_PATH}`;
const LAUNCH_LD = "/layers/conformance_env-b/more/lib:/layers/conformance_env-a/tools/lib";
/** A tar entry name as a relative path without a trailing slash. */
const path = (name: string) => name.replace(/^\/+/, "").replace(/\/+$/, "");
const EXECD_OUT = "exec.d stdout passes through\n";

/** The env every process gets from the layers' env/ and env.launch/ files and the generic exec.d (CNB-16, CNB-17, CNB-24). */
const COMMON = {
  CONF_DEFAULT: "from-a", // .default: the earliest buildpack wins
  CONF_EXECD: "saw launch-only=launch in /workspace", // exec.d runs in the app dir with the launch env
  CONF_EXECD_OVER: "exec.d", // exec.d output overrides what env files set
  CONF_LAUNCH_ONLY: "launch", // env.launch/ (env.build/ never reaches launch: no CONF_BUILD_ONLY)
  CONF_LIST: "a:b", // .append: earlier first, each with its own layer's .delim
  CONF_NODELIM: "ab", // no .delim file: an empty delimiter
  CONF_OVERRIDE: "from-b", // .override: the later buildpack wins
  CONF_PLAIN: "plain\n", // no suffix: override, contents verbatim (the trailing newline stays)
  CONF_PRE: "b:a", // .prepend: the later buildpack first
  CONF_PROC: "generic",
  CONF_TS: "key=k1", // the TypeScript buildpack's layer env (env.launch/CONF_TS.default)
};
/** What only the web process gets: env.launch/web/ and exec.d/web/ (CNB-24, CNB-57). */
const WEB = { ...COMMON, CONF_PROC: "web", CONF_WEB_ONLY: "web", CONF_EXECD_WEB: "after exec.d" };

before(async () => {
  tmp = tempDir("pk-launch-");
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
  const dir = join(tmp.path, "podman");
  const pulled = await podmanAsync(dir, ["pull", "-q", `oci-archive:${tmp.path}/launch.tar`]);
  assert.equal(pulled.code, 0, pulled.stderr);
  const id = pulled.stdout.trim();
  const [direct, scripted] = await Promise.all([
    podmanAsync(dir, ["run", "--rm", id]),
    podmanAsync(dir, ["run", "--rm", "--entrypoint", "/bin/bash", id, "-c", startScript()]),
  ]);
  entrypoint = { code: direct.code ?? -1, stdout: direct.stdout, stderr: direct.stderr };
  assert.equal(scripted.code, 0, scripted.stderr);
  const text = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString("utf8");
  for (const line of scripted.stdout.trim().split("\n")) {
    const [name, code, out, err] = line.split(" ");
    started[name as string] = { code: Number(code), stdout: text(out), stderr: text(err) };
  }
  assert.deepEqual(Object.keys(started).sort(), Object.keys(STARTS).sort());
});

after(() => tmp?.cleanup());

describe("launch", { concurrency: true }, () => {
  test("CNB-15: a later buildpack builds with an earlier one's build layer: its bin on PATH, env/ and env.build/ applied, env.launch/ not", () => {
    assert.match(buildLog, /env-b at build: which=\[env-a\] CONF_BUILD_ONLY=\[build\] CONF_LAUNCH_ONLY=\[unset\] CONF_OVERRIDE=\[from-a\] CONF_LIST=\[a\]/);
  });

  test("CNB-16, CNB-17, CNB-24, CNB-46, CNB-55, CNB-57: the default process gets the env files, bin/ and lib/ of every launch layer and the exec.d output", () => {
    assert.equal(entrypoint.code, 0, entrypoint.stderr);
    assert.equal(entrypoint.stdout, EXECD_OUT + show({ args: ["web-default"], vars: WEB }));
  });

  test("CNB-56: with Buildpack API >= 0.9 the user's args replace the process args", () => {
    assert.equal(result("web-user-args"), EXECD_OUT + show({ args: ["u1", "u 2"], vars: WEB }));
  });

  test("CNB-55, CNB-56, CNB-57, CNB-58: /cnb/process/<type> runs that type in its working dir; command[1:] always passed; container env kept except where files override", () => {
    // The env has CONF_DEFAULT, CONF_LIST and CONF_OVERRIDE set to "user": .default keeps it, .append adds to it, .override replaces it.
    const vars = { ...COMMON, CONF_DEFAULT: "user", CONF_LIST: "user,a:b" };
    assert.equal(result("worker"), EXECD_OUT + show({ args: ["worker-fixed", "worker-default"], cwd: "/workspace/static", vars }));
    assert.equal(result("worker-user-args"), EXECD_OUT + show({ args: ["worker-fixed", "u1"], cwd: "/workspace/static", vars }));
  });

  test("CNB-55: CNB_PROCESS_TYPE at run time is ignored with a warning; the default process runs", () => {
    assert.equal(result("process-type-env"), EXECD_OUT + show({ args: ["web-default"], vars: WEB }));
    assert.match(started["process-type-env"]?.stderr ?? "", /CNB_PROCESS_TYPE is not supported .* ignored/);
  });

  test("CNB-24: an exec.d program that exits non-zero aborts the launch", () => {
    const r = started.broken;
    assert.ok(r);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /exec\.d for broken fails/);
    assert.doesNotMatch(r.stdout, /args:/, "the process never started");
  });

  test("CNB-18, CNB-58: Buildpack API 0.7 string command without args (direct = false) is a bash script that sees profile.d and the app's .profile", () => {
    assert.equal(result("shell-script"), `${EXECD_OUT}script: profile=[profile-d] app=[app-profile] override=[from-b]\n`);
  });

  test("CNB-18, CNB-56, CNB-58: Buildpack API 0.7 shell process with args: each arg expanded, not split; user args appended", () => {
    const vars = { ...COMMON, CONF_FROM_PROFILE: "profile-d", CONF_APP_PROFILE: "app-profile" };
    assert.equal(result("shell-args"), EXECD_OUT + show({ args: ["profile-d", "two words", "u1"], vars }));
  });

  test("CNB-18, CNB-56, CNB-58: Buildpack API 0.7 direct = true execs without a shell: no profile, no expansion; user args appended", () => {
    assert.equal(result("direct"), EXECD_OUT + show({ args: ["$CONF_FROM_PROFILE", "u1"], vars: COMMON }));
  });

  test("CNB-55, CNB-58: launcher -- CMD runs it directly; launcher CMD runs it through bash with the profiles", () => {
    assert.equal(result("launcher-direct"), EXECD_OUT + show({ args: ["$CONF_OVERRIDE"], vars: COMMON }));
    const vars = { ...COMMON, CONF_FROM_PROFILE: "profile-d", CONF_APP_PROFILE: "app-profile" };
    assert.equal(result("launcher-shell"), EXECD_OUT + show({ args: ["from-b"], vars }));
  });

  test("a TypeScript buildpack on src/buildpack-api, packaged with its packaging: its process and launch env", () => {
    assert.equal(result("ts"), EXECD_OUT + show({ args: ["ts-fixed", "ts-default"], vars: COMMON }));
    assert.match(buildLog, /Conformance TypeScript 1\.0\.0\n.*build 1, plan from \[ts\]/);
  });

  test("CNB-42, CNB-46: the run image's user and labels stay; entrypoint, working dir and the launcher's env", async () => {
    const run = await readImage({ paketo, ok }, "stack:run", join(tmp.path, "run-layout"));
    assert.equal(image.config.User, run.config.User);
    const base = Object.entries(run.labels).filter(([k]) => k.startsWith("io.buildpacks.base."));
    assert.ok(base.length >= 3, JSON.stringify(run.labels));
    for (const [k, v] of base) assert.equal(image.labels[k], v, k);
    assert.deepEqual(image.config.Entrypoint, ["/cnb/process/web"]);
    assert.equal(image.config.WorkingDir, "/workspace");
    const imageEnv = image.config.Env ?? [];
    assert.ok(imageEnv.includes("CNB_LAYERS_DIR=/layers") && imageEnv.includes("CNB_APP_DIR=/workspace"), imageEnv.join(" "));
    assert.match(imageEnv.find((e) => e.startsWith("PATH=")) ?? "", /^PATH=\/cnb\/process:/);
  });

  test("CNB-18, CNB-20, CNB-43, CNB-44: labels (the last buildpack wins), app slices, launch layers at their /layers paths, process types", () => {
    assert.equal(image.labels["org.example.conformance.who"], "env-b");
    assert.equal(image.labels["org.example.conformance.a"], "a");
    assert.equal(image.labels["org.example.conformance.b"], "b");
    assert.equal(image.labels["org.example.conformance.builds"], "1");

    const n = image.history.length;
    assert.equal(image.layers.length, n);
    const layerBy = (createdBy: string) => {
      const i = image.history.indexOf(createdBy);
      assert.ok(i >= 0, `no layer "${createdBy}" in ${JSON.stringify(image.history)}`);
      return tarEntries(image.layers[i] as Buffer);
    };
    const names = (createdBy: string, under: string) =>
      layerBy(createdBy)
        .map((e) => path(e.name))
        .filter((name) => name.startsWith(under))
        .sort();
    const created = image.history.filter((h) => /Created by buildpack|Application|Process Types|Launcher/.test(h));
    assert.deepEqual(created, [
      "Layer: 'tools', Created by buildpack: conformance/env-a@1.0.0",
      "Layer: 'more', Created by buildpack: conformance/env-b@1.0.0",
      "Layer: 'prof', Created by buildpack: conformance/legacy@1.0.0",
      "Layer: 'stamp', Created by buildpack: conformance/ts@1.0.0",
      "Application Slice: 1",
      "Application Slice: 2",
      "Buildpacks Application Launcher",
      "Buildpacks Launcher Config",
      "Buildpacks Process Types",
    ]);
    // CNB-20: the slice holds static/ (with its parents), the remainder everything else.
    assert.deepEqual(names("Application Slice: 1", "workspace/"), ["workspace/static", "workspace/static/css", "workspace/static/css/site.css", "workspace/static/index.html"]);
    const rest = names("Application Slice: 2", "workspace/");
    assert.ok(rest.includes("workspace/main.txt") && rest.includes("workspace/.profile"), rest.join(" "));
    assert.ok(!rest.some((p) => p.startsWith("workspace/static")), rest.join(" "));
    // CNB-44: a launch layer sits at /layers/<escaped id>/<name>.
    assert.ok(names("Layer: 'tools', Created by buildpack: conformance/env-a@1.0.0", "layers/").includes("layers/conformance_env-a/tools/bin/conformance-show"));
    const types = layerBy("Buildpacks Process Types").filter((e) => path(e.name).startsWith("cnb/process/"));
    assert.deepEqual(
      types.map((e) => [path(e.name).slice("cnb/process/".length), e.type, e.linkname]).sort(),
      ["broken", "direct", "shell-args", "shell-script", "ts", "web", "worker"].map((t) => [t, "2", "/cnb/lifecycle/launcher"]),
    );
  });
});

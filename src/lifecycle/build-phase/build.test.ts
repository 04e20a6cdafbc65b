// The build phase against the real sandbox (bubblewrap) and, where said, --sandbox none, with the
// bash fixture buildpacks of src/lifecycle/fixtures.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeProgressLine, PROGRESS_ENV, parseApiVersion, parseBuildMetadata, parseBuildpackId, parseBuildpackPlan, parseBuildpackVersion, type PlanFile } from "../../cnb/index.js";
import type { ProgressEvent } from "../../oci/index.js";
import { checkBwrap } from "../../sandbox/index.js";
import { dump, groupOf, harness, type Harness } from "../testing/harness.js";
import { LifecycleError } from "../errors.js";
import { build } from "./index.js";

before(async () => {
  await checkBwrap();
});

function withHarness(opts: Parameters<typeof harness>[0], fn: (h: Harness) => Promise<void>): () => Promise<void> {
  return async () => {
    const h = harness(opts);
    try {
      await fn(h);
    } finally {
      h.cleanup();
    }
  };
}

const NO_PLAN: PlanFile = { entries: [] };

async function buildFails(h: Harness, ids: string[], exitCode: number, plan: PlanFile = NO_PLAN): Promise<LifecycleError> {
  const err = await build(h.buildInputs(groupOf(...ids), plan), h).then(
    () => assert.fail("build passed"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof LifecycleError, String(err));
  assert.equal(err.exitCode, exitCode, err.message);
  return err;
}

const cnbVars = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith("CNB_")));

test(
  "CNB-10: bin/build gets $1=/layers/<escaped-id>, $2=/platform, $3=its plan, cwd /workspace (writable), CNB_* per API; output streams indented under the title",
  withHarness({}, async (h) => {
    h.write("platform/env/BP_X", "1");
    const probe = (tag: string) => `${dump(tag)}echo "${tag} was here" > "/workspace/${tag}.txt"\nmkdir -p "$HOME/.cache" && echo "${tag} HOME ok"\n`;
    h.script("test/alpha", "build", probe("alpha"));
    h.script("test/old", "build", probe("old"));
    h.script("test/mid", "build", probe("mid"));
    const r = await build(h.buildInputs(groupOf("test/alpha", "test/old", "test/mid"), NO_PLAN), h);

    const [a1, a2, a3] = (h.lines("alpha", "ARGS")[0] ?? "").split(" ");
    assert.equal(a1, "/layers/test_alpha");
    assert.equal(a2, "/platform");
    assert.match(a3 ?? "", /^\/tmp\/test_alpha\.[^/]+\/plan\.toml$/);
    assert.deepEqual(h.lines("alpha", "PWD"), ["/workspace"]);
    assert.deepEqual(h.lines("alpha", "HOME"), ["ok"]);
    assert.equal(readFileSync(join(h.paths.host.workspace, "alpha.txt"), "utf8"), "alpha was here\n");
    assert.ok(lstatSync(join(h.paths.host.layers, "test_alpha")).isDirectory());
    assert.deepEqual(cnbVars(h.env("alpha")), {
      CNB_BUILDPACK_DIR: "/cnb/buildpacks/test_alpha/0.1.0",
      CNB_LAYERS_DIR: "/layers/test_alpha",
      CNB_PLATFORM_DIR: "/platform",
      CNB_BP_PLAN_PATH: a3,
      CNB_TARGET_OS: "linux",
      CNB_TARGET_ARCH: "amd64",
      CNB_TARGET_DISTRO_NAME: "debian",
      CNB_TARGET_DISTRO_VERSION: "13",
      CNB_EXEC_ENV: "production",
    });
    assert.equal(h.env("alpha").BP_X, "1");
    assert.deepEqual(cnbVars(h.env("old")), { CNB_BUILDPACK_DIR: "/cnb/buildpacks/test_old/0.1.0" });
    assert.deepEqual(Object.keys(cnbVars(h.env("mid"))).sort(), ["CNB_BP_PLAN_PATH", "CNB_BUILDPACK_DIR", "CNB_LAYERS_DIR", "CNB_PLATFORM_DIR"]);
    // Build log: the title, then the buildpack's lines indented.
    assert.match(h.output(), /===> BUILDING\n\nTest Alpha 0\.1\.0\n {2}alpha ARGS \/layers\/test_alpha /);
    assert.match(h.output(), /\nTest Old 0\.1\.0\n {2}old ARGS \/layers\/test_old \/platform /);
    // CNB-41: metadata.toml names the group.
    const meta = parseBuildMetadata(readFileSync(join(h.paths.host.layers, "config/metadata.toml"), "utf8"));
    assert.deepEqual(meta.buildpacks, [
      { id: "test/alpha", version: "0.1.0", api: "0.12" },
      { id: "test/old", version: "0.1.0", api: "0.7" },
      { id: "test/mid", version: "0.1.0", api: "0.9" },
    ]);
    assert.deepEqual(r.metadata.buildpacks, meta.buildpacks);
    assert.ok(h.log.timings().some((t) => t.label === "build: test/alpha"));
    // Buildpacks run one after another, in group order.
    const at = (s: string) => h.output().indexOf(s);
    assert.ok(at("alpha ARGS") < at("old ARGS") && at("old ARGS") < at("mid ARGS"));
  }),
);

test(
  "CNB-11: each buildpack gets the requires of the entries it provides; an unmet entry goes on to the next provider, a met one does not",
  withHarness({}, async (h) => {
    const p = (id: string) => ({ id: parseBuildpackId(id), version: parseBuildpackVersion("0.1.0"), extension: false });
    const plan: PlanFile = {
      entries: [
        { providers: [p("test/alpha"), p("test/beta")], requires: [{ name: "node", metadata: { version: "22" } }, { name: "node", metadata: { launch: true } }] },
        { providers: [p("test/alpha"), p("test/beta")], requires: [{ name: "npm", metadata: {} }] },
        { providers: [p("test/beta")], requires: [{ name: "yarn", metadata: {} }] },
      ],
    };
    h.script("test/alpha", "build", `sed 's/^/alpha PLAN /' "$3"\nprintf '[[unmet]]\\nname = "node"\\n' > "$1/build.toml"\n`);
    h.script("test/beta", "build", `sed 's/^/beta PLAN /' "$3"\n`);
    await build(h.buildInputs(groupOf("test/alpha", "test/beta"), plan), h);
    const planOf = (tag: string) => parseBuildpackPlan(h.lines(tag, "PLAN").join("\n")).entries;
    assert.deepEqual(planOf("alpha"), [
      { name: "node", metadata: { version: "22" } },
      { name: "node", metadata: { launch: true } },
      { name: "npm", metadata: {} },
    ]);
    assert.deepEqual(planOf("beta"), [
      { name: "node", metadata: { version: "22" } },
      { name: "node", metadata: { launch: true } },
      { name: "yarn", metadata: {} },
    ]);

    // An unmet name that is not in the buildpack's plan is an error.
    h.script("test/alpha", "build", `printf '[[unmet]]\\nname = "ruby"\\n' > "$1/build.toml"\n`);
    const err = await buildFails(h, ["test/alpha"], 52, plan);
    assert.match(err.message, /\/layers\/test_alpha\/build\.toml: unmet\[0\]\.name: "ruby" is not in the buildpack's plan/);
  }),
);

test(
  "CNB-12, CNB-14, CNB-15, CNB-16, CNB-17: later buildpacks see earlier build layers (bin, lib, env/, env.build/); launch-only, toml-less and all-false layers stay out",
  withHarness({}, async (h) => {
    h.script(
      "test/alpha",
      "build",
      [
        'L="$1"',
        'mkdir -p "$L/tools/bin" "$L/tools/lib" "$L/tools/env" "$L/tools/env.build" "$L/tools/env.launch"',
        "printf '#!/usr/bin/env bash\\necho hello from tools\\n' > \"$L/tools/bin/hello\"",
        'chmod +x "$L/tools/bin/hello"',
        "printf '[types]\\nbuild = true\\ncache = true\\n' > \"$L/tools.toml\"",
        'echo "/layers/test_alpha/jdk" > "$L/tools/env/JAVA_HOME.default"',
        "printf 'a' > \"$L/tools/env/X.append\"",
        "printf ':' > \"$L/tools/env/X.delim\"",
        "printf 'b' > \"$L/tools/env.build/Y.override\"",
        "printf 'launch-only' > \"$L/tools/env.launch/Z\"",
        'mkdir -p "$L/runtime/bin"',
        "printf '[types]\\nlaunch = true\\n' > \"$L/runtime.toml\"",
        'mkdir -p "$L/stray/bin"',
        'mkdir -p "$L/scratch/bin"',
        "printf '[metadata]\\nnote = \"all flags false\"\\n' > \"$L/scratch.toml\"",
        "",
      ].join("\n"),
    );
    h.script(
      "test/beta",
      "build",
      [
        'mkdir -p "$1/more/env"',
        "printf '[types]\\nbuild = true\\n' > \"$1/more.toml\"",
        "printf 'c' > \"$1/more/env/X.append\"",
        "hello | sed 's/^/beta RUN /'",
        "printf 'beta Q %q %q %q %q\\n' \"$X\" \"$Y\" \"${Z-unset}\" \"$JAVA_HOME\"",
        'echo "beta PATH $PATH"',
        'echo "beta LD $LD_LIBRARY_PATH $LIBRARY_PATH"',
        "",
      ].join("\n"),
    );
    h.script("test/gamma", "build", "printf 'gamma Q %q\\n' \"$X\"\necho \"gamma PATH $PATH\"\n");
    const r = await build(h.buildInputs(groupOf("test/alpha", "test/beta", "test/gamma"), NO_PLAN), h);
    assert.deepEqual(h.lines("beta", "RUN"), ["hello from tools"]);
    // X.append with X.delim ":" onto nothing is "a"; JAVA_HOME.default keeps echo's newline; env.launch is not for build.
    assert.deepEqual(h.lines("beta", "Q"), ["a b unset $'/layers/test_alpha/jdk\\n'"]);
    assert.deepEqual(h.lines("beta", "PATH"), ["/layers/test_alpha/tools/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
    assert.deepEqual(h.lines("beta", "LD"), ["/layers/test_alpha/tools/lib /layers/test_alpha/tools/lib"]);
    // beta's X.append has no .delim: an empty delimiter. Earlier buildpacks' values come first (CNB-17).
    assert.deepEqual(h.lines("gamma", "Q"), ["ac"]);
    assert.deepEqual(h.lines("gamma", "PATH"), ["/layers/test_alpha/tools/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]);
    // CNB-14: the all-false layer is renamed; its toml stays.
    const alphaDir = join(h.paths.host.layers, "test_alpha");
    assert.ok(existsSync(join(alphaDir, "scratch.ignore/bin")));
    assert.ok(!existsSync(join(alphaDir, "scratch")));
    assert.ok(existsSync(join(alphaDir, "scratch.toml")));
    const alpha = r.buildpacks[0];
    assert.deepEqual(
      alpha?.layers.map((l) => [l.name, l.types, l.path, l.hostPath]),
      [
        ["runtime", { launch: true, build: false, cache: false }, "/layers/test_alpha/runtime", join(alphaDir, "runtime")],
        ["tools", { launch: false, build: true, cache: true }, "/layers/test_alpha/tools", join(alphaDir, "tools")],
      ],
    );
  }),
);

test(
  "CNB-13: a malformed <layer>.toml fails the build (exit 52) naming the file and line; top-level flags are refused",
  withHarness({}, async (h) => {
    h.script("test/alpha", "build", "printf '[types]\\nlaunch = tru\\n' > \"$1/bad.toml\"\n");
    let err = await buildFails(h, ["test/alpha"], 52);
    assert.match(err.message, /^\/layers\/test_alpha\/bad\.toml: not valid TOML at line 2, column \d+/);
    h.script("test/alpha", "build", "rm -f \"$1\"/*.toml\nprintf 'launch = true\\n' > \"$1/legacy.toml\"\n");
    err = await buildFails(h, ["test/alpha"], 52);
    assert.match(err.message, /\/layers\/test_alpha\/legacy\.toml: launch: must be in the \[types\] table/);
    h.script("test/alpha", "build", "rm -f \"$1\"/*.toml\nprintf '[[processes]]\\ntype = \"web\"\\ncommand = \"node app.js\"\\n' > \"$1/launch.toml\"\n");
    err = await buildFails(h, ["test/alpha"], 52);
    assert.match(err.message, /\/layers\/test_alpha\/launch\.toml: processes\[0\]\.command: must be an array for Buildpack API 0\.12/);
  }),
);

test(
  "CNB-10: a failing buildpack stops the build: exit 51, its last output lines and exit code in the message, later buildpacks not run",
  withHarness({}, async (h) => {
    h.script("test/beta", "build", 'for i in $(seq 1 25); do echo "beta line $i"; done\necho "npm ERR! missing script: build" >&2\nexit 3\n');
    h.script("test/gamma", "build", "touch /workspace/gamma-ran\n");
    const err = await buildFails(h, ["test/alpha", "test/beta", "test/gamma"], 51);
    assert.equal(err.code, "LIFECYCLE_BUILDPACK_FAILED");
    assert.match(err.message, /^buildpack test\/beta@0\.1\.0 failed: bin\/build exited with code 3\nLast output lines:\n {2}beta line 7\n/);
    assert.match(err.message, / {2}beta line 25\n {2}npm ERR! missing script: build$/);
    assert.doesNotMatch(err.message, /beta line 6\n/);
    assert.ok(!existsSync(join(h.paths.host.workspace, "gamma-ran")), "gamma must not run");
    assert.match(h.output(), /\nTest Beta 0\.1\.0\n {2}beta line 1\n/);
    assert.doesNotMatch(h.output(), /Test Gamma/);
  }),
);

test(
  "progress lines (paketo's extension): asked for only when the platform takes progress; they go to onProgress, not the log nor a failure's last lines",
  withHarness({}, async (h) => {
    const prefix = encodeProgressLine({ kind: "blob-done", op: "download", digest: "d", total: 1, result: "exists" }).split("{")[0]!;
    h.script(
      "test/alpha",
      "build",
      `echo "asked: \${${PROGRESS_ENV}:-no}"
printf '%s\\n' '${prefix}{"kind":"blob-start","op":"download","digest":"sha512:n","total":4,"what":"node@22"}'
printf '%s\\n' '${prefix}{"kind":"blob-progress","op":"download","digest":"sha512:n","done":2,"total":4}'
printf '%s\\n' '${prefix}{"kind":"blob-done","op":"download","digest":"sha512:n","total":4,"result":"transferred"}'
printf '%s\\n' '${prefix}{"kind":"nonsense"}'
echo "Downloaded node@22"
[ ! -f /workspace/fail ] || exit 7
`,
    );
    const events: ProgressEvent[] = [];
    await build(h.buildInputs(groupOf("test/alpha"), NO_PLAN), { ...h, onProgress: (e) => events.push(e) });
    assert.deepEqual(
      events.map((e) => [e.kind, e.kind === "message" ? "" : e.digest, e.kind === "blob-done" ? e.logged : e.kind === "blob-start" ? e.what : undefined]),
      [
        ["blob-start", "sha512:n", "node@22"],
        ["blob-progress", "sha512:n", undefined],
        ["blob-done", "sha512:n", true],
      ],
    );
    assert.match(h.output(), /\n {2}asked: 1\n {2}::paketo-progress:: \{"kind":"nonsense"\}\n {2}Downloaded node@22\n/, "only well-formed progress lines leave the log");
    assert.doesNotMatch(h.output(), /blob-start/);

    h.write("workspace/fail", "");
    const err = await build(h.buildInputs(groupOf("test/alpha"), NO_PLAN), { ...h, onProgress: () => {} }).then(
      () => assert.fail("build passed"),
      (e: unknown) => e as Error,
    );
    assert.match(err.message, /Last output lines:\n {2}asked: 1\n {2}::paketo-progress:: \{"kind":"nonsense"\}\n {2}Downloaded node@22$/);

    // A platform that takes no progress does not ask: the buildpack's lines are all log.
    const plain = harness({});
    try {
      plain.script("test/alpha", "build", `echo "asked: \${${PROGRESS_ENV}:-no}"\n`);
      await build(plain.buildInputs(groupOf("test/alpha"), NO_PLAN), plain);
      assert.match(plain.output(), /\n {2}asked: no\n/);
    } finally {
      plain.cleanup();
    }
  }),
);

test(
  "CNB-18, CNB-19, CNB-41: API 0.7 string commands (direct=false) and 0.9+ arrays; a later process of a type replaces it; default rules; labels; metadata.toml",
  withHarness({}, async (h) => {
    h.script(
      "test/old",
      "build",
      `cat > "$1/launch.toml" <<'EOF'
[[processes]]
type = "web"
command = "echo hello; exec sleep 1"
args = ["a"]
direct = false
default = true
working-dir = "/workspace/sub"

[[processes]]
type = "task"
command = "echo task"

[[labels]]
key = "k1"
value = "old"
EOF
`,
    );
    h.script(
      "test/alpha",
      "build",
      `cat > "$1/launch.toml" <<'EOF'
[[processes]]
type = "worker"
command = ["node", "worker.js"]
args = ["--x"]
working-dir = "/workspace/w"

[[processes]]
type = "task"
command = ["bash", "-c", "echo newer task"]

[[labels]]
key = "k1"
value = "alpha"

[[labels]]
key = "k2"
value = "x"

[[slices]]
paths = ["static/*"]
EOF
`,
    );
    const r = await build(h.buildInputs(groupOf("test/old", "test/alpha"), NO_PLAN), h);
    assert.equal(r.defaultProcess, "web");
    assert.deepEqual(r.processes, [
      { type: "task", command: ["bash", "-c", "echo newer task"], args: [], direct: true, buildpackId: "test/alpha" },
      { type: "web", command: ["echo hello; exec sleep 1"], args: ["a"], direct: false, buildpackId: "test/old" },
      { type: "worker", command: ["node", "worker.js"], args: ["--x"], direct: true, buildpackId: "test/alpha", workingDir: "/workspace/w" },
    ]);
    assert.match(h.output(), /Warning: test\/old: process web: working-dir is not supported by Buildpack API 0\.7; ignored/);
    assert.deepEqual(r.labels, [
      { key: "k1", value: "alpha" },
      { key: "k2", value: "x" },
    ]);
    assert.deepEqual(r.slices, [{ paths: ["static/*"] }]);
    const meta = parseBuildMetadata(readFileSync(r.metadataPath, "utf8"));
    assert.deepEqual(meta.processes, r.processes);
    assert.equal(meta.buildpackDefaultProcessType, "web");
    assert.match(readFileSync(r.metadataPath, "utf8"), /command = \[ "echo hello; exec sleep 1" \]/, "Platform API 0.15 writes arrays");

    // A later non-default process of the default type leaves no default (with a warning).
    h.script("test/mid", "build", `printf '[[processes]]\\ntype = "web"\\ncommand = ["./server"]\\n' > "$1/launch.toml"\n`);
    const r2 = await build(h.buildInputs(groupOf("test/old", "test/alpha", "test/mid"), NO_PLAN), h);
    assert.equal(r2.defaultProcess, undefined);
    assert.equal(r2.metadata.buildpackDefaultProcessType, undefined);
    assert.match(h.output(), /Warning: test\/mid redefines the default process type web with a process not marked as default/);

    // Platform API 0.9: metadata.toml writes string commands.
    const r3 = await build(h.buildInputs(groupOf("test/old"), NO_PLAN, { platformApi: parseApiVersion("0.9") }), h);
    assert.match(readFileSync(r3.metadataPath, "utf8"), /command = "echo hello; exec sleep 1"/);
  }),
);

test(
  "CNB-21, CNB-25: store.toml, layer metadata, and a toml-only layer (reused from the previous image) are in the result",
  withHarness({}, async (h) => {
    h.script(
      "test/alpha",
      "build",
      "printf '[metadata]\\ncount = 2\\n' > \"$1/store.toml\"\nprintf '[types]\\nlaunch = true\\n[metadata]\\nversion = \"1.2.3\"\\n' > \"$1/node.toml\"\n",
    );
    const r = await build(h.buildInputs(groupOf("test/alpha"), NO_PLAN), h);
    const alpha = r.buildpacks[0];
    assert.deepEqual(alpha?.store, { metadata: { count: 2 } });
    assert.deepEqual(alpha?.layers, [{ name: "node", types: { launch: true, build: false, cache: false }, metadata: { version: "1.2.3" }, path: "/layers/test_alpha/node" }]);
  }),
);

test(
  "CNB-22: SBOM files are copied to <layers>/sbom/{launch,build,cache}/<bp>/[<layer>/]; a format the buildpack does not declare is an error",
  withHarness({}, async (h) => {
    h.script(
      "test/gamma",
      "build",
      [
        'mkdir -p "$1/deps" "$1/tmp"',
        "printf '[types]\\nlaunch = true\\ncache = true\\n' > \"$1/deps.toml\"",
        "printf '[types]\\nbuild = true\\n' > \"$1/tmp.toml\"",
        "echo '{\"deps\":1}' > \"$1/deps.sbom.cdx.json\"",
        "echo '{\"tmp\":1}' > \"$1/tmp.sbom.cdx.json\"",
        "echo '{\"launch\":1}' > \"$1/launch.sbom.cdx.json\"",
        "echo '{\"build\":1}' > \"$1/build.sbom.cdx.json\"",
        "echo '{}' > \"$1/gone.sbom.cdx.json\"",
        "",
      ].join("\n"),
    );
    const r = await build(h.buildInputs(groupOf("test/gamma"), NO_PLAN), h);
    const sbom = join(h.paths.host.layers, "sbom");
    const read = (rel: string) => readFileSync(join(sbom, rel), "utf8");
    assert.equal(read("launch/test_gamma/deps/sbom.cdx.json"), '{"deps":1}\n');
    assert.equal(read("cache/test_gamma/deps/sbom.cdx.json"), '{"deps":1}\n');
    assert.equal(read("build/test_gamma/tmp/sbom.cdx.json"), '{"tmp":1}\n');
    assert.equal(read("launch/test_gamma/sbom.cdx.json"), '{"launch":1}\n');
    assert.equal(read("build/test_gamma/sbom.cdx.json"), '{"build":1}\n');
    assert.equal(r.sbom.length, 5, "gone.sbom.cdx.json has no layer: skipped");
    assert.ok(!existsSync(join(h.paths.host.layers, "test_gamma", "gone")), "an SBOM file is not a layer");

    h.script("test/alpha", "build", "echo '{}' > \"$1/launch.sbom.spdx.json\"\n");
    const err = await buildFails(h, ["test/alpha"], 52);
    assert.match(err.message, /\/layers\/test_alpha\/launch\.sbom\.spdx\.json: SBOM media type application\/spdx\+json is not declared by test\/alpha/);
    h.script("test/gamma", "build", "echo '{}' > \"$1/launch.sbom.foo.json\"\n");
    const err2 = await buildFails(h, ["test/gamma"], 52);
    assert.match(err2.message, /unsupported SBOM format "foo\.json"/);
  }),
);

test(
  "CNB-9: a clear-env buildpack sees no user env at build either",
  withHarness({}, async (h) => {
    h.write("platform/env/BP_X", "1");
    h.script("test/clear", "build", dump("clear"));
    await build(h.buildInputs(groupOf("test/clear"), NO_PLAN), h);
    assert.equal(h.env("clear").BP_X, undefined);
    assert.equal(h.env("clear").CNB_PLATFORM_DIR, "/platform");
  }),
);

test(
  "links a buildpack plants at /layers/config or /layers/sbom do not steer the lifecycle's host-side writes",
  withHarness({}, async (h) => {
    const outside = join(h.root, "outside");
    h.write("../outside/keep", "untouched");
    h.script(
      "test/gamma",
      "build",
      [
        `ln -s ${outside} /layers/config`,
        `mkdir -p /layers/sbom/launch && ln -s ${outside} /layers/sbom/launch/test_gamma`,
        "printf '[types]\\nlaunch = true\\n' > \"$1/deps.toml\"",
        "mkdir -p \"$1/deps\" && echo '{}' > \"$1/deps.sbom.cdx.json\"",
        "",
      ].join("\n"),
    );
    const r = await build(h.buildInputs(groupOf("test/gamma"), NO_PLAN), h);
    assert.deepEqual(readdirSync(outside), ["keep"]);
    assert.ok(lstatSync(join(h.paths.host.layers, "config")).isDirectory());
    assert.ok(lstatSync(join(h.paths.host.layers, "sbom/launch/test_gamma")).isDirectory());
    assert.equal(readFileSync(join(h.paths.host.layers, "sbom/launch/test_gamma/deps/sbom.cdx.json"), "utf8"), "{}\n");
    assert.ok(existsSync(r.metadataPath));
  }),
);

test(
  "a later buildpack that swaps an earlier one's layer or SBOM file for a symlink is refused, not followed",
  withHarness({}, async (h) => {
    h.script("test/gamma", "build", "rm -rf \"$1\"/*\nmkdir -p \"$1/deps\"\nprintf '[types]\\nlaunch = true\\n' > \"$1/deps.toml\"\necho '{}' > \"$1/launch.sbom.cdx.json\"\n");
    h.script("test/beta", "build", "rm -f /layers/test_gamma/launch.sbom.cdx.json\nln -s /etc/hostname /layers/test_gamma/launch.sbom.cdx.json\n");
    let err = await buildFails(h, ["test/gamma", "test/beta"], 52);
    assert.match(err.message, /\/layers\/test_gamma\/launch\.sbom\.cdx\.json leads through a symlink out/);
    h.script("test/beta", "build", "rm -rf /layers/test_gamma/deps\nln -s /etc /layers/test_gamma/deps\n");
    err = await buildFails(h, ["test/gamma", "test/beta"], 52);
    assert.match(err.message, /layer \/layers\/test_gamma\/deps changed after its buildpack ran \(now: symlink\); refused/);
  }),
);

test(
  "--sandbox none: CNB_LAYERS_DIR and friends are host paths; a layer that is a symlink out of /layers is refused, and so is a symlinked launch.toml",
  withHarness({ mode: "none" }, async (h) => {
    h.script("test/alpha", "build", dump("alpha"));
    await build(h.buildInputs(groupOf("test/alpha"), NO_PLAN), h);
    const env = h.env("alpha");
    assert.equal(env.CNB_LAYERS_DIR, join(h.paths.host.layers, "test_alpha"));
    assert.equal(env.CNB_PLATFORM_DIR, h.paths.host.platform);
    assert.deepEqual(h.lines("alpha", "PWD"), [h.paths.host.workspace]);

    h.script("test/alpha", "build", "ln -s /etc \"$1/evil\"\nprintf '[types]\\nlaunch = true\\n' > \"$1/evil.toml\"\n");
    let err = await buildFails(h, ["test/alpha"], 52);
    assert.match(err.message, /layer .*\/layers\/test_alpha\/evil is a symlink \(to \/etc\); refused/);

    h.script("test/alpha", "build", "rm -rf \"$1\"/evil*\nln -s /etc/passwd \"$1/launch.toml\"\n");
    err = await buildFails(h, ["test/alpha"], 52);
    assert.match(err.message, /\/layers\/test_alpha\/launch\.toml leads through a symlink out of the directory it must stay in; refused/);

    h.script("test/alpha", "build", "rm -f \"$1/launch.toml\"\nmkdir -p \"$1/l/env\"\nprintf '[types]\\nbuild = true\\n' > \"$1/l.toml\"\nln -s /etc/hostname \"$1/l/env/LEAK\"\n");
    err = await buildFails(h, ["test/alpha"], 52);
    assert.match(err.message, /\/layers\/test_alpha\/l\/env\/LEAK leads through a symlink out/);
  }),
);

// A layer folder shown inside the app to later buildpacks (exec/build-mounts.ts): alpha installs
// "modules" into a layer and links the app to it, as the Node.js install buildpacks do.
const MOUNTING_BUILDPACK = [
  'L="$1"',
  'mkdir -p "$L/mods/tree/pkg" "$L/mods/tree/.cache" "$L/mods/env.build" "$L/tool-cache"',
  "printf '[types]\\nbuild = true\\ncache = true\\n' > \"$L/mods.toml\"",
  "printf '[types]\\ncache = true\\n' > \"$L/tool-cache.toml\"",
  "echo 'module.exports = 1' > \"$L/mods/tree/pkg/index.js\"",
  "ln -s /layers/test_alpha/mods/tree /workspace/node_modules",
  "printf '%s' '/workspace/node_modules=/layers/test_alpha/mods/tree:/workspace/node_modules/.cache=/layers/test_alpha/tool-cache:/workspace/other=/layers/test_alpha/none:/etc/x=/layers/test_alpha/mods' > \"$L/mods/env.build/PAKETO_BUILD_MOUNTS.override\"",
  "",
].join("\n");

const MOUNT_PROBE = [
  '[ -L /workspace/node_modules ] && echo "beta KIND symlink" || echo "beta KIND $(stat -c %F /workspace/node_modules)"',
  'echo "beta REAL $(realpath /workspace/node_modules/pkg/index.js)"',
  'echo "beta READ $(cat /workspace/node_modules/pkg/index.js)"',
  "echo built > /workspace/node_modules/new.txt",
  "echo cached > /workspace/node_modules/.cache/c.txt",
  "",
].join("\n");

test(
  "build mounts: a later buildpack sees the requested layer folder as a real folder of the app (nested ones inside it); on the host the app keeps its symlink",
  withHarness({ verbose: true }, async (h) => {
    h.script("test/alpha", "build", MOUNTING_BUILDPACK);
    h.script("test/beta", "build", MOUNT_PROBE);
    await build(h.buildInputs(groupOf("test/alpha", "test/beta"), NO_PLAN), h);
    assert.deepEqual(h.lines("beta", "KIND"), ["directory"]);
    assert.deepEqual(h.lines("beta", "REAL"), ["/workspace/node_modules/pkg/index.js"]);
    assert.deepEqual(h.lines("beta", "READ"), ["module.exports = 1"]);
    const alpha = join(h.paths.host.layers, "test_alpha");
    // What was written went to the layers; the app has its symlink back.
    assert.equal(readFileSync(join(alpha, "mods/tree/new.txt"), "utf8"), "built\n");
    assert.equal(readFileSync(join(alpha, "tool-cache/c.txt"), "utf8"), "cached\n");
    assert.deepEqual(readdirSync(join(alpha, "mods/tree/.cache")), []);
    const link = join(h.paths.host.workspace, "node_modules");
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.ok(!existsSync(join(h.paths.host.workspace, "other")));
    // What could not be mounted is in the debug log, named.
    assert.match(h.output(), /\/workspace\/other: \/layers\/test_alpha\/none is not a folder/);
    assert.match(h.output(), /"\/etc\/x=\/layers\/test_alpha\/mods": the mount point must be a path under \/workspace/);
  }),
);

test(
  "build mounts: a missing mount point is made for the run and removed after it; a folder of the app with files in it is not covered",
  withHarness({ verbose: true }, async (h) => {
    h.script("test/alpha", "build", MOUNTING_BUILDPACK.replace("ln -s /layers/test_alpha/mods/tree /workspace/node_modules", "true"));
    h.script("test/beta", "build", MOUNT_PROBE);
    await build(h.buildInputs(groupOf("test/alpha", "test/beta"), NO_PLAN), h);
    assert.deepEqual(h.lines("beta", "KIND"), ["directory"]);
    assert.ok(!existsSync(join(h.paths.host.workspace, "node_modules")));

    h.script("test/alpha", "build", MOUNTING_BUILDPACK.replace("ln -s /layers/test_alpha/mods/tree /workspace/node_modules", "mkdir -p /workspace/node_modules/own && echo mine > /workspace/node_modules/own/f"));
    h.script("test/beta", "build", 'echo "beta OWN $(cat /workspace/node_modules/own/f)"\n');
    await build(h.buildInputs(groupOf("test/alpha", "test/beta"), NO_PLAN), h);
    assert.deepEqual(h.lines("beta", "OWN"), ["mine"]);
    assert.match(h.output(), /\/workspace\/node_modules: the app has files there; not mounted/);
  }),
);

test(
  "build mounts: --sandbox none mounts nothing (buildpacks see the symlink and fall back themselves)",
  withHarness({ mode: "none" }, async (h) => {
    const layers = join(h.paths.host.layers, "test_alpha");
    h.script("test/alpha", "build", MOUNTING_BUILDPACK.replaceAll("/layers/test_alpha", layers).replaceAll("/workspace", h.paths.host.workspace));
    h.script("test/beta", "build", `[ -L "$PWD/node_modules" ] && echo "beta KIND symlink" || echo "beta KIND other"\n`);
    await build(h.buildInputs(groupOf("test/alpha", "test/beta"), NO_PLAN), h);
    assert.deepEqual(h.lines("beta", "KIND"), ["symlink"]);
  }),
);

// go-build through the harness with the real go command (go-common/testing.ts), as go-dist leaves
// it on PATH: targets, flags, GOPATH mode, go.work, the two-layer build cache, SBOM, source removal.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runBuild, runDetect, type PreviousLayer } from "../../buildpack-api/testing/index.js";
import { validateCycloneDx, validateSpdx } from "../../sbom/testing.js";
import { goTestEnv, readTreeBytes, type GoTestEnv } from "../go-common/testing/index.js";
import { goBuild } from "./buildpack.js";

const here = dirname(fileURLToPath(import.meta.url));
const buildpackToml = readFileSync(join(here, "../../../src/buildpacks/go-build/buildpack.toml"), "utf8");
const bp = goBuild({ cacheProg: [process.execPath, join(here, "cacheprog-main.js")] });
const plan = [{ name: "go", metadata: { build: true } }];

const SHOP = {
  "go.mod": "module example.com/shop\n\ngo 1.22\n",
  "cmd/web/main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/shop/internal/msg"\n)\n\nvar version = "dev"\n\nfunc main() { fmt.Println("web", version, msg.Hello()) }\n',
  "cmd/worker/main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("worker") }\n',
  "internal/msg/msg.go": 'package msg\n\nfunc Hello() string { return "hello" }\n',
  "assets/logo.txt": "logo\n",
  "README.md": "# shop\n",
};

let g: GoTestEnv;
/** The build cache layers of the first build, for the others to start warm. */
let warm: Record<string, PreviousLayer> = {};

before(async () => {
  g = await goTestEnv();
});
after(() => g.cleanup());

function layerDir(dir: string, name: string): string {
  return join(dir, "layers", "paketo-buildpacks_go-build", name);
}

test("detect: *.go in the build dir, else ./cmd/*, else BP_GO_TARGETS; nothing: fail with the reason", async () => {
  const root = await runDetect(bp, { buildpackToml, app: { "main.go": "package main\n" } });
  assert.ok(root.outcome === "pass");
  assert.deepEqual(root.plan.requires, [{ name: "go", metadata: { build: true } }]);
  assert.equal((await runDetect(bp, { buildpackToml, app: SHOP })).outcome, "pass");
  const none = await runDetect(bp, { buildpackToml, app: { "README.md": "" } });
  assert.equal(none.outcome, "fail");
  assert.match(none.stdout, /no \*\.go files could be found in the build directory or under \.\/cmd/);
  const missing = await runDetect(bp, { buildpackToml, app: SHOP, env: { BP_GO_TARGETS: "./cmd/api" } });
  assert.equal(missing.outcome, "fail");
  assert.match(missing.stdout, /BP_GO_TARGETS: there are no \*\.go files in cmd\/api/);
  const sub = await runDetect(bp, { buildpackToml, app: { "services/api/main.go": "package main\n" }, env: { BP_GO_WORKDIR: "services/api" } });
  assert.equal(sub.outcome, "pass");
});

test("build: every ./cmd/* binary, web the default; ldflags; -buildmode=pie -trimpath; source removed but BP_KEEP_FILES; SBOM", async () => {
  const b = await runBuild(bp, {
    buildpackToml,
    plan,
    app: SHOP,
    env: { ...g.env, BP_GO_BUILD_LDFLAGS: "-X main.version=1.2.3", BP_KEEP_FILES: "assets/*" },
    keep: true,
  });
  try {
    assert.equal(b.outcome, "success", b.stderr + b.stdout);
    assert.match(b.stdout, /Running 'go build -o \S+\/targets\/bin\/ "-ldflags=-X main\.version=1\.2\.3" -buildmode=pie -trimpath \.\/cmd\/web \.\/cmd\/worker'/);
    assert.deepEqual(
      b.launch?.processes.map((p) => [p.type, p.default, p.command[0]?.replace(/^.*\/targets\//, "")]),
      [
        ["web", true, "bin/web"],
        ["worker", false, "bin/worker"],
      ],
    );
    assert.deepEqual(b.layers.targets?.types, { build: false, launch: true, cache: false });
    const bin = join(layerDir(b.dir, "targets"), "bin");
    assert.equal(execFileSync(join(bin, "web"), { encoding: "utf8" }), "web 1.2.3 hello\n");
    assert.match(execFileSync("go", ["version", "-m", join(bin, "web")], { encoding: "utf8", env: g.env }), /build\t-buildmode=pie\n[\s\S]*build\t-trimpath=true/);
    assert.deepEqual(readdirSync(join(b.dir, "workspace")), ["assets"], "only what BP_KEEP_FILES names stays");
    assert.equal(readFileSync(join(b.dir, "workspace/assets/logo.txt"), "utf8"), "logo\n");
    const cdx = JSON.parse(b.files["targets.sbom.cdx.json"] ?? "{}");
    assert.equal(cdx.metadata.component.name, "example.com/shop");
    const stdlib = cdx.components.find((c: { name: string }) => c.name === "stdlib");
    assert.match(stdlib?.purl ?? "", /^pkg:golang\/stdlib@1\.\d+/);
    assert.match(stdlib?.cpe ?? "", /^cpe:2\.3:a:golang:go:1\.\d+/);
    await validateCycloneDx(b.files["targets.sbom.cdx.json"]!);
    validateSpdx(b.files["targets.sbom.spdx.json"]!);
    // the build cache: two layers, the results of a first build merged into the kept one once large
    assert.ok(existsSync(layerDir(b.dir, "gocache")));
    assert.match(b.stdout, /Build cache: merged \d+ new result\(s\) into the kept cache/);
    warm = {
      gocache: { metadata: b.layers.gocache!.metadata, files: readTreeBytes(layerDir(b.dir, "gocache")) },
      "gocache-new": { metadata: b.layers["gocache-new"]!.metadata, files: readTreeBytes(layerDir(b.dir, "gocache-new")) },
    };
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});

test("build: a rebuild reuses every cached result; a one-line change adds a few to the small layer only", async () => {
  const same = await runBuild(bp, { buildpackToml, plan, app: SHOP, env: g.env, layers: warm });
  assert.equal(same.outcome, "success", same.stderr + same.stdout);
  assert.match(same.stdout, /Build cache: every result reused/);
  const changed = await runBuild(bp, { buildpackToml, plan, app: { ...SHOP, "internal/msg/msg.go": 'package msg\n\nfunc Hello() string { return "hi" }\n' }, env: g.env, layers: warm });
  assert.equal(changed.outcome, "success", changed.stderr);
  assert.match(changed.stdout, /Build cache: [1-9]\d? new result\(s\); 0\.\d+ MB of new results beside [\d.]+ MB kept as it was/);
});

test("build: BP_GO_TARGETS picks one command; BP_GO_WORKDIR builds in a subdirectory", async () => {
  const one = await runBuild(bp, { buildpackToml, plan, app: SHOP, env: { ...g.env, BP_GO_TARGETS: "./cmd/worker" }, layers: warm });
  assert.equal(one.outcome, "success", one.stderr);
  assert.deepEqual(one.launch?.processes.map((p) => [p.type, p.default]), [["worker", true]]);
  const sub = await runBuild(bp, {
    buildpackToml,
    plan,
    app: Object.fromEntries(Object.entries(SHOP).map(([k, v]) => [`services/shop/${k}`, v])),
    env: { ...g.env, BP_GO_WORKDIR: "services/shop", BP_GO_TARGETS: "./cmd/web" },
    layers: warm,
  });
  assert.equal(sub.outcome, "success", sub.stderr);
  assert.match(sub.stdout, /Using BP_GO_WORKDIR variable, build subdirectory is 'services\/shop'/);
  assert.deepEqual(sub.launch?.processes.map((p) => p.type), ["web"]);
});

test("build: without go.mod, GOPATH mode under BP_GO_BUILD_IMPORT_PATH (default workspace)", async () => {
  const app = { "main.go": 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("legacy") }\n' };
  const plain = await runBuild(bp, { buildpackToml, plan, app, env: g.env, layers: warm });
  assert.equal(plain.outcome, "success", plain.stderr + plain.stdout);
  assert.deepEqual(plain.launch?.processes.map((p) => p.type), ["workspace"]);
  const named = await runBuild(bp, { buildpackToml, plan, app, env: { ...g.env, BP_GO_BUILD_IMPORT_PATH: "example.com/legacy" }, layers: warm });
  assert.equal(named.outcome, "success", named.stderr);
  assert.deepEqual(named.launch?.processes.map((p) => p.type), ["legacy"]);
});

test("build: a go.work monorepo with BP_GO_WORK_USE", async () => {
  const app = {
    "api/go.mod": "module example.com/api\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n",
    "api/main.go": 'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/lib"\n)\n\nfunc main() { fmt.Println(lib.Name()) }\n',
    "lib/go.mod": "module example.com/lib\n\ngo 1.22\n",
    "lib/lib.go": 'package lib\n\nfunc Name() string { return "lib" }\n',
  };
  const b = await runBuild(bp, { buildpackToml, plan, app, env: { ...g.env, BP_GO_WORK_USE: "./api:./lib", BP_GO_TARGETS: "./api" }, layers: warm, keep: true });
  try {
    assert.equal(b.outcome, "success", b.stderr + b.stdout);
    assert.match(b.stdout, /Running 'go work init'[\s\S]*Running 'go work use api lib'/);
    assert.equal(execFileSync(join(layerDir(b.dir, "targets"), "bin", "api"), { encoding: "utf8" }), "lib\n");
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});

test("build: cgo with the C compiler on PATH: a PIE binary linked against libc", async () => {
  const app = {
    "go.mod": "module example.com/native\n\ngo 1.22\n",
    "main.go": 'package main\n\n/*\nstatic int twice(int n) { return 2 * n; }\n*/\nimport "C"\n\nimport "fmt"\n\nfunc main() { fmt.Println("twice", int(C.twice(21))) }\n',
  };
  const b = await runBuild(bp, { buildpackToml, plan, app, env: g.env, layers: warm, keep: true });
  try {
    assert.equal(b.outcome, "success", b.stderr + b.stdout);
    const bin = join(layerDir(b.dir, "targets"), "bin", "native");
    assert.equal(execFileSync(bin, { encoding: "utf8" }), "twice 42\n");
    assert.match(execFileSync("go", ["version", "-m", bin], { encoding: "utf8", env: g.env }), /build\t-buildmode=pie\n[\s\S]*build\tCGO_ENABLED=1\n/);
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});

test("build: cross-compiling (GOARCH=arm64 from go-dist): an aarch64 binary without cgo; an app with `import \"C\"` gets CGO_ENABLED=1", async () => {
  const cross = { ...g.env, GOOS: "linux", GOARCH: "arm64" };
  const b = await runBuild(bp, { buildpackToml, plan, app: SHOP, env: cross, keep: true });
  let crossWarm: Record<string, PreviousLayer> = {};
  try {
    assert.equal(b.outcome, "success", b.stderr + b.stdout);
    assert.match(b.stdout, /Cross-compiling for linux\/arm64 on linux\/amd64: no package uses cgo, so CGO_ENABLED=0/);
    const bin = join(layerDir(b.dir, "targets"), "bin", "web");
    assert.match(execFileSync("file", [bin], { encoding: "utf8" }), /ARM aarch64/);
    assert.match(execFileSync("go", ["version", "-m", bin], { encoding: "utf8", env: g.env }), /build\tCGO_ENABLED=0\n[\s\S]*build\tGOARCH=arm64\n/);
    // the standard library compiled for arm64 once: the next builds start from this build cache
    crossWarm = Object.fromEntries(["gocache", "gocache-new"].map((l) => [l, { metadata: b.layers[l]!.metadata, files: readTreeBytes(layerDir(b.dir, l)) }]));
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
  // the C compiler here makes x86-64 code, so only the choice is checked, not the build
  const cgo = await runBuild(bp, {
    buildpackToml,
    plan,
    app: { "go.mod": "module example.com/native\n\ngo 1.22\n", "main.go": 'package main\n\n// static int one(void) { return 1; }\nimport "C"\n\nfunc main() { println(C.one()) }\n' },
    env: cross,
    layers: crossWarm,
  });
  assert.match(cgo.stdout, /Cross-compiling for linux\/arm64 on linux\/amd64: example\.com\/native uses cgo, so CGO_ENABLED=1 with the build image's C compiler \(linux\/arm64, emulated\)/);
  // a CGO_ENABLED of the user's is kept: no listing
  const kept = await runBuild(bp, { buildpackToml, plan, app: SHOP, env: { ...cross, CGO_ENABLED: "0" }, layers: crossWarm });
  assert.equal(kept.outcome, "success", kept.stderr);
  assert.doesNotMatch(kept.stdout, /Cross-compiling/);
});

test("build: a compile error is one error with the compiler's message; bad flags are named", async () => {
  const broken = await runBuild(bp, { buildpackToml, plan, app: { ...SHOP, "internal/msg/msg.go": "package msg\n\nfunc Hello() string { return nope }\n" }, env: g.env, layers: warm });
  assert.equal(broken.outcome, "error");
  assert.match(broken.stderr, /ERROR: 'go build' in the app exited with status 1; its last output:\n[\s\S]*internal\/msg\/msg\.go:3:\d+: undefined: nope/);
  assert.equal(broken.launch, undefined);
  const flags = await runBuild(bp, { buildpackToml, plan, app: SHOP, env: { ...g.env, BP_GO_BUILD_FLAGS: "-tags='unclosed" } });
  assert.equal(flags.outcome, "error");
  assert.match(flags.stderr, /ERROR: BP_GO_BUILD_FLAGS: /);
});

// The whole product on Go apps: `paketo build` with the default builder (made on first use), Go
// from the module proxy, the image run by podman with PORT=8080 published, and an HTTP GET. Plus
// rebuild reuse, the tiny run image, a Procfile `go run`, and the failures a user meets first.
//
// One build (before) fills a build cache with the toolchain, the standard library compiled and the
// module cache; every case starts from a hard-linked copy of it (`--cache-dir`), so the cases run
// concurrently without compiling the standard library each.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { appCopy, e2eTemp, Podman } from "./testing/harness.js";

// Lowercase only: podman names an image from its oci: path, and references must be lowercase.
const tmp = e2eTemp("go");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));
const WARM = join(tmp.path, "warm-cache");

interface Built {
  layout: string;
  image: string;
  stderr: string;
  digest: string;
}

/** A copy of the warm build cache for one case (hard links: blobs never change in place). */
function cacheCopy(name: string): string {
  const dest = join(tmp.path, "caches", name);
  mkdirSync(join(tmp.path, "caches"), { recursive: true });
  execFileSync("cp", ["-al", WARM, dest]);
  return dest;
}

async function build(app: string, dir: string, extra: string[] = [], o: { cache?: string; layout?: string } = {}): Promise<Built> {
  const layout = o.layout ?? join(tmp.path, "images", `${app}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(join(tmp.path, "images"), { recursive: true });
  const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, "--cache-dir", o.cache ?? cacheCopy(`${app}-${Math.random().toString(36).slice(2, 8)}`), ...extra]);
  assert.equal(r.code, 0, `build of ${app} failed:\n${r.stderr}`);
  return { layout, image: `oci:${layout}`, stderr: r.stderr, digest: r.stdout.trim().split("\n").pop() ?? "" };
}

/** Each layer's compressed size and history line (the layout's one image). */
function layerSizes(layout: string): Array<{ size: number; by: string }> {
  const blob = (d: string) => readFileSync(join(layout, "blobs", ...d.split(":")));
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(blob(index.manifests[0]?.digest as string).toString()) as { config: { digest: string }; layers: Array<{ size: number }> };
  const config = JSON.parse(blob(manifest.config.digest).toString()) as { history?: Array<{ created_by?: string; empty_layer?: boolean }> };
  const history = (config.history ?? []).filter((h) => !h.empty_layer);
  return manifest.layers.map((l, i) => ({ size: l.size, by: history[i]?.created_by ?? "" }));
}

before(async () => {
  // The default builder and its stack in this test's store, the tiny run image beside them, and
  // the warm build cache (toolchain, standard library, gorilla/mux).
  const r = await c.paketo(["build", `oci:${join(tmp.path, "images", "warmup")}`, "--path", appCopy("go-mod", join(tmp.path, "warmup")), "--cache-dir", WARM]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Creating the default builder/);
  await c.ok(["stack", "create", "--flavor", "tiny"]);
});
after(() => tmp.cleanup());

describe("Go apps build with the default builder and serve HTTP under podman", { concurrency: 3 }, () => {
  test("no imports, no go.mod (GOPATH mode): Go Distribution and Go Build only; runs as the CNB user", async () => {
    const b = await build("go-no-imports", appCopy("go-no-imports", join(tmp.path, "a1")));
    assert.match(b.stderr, /Paketo Buildpack for Go Distribution/);
    assert.match(b.stderr, /Paketo Buildpack for Go Build/);
    assert.doesNotMatch(b.stderr, /Go Mod Vendor/);
    assert.match(await podman.serve(b.image), /^go-no-imports ok go1\.\d+\.\d+ uid=1002$/m);
  });

  test("modules with a dependency: vendored through the proxy; the SBOM lists it with its purl; a one-line change rebuilds without downloads", async () => {
    const dir = appCopy("go-mod", join(tmp.path, "a2"));
    const cache = cacheCopy("go-mod-rebuild");
    const layout = join(tmp.path, "images", "go-mod-rebuild");
    const first = await build("go-mod", dir, [], { cache, layout });
    assert.match(first.stderr, /Paketo Buildpack for Go Mod Vendor/);
    assert.match(await podman.serve(first.image), /^go-mod ok router=gorilla\/mux$/m);
    const sbomDir = join(tmp.path, "sbom-go-mod");
    await c.ok(["sbom", "download", first.image, "--output-dir", sbomDir]);
    const sbom = readFileSync(join(sbomDir, "layers/sbom/launch/paketo-buildpacks_go-build/targets/sbom.cdx.json"), "utf8");
    assert.match(sbom, /"purl": "pkg:golang\/github\.com\/gorilla\/mux@v1\.8\.1"/);
    assert.match(sbom, /"purl": "pkg:golang\/stdlib@1\.\d+\.\d+"/);
    // same source: same image
    const again = await build("go-mod", dir, [], { cache, layout });
    assert.equal(again.digest, first.digest, "a rebuild without a change gives the same image");
    // one line changed: the toolchain and the modules are reused, the compile cache too
    writeFileSync(join(dir, "main.go"), `${readFileSync(join(dir, "main.go"), "utf8")}// one more line\n`);
    const changed = await build("go-mod", dir, [], { cache, layout });
    assert.match(changed.stderr, /Reusing cached layer \/layers\/paketo-buildpacks_go-dist\/go\n/);
    assert.match(changed.stderr, /Reusing cached layer \/layers\/paketo-buildpacks_go-mod-vendor\/mod-cache/);
    assert.doesNotMatch(changed.stderr, /go: downloading|Installing Go/);
    assert.match(changed.stderr, /Build cache: [1-9]\d? new result\(s\); [\d.]+ MB of new results beside [\d.]+ MB kept as it was/);
    assert.notEqual(changed.digest, first.digest);
  });

  test("vendor/ committed: nothing is downloaded", async () => {
    const b = await build("go-vendor", appCopy("go-vendor", join(tmp.path, "a3")));
    assert.match(b.stderr, /Skipping build process: modules are already vendored/);
    assert.doesNotMatch(b.stderr, /go: downloading/);
    assert.match(await podman.serve(b.image), /^go-vendor ok vendored hello$/m);
  });

  test("BP_GO_TARGETS picks one of several ./cmd/*; BP_GO_BUILD_LDFLAGS sets the version it prints", async () => {
    const b = await build("go-cmds", appCopy("go-cmds", join(tmp.path, "a4")), ["--env", "BP_GO_TARGETS=./cmd/web", "--env", "BP_GO_BUILD_LDFLAGS=-X main.version=1.2.3"]);
    assert.match(b.stderr, /web \(default\): \/layers\/paketo-buildpacks_go-build\/targets\/bin\/web/);
    assert.doesNotMatch(b.stderr, /bin\/worker/);
    assert.match(await podman.serve(b.image), /^go-cmds web ok version=1\.2\.3$/m);
  });

  test("cgo: C code of its own and zlib from the build image, linked dynamically; the run image has the library", async () => {
    const b = await build("go-cgo", appCopy("go-cgo", join(tmp.path, "a7")));
    assert.match(await podman.serve(b.image), /^go-cgo ok twice=42 zlib=1\.\d+/m);
  });

  test("the tiny run image (no shell): the binary runs; the image is the binary plus at most 8 MiB compressed", async () => {
    const b = await build("go-no-imports", appCopy("go-no-imports", join(tmp.path, "a5")), ["--run-image", "paketo/trixie:run-tiny"]);
    assert.match(await podman.serve(b.image), /^go-no-imports ok go1\.\d+\.\d+ uid=1002$/m);
    const sizes = layerSizes(b.layout);
    const binary = sizes.find((l) => l.by.includes("'targets'"));
    assert.ok(binary, JSON.stringify(sizes));
    const rest = sizes.reduce((n, l) => n + l.size, 0) - binary.size;
    assert.ok(rest <= 8 * 1024 * 1024, `everything but the binary is ${(rest / 1048576).toFixed(2)} MiB compressed`);
  });

  test("a Procfile `go run` app: Go is in the image, the app runs from source", async () => {
    const dir = appCopy("go-procfile", join(tmp.path, "a6"));
    const b = await build("go-procfile", dir, ["--buildpack", "paketo-buildpacks/go-dist", "--buildpack", "paketo-buildpacks/procfile", "--buildpack", "paketo-community/build-plan"]);
    assert.match(b.stderr, /Configuring launch environment/);
    // compiling at container start takes a while on a busy machine: bounded at 10 minutes
    assert.match(await podman.serve(b.image, { timeoutMs: 600_000 }), /^go-procfile ok go run go1\.\d+\.\d+$/m);
  });
});

describe("failures name the file and the cause, and export nothing", { concurrency: 2 }, () => {
  async function fails(app: string, edit: (dir: string) => void, extra: string[] = []): Promise<string> {
    const dir = appCopy(app, join(tmp.path, `f-${app}-${Math.random().toString(36).slice(2, 6)}`));
    edit(dir);
    const layout = join(tmp.path, "images", `failed-${Math.random().toString(36).slice(2, 8)}`);
    const r = await c.paketo(["build", `oci:${layout}`, "--path", dir, "--cache-dir", cacheCopy(`failed-${Math.random().toString(36).slice(2, 8)}`), ...extra]);
    assert.notEqual(r.code, 0, "the build must fail");
    assert.ok(!existsSync(join(layout, "index.json")), "nothing is exported");
    return r.stderr;
  }

  test("a compile error", async () => {
    const err = await fails("go-cmds", (d) => writeFileSync(join(d, "cmd/web/main.go"), readFileSync(join(d, "cmd/web/main.go"), "utf8").replace('var version = "dev"', "var version = undefinedName")));
    assert.match(err, /ERROR: 'go build' in the app exited with status 1; its last output:/);
    assert.match(err, /cmd\/web\/main\.go:\d+:\d+: undefined: undefinedName/);
  });

  test("an unsatisfiable BP_GO_VERSION", async () => {
    const err = await fails("go-no-imports", () => {}, ["--env", "BP_GO_VERSION=1.99.*"]);
    assert.match(err, /ERROR: no Go release on the module proxy satisfies "1\.99\.\*" \(BP_GO_VERSION\)/);
    assert.match(err, /newest release of each recent Go line: /);
  });

  test("--platform with another architecture and no --builder: the default builder is this machine's only (docs/multiarch.md)", async () => {
    const err = await fails("go-no-imports", () => {}, ["--platform", "linux/arm64"]);
    assert.match(err, /paketo: error: the default builder is made for this machine's platform \(linux\/amd64\) only, not for linux\/arm64/);
    assert.match(err, /\[\[targets\]\] entry per platform .* --builder NAME/);
  });
});

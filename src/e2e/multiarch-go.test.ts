// Multi-platform images in the default suite (docs/multiarch.md): a small Go web app built for
// linux/amd64 and linux/arm64 by one `paketo build --platform` into a loopback registry as one
// OCI image index. The arm64 binary is cross-compiled by the machine's own Go toolchain (GOARCH),
// so only the buildpacks' Node.js and the launcher run emulated. skopeo reads both manifests, the
// binaries are of their architectures (`file`), the arm64 image serves under podman with
// emulation, and a second build from a fresh store in another folder gives the same index digest.
// Needs qemu-user-static registered with binfmt_misc (scripts/setup.sh --test); without it the
// test fails with the error that names what is missing. The Express case (npm install emulated)
// is src/e2e/multiarch.test.ts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { checkEmulation } from "../sandbox/index.js";
import { startRegistry, type TestRegistry } from "../testing/index.js";
import { APPS, appCopy, e2eTemp, Podman } from "./testing/harness.js";
import { fileOfLayerEntry, type IndexJson, multiBuilderToml, PLATFORMS, sha256Of, skopeo } from "./testing/multiarch.js";

const tmp = e2eTemp("mago"); // short: podman refuses a runroot path longer than 50 characters
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));
const BUNDLES = join(resolve(APPS, "../../.."), "dist", "bundled-buildpacks");
const BINARY = "layers/paketo-buildpacks_go-build/targets/bin/gotiny";
let reg: TestRegistry;
let insecure: string[];

interface Built {
  digest: string;
  images: Array<{ platform: string; digest: string }>;
  stderr: string;
}

/**
 * `paketo build --platform linux/amd64,linux/arm64` of a fresh copy of go-tiny into `gotiny:TAG`,
 * with the cache folder `cache` and the store `store` (which holds the stack and the builder).
 */
async function build(tag: string, cache: string, store = join(tmp.path, "store")): Promise<Built> {
  const dir = appCopy("go-tiny", join(tmp.path, `app-${tag}`));
  const r = await c.paketo(
    [
      "build", `docker://${reg.host}/gotiny:${tag}`, "--builder", "paketo/builder:go", "--path", dir, "--platform", PLATFORMS,
      "--run-image", `docker://${reg.host}/paketo/trixie:run`, "--cache-dir", cache, ...insecure, "--json",
    ],
    { PAKETO_STORE: store },
  );
  assert.equal(r.code, 0, r.stderr);
  return { ...(JSON.parse(r.stdout) as Omit<Built, "stderr">), stderr: r.stderr };
}

/** The stack's build image and the Go builder, for both platforms, into `store`. */
async function stackAndBuilder(store: string): Promise<void> {
  await c.ok(["stack", "create", "--platform", PLATFORMS, "--flavor", "build", "paketo/trixie:build"], { PAKETO_STORE: store });
  await c.ok(["builder", "create", "paketo/builder:go", "--config", join(tmp.path, "builder", "builder.toml"), ...insecure], { PAKETO_STORE: store });
}

before(async () => {
  await checkEmulation("arm64");
  reg = await startRegistry();
  insecure = ["--insecure-registry", reg.host];
  // The build image in the store, the run image in the registry (the images name it there), both indexes.
  mkdirSync(join(tmp.path, "builder"), { recursive: true });
  writeFileSync(join(tmp.path, "builder", "builder.toml"), multiBuilderToml(BUNDLES, [{ name: "go-dist" }, { name: "go-build" }]));
  await stackAndBuilder(join(tmp.path, "store"));
  await c.ok(["stack", "create", "--platform", PLATFORMS, "--flavor", "base", `docker://${reg.host}/paketo/trixie:run`, ...insecure]);
});
after(async () => {
  await reg?.stop();
  tmp.cleanup();
});

let first: Built | undefined;

test("a Go app for linux/amd64 and linux/arm64: one index in the registry, arm64 cross-compiled, served under emulation", async () => {
  first = await build("1", join(tmp.path, "cache-1"));
  assert.deepEqual(first.images.map((i) => i.platform), ["linux/amd64", "linux/arm64"]);
  assert.match(first.stderr, /Cross-compiling for linux\/arm64 with the linux\/amd64 toolchain/);
  assert.match(first.stderr, /Cross-compiling for linux\/arm64 on linux\/amd64: no package uses cgo, so CGO_ENABLED=0/);

  const raw = skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/gotiny:1`]);
  const idx = JSON.parse(raw) as IndexJson;
  assert.equal(idx.mediaType, "application/vnd.oci.image.index.v1+json");
  assert.deepEqual(idx.manifests.map((m) => [m.platform.architecture, m.digest]), [["amd64", first.images[0]?.digest], ["arm64", first.images[1]?.digest]]);
  assert.equal(sha256Of(raw), first.digest);

  const layouts: Record<string, string> = {};
  for (const arch of ["amd64", "arm64"]) {
    layouts[arch] = join(tmp.path, `gotiny-${arch}`);
    skopeo(["copy", "--src-tls-verify=false", "--override-arch", arch, `docker://${reg.host}/gotiny:1`, `oci:${layouts[arch]}:x`]);
  }
  assert.match(fileOfLayerEntry(layouts.amd64!, BINARY), /x86-64/);
  assert.match(fileOfLayerEntry(layouts.arm64!, BINARY), /ARM aarch64/);
  assert.match(fileOfLayerEntry(layouts.arm64!, "cnb/lifecycle/launcher"), /ARM aarch64/);
  // the launcher and the app are arm64 programs: the kernel hands them to qemu
  assert.equal(await podman.serve(`oci:${layouts.arm64}:x`, { podmanArgs: ["--platform", "linux/arm64"] }), "go-tiny ok linux/arm64\n");
});

test("a second build for both platforms, from a fresh store (stack and builder made again) in another folder, gives the same index digest", async () => {
  assert.ok(first, "the first build ran");
  const store = join(tmp.path, "store-2");
  await stackAndBuilder(store);
  // The first build's cache, copied (hard links: blobs never change in place): Go compiled for
  // both platforms and the toolchain, whose install runs emulated for arm64 (docs/multiarch.md).
  execFileSync("cp", ["-al", join(tmp.path, "cache-1"), join(tmp.path, "cache-2")]);
  const second = await build("2", join(tmp.path, "cache-2"), store);
  const digests = (b: Built) => b.images.map((i) => [i.platform, i.digest]);
  assert.deepEqual(digests(second), digests(first));
  assert.equal(second.digest, first.digest);
  assert.equal(sha256Of(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/gotiny:2`])), first.digest);
});

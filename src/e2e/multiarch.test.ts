// Multi-platform images (docs/multiarch.md): the stack and a builder for linux/amd64 and
// linux/arm64 as image indexes, and one `paketo build --platform linux/amd64,linux/arm64` of the
// Express example into a loopback registry as one index: skopeo lists both images, the arm64 one
// serves HTTP under podman with user-mode emulation, and its Node.js is an aarch64 binary.
// Needs qemu-user-static registered with binfmt_misc (scripts/setup.sh --test); without it the
// test fails with the error that names what is missing.
// In the default suite: about 2 min with the machine's caches warm (Node.js for arm64, the arm64
// stack); the first run on a machine pays the emulated npm install and the arm64 stack (up to
// 16 min on a busy 2-core machine). PAKETO_E2E_MULTIARCH=0 leaves it out, saying so.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { checkEmulation } from "../sandbox/index.js";
import { startRegistry, type TestRegistry } from "../testing/index.js";
import { APPS, e2eTemp, Podman } from "./testing/harness.js";
import { fileOfLayerEntry, type IndexJson, multiBuilderToml, PLATFORMS, sha256Of, skopeo } from "./testing/multiarch.js";

const tmp = e2eTemp("multiarch");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));
const ROOT = resolve(APPS, "../../..");
const BUNDLES = join(ROOT, "dist", "bundled-buildpacks");
let reg: TestRegistry;
const skip = process.env.PAKETO_E2E_MULTIARCH === "0" ? "PAKETO_E2E_MULTIARCH=0 leaves the Express multi-platform e2e out" : false;

before(async () => {
  if (skip) return;
  await checkEmulation("arm64");
  reg = await startRegistry();
  const insecure = ["--insecure-registry", reg.host];
  // The build image in the store, the run image in the registry (the images name it there), both indexes.
  await c.ok(["stack", "create", "--platform", PLATFORMS, "--flavor", "build", "paketo/trixie:build"]);
  await c.ok(["stack", "create", "--platform", PLATFORMS, "--flavor", "base", `docker://${reg.host}/paketo/trixie:run`, ...insecure]);
  mkdirSync(join(tmp.path, "builder"), { recursive: true });
  writeFileSync(join(tmp.path, "builder", "builder.toml"), multiBuilderToml(BUNDLES, [{ name: "node-engine" }, { name: "npm-install" }, { name: "node-start", optional: true }, { name: "npm-start" }]));
  await c.ok(["builder", "create", "paketo/builder:multi", "--config", join(tmp.path, "builder", "builder.toml"), ...insecure]);
});
after(async () => {
  if (skip) return tmp.cleanup();
  await reg?.stop();
  tmp.cleanup();
});

test("the stack and the builder are indexes of an amd64 and an arm64 image; the arm64 launcher is aarch64", { skip }, () => {
  const store = join(tmp.path, "store");
  for (const name of ["paketo/trixie:build", "paketo/builder:multi"]) {
    const idx = JSON.parse(skopeo(["inspect", "--raw", `oci:${store}:${name}`])) as IndexJson;
    assert.equal(idx.mediaType, "application/vnd.oci.image.index.v1+json", name);
    assert.deepEqual(idx.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`), ["linux/amd64", "linux/arm64"], name);
  }
  const out = join(tmp.path, "builder-arm64");
  skopeo(["copy", "--override-arch", "arm64", `oci:${store}:paketo/builder:multi`, `oci:${out}:b`]);
  assert.match(fileOfLayerEntry(out, "cnb/lifecycle/launcher"), /ARM aarch64.*statically linked/);
});

test("build --platform linux/amd64,linux/arm64: one index in the registry; the arm64 image serves under emulation", { skip }, async () => {
  const dest = `docker://${reg.host}/express:1`;
  const r = await c.paketo([
    "build", dest, "--builder", "paketo/builder:multi", "--path", join(ROOT, "examples", "express-app"), "--platform", PLATFORMS,
    "--run-image", `docker://${reg.host}/paketo/trixie:run`, "--insecure-registry", reg.host, "--json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { digest: string; images: Array<{ platform: string; digest: string }> };
  assert.deepEqual(out.images.map((i) => i.platform), ["linux/amd64", "linux/arm64"]);
  // CNB_TARGET_ARCH told node-engine which Node.js to install
  assert.match(r.stderr, /===> linux\/arm64/);

  const raw = skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/express:1`]);
  const idx = JSON.parse(raw) as IndexJson;
  assert.equal(idx.mediaType, "application/vnd.oci.image.index.v1+json");
  assert.deepEqual(idx.manifests.map((m) => [m.platform.architecture, m.digest]), [["amd64", out.images[0]?.digest], ["arm64", out.images[1]?.digest]]);
  assert.equal(sha256Of(raw), out.digest);
  const arm = JSON.parse(skopeo(["inspect", "--tls-verify=false", "--override-arch", "arm64", `docker://${reg.host}/express:1`])) as { Architecture: string; Labels: Record<string, string> };
  assert.equal(arm.Architecture, "arm64");

  // The arm64 image's Node.js and launcher are aarch64 programs.
  const layout = join(tmp.path, "express-arm64");
  skopeo(["copy", "--src-tls-verify=false", "--override-arch", "arm64", `docker://${reg.host}/express:1`, `oci:${layout}:x`]);
  assert.match(fileOfLayerEntry(layout, "layers/paketo-buildpacks_node-engine/node/bin/node"), /ARM aarch64/);
  assert.match(fileOfLayerEntry(layout, "cnb/lifecycle/launcher"), /ARM aarch64/);

  const body = await podman.serve(`oci:${layout}:x`, { podmanArgs: ["--platform", "linux/arm64"] });
  assert.match(body, /^Hello from paketo: Node\.js v\d+\.\d+\.\d+, Express \d+/);

  // Rebase of the index: each image moves onto its platform's image of the new run image (tiny).
  const tiny = `docker://${reg.host}/paketo/trixie:run-tiny`;
  await c.ok(["stack", "create", "--platform", PLATFORMS, "--flavor", "tiny", tiny, "--insecure-registry", reg.host]);
  // another run image than the one the images name: --force, as for any such rebase
  const rebased = await c.ok(["rebase", dest, "--run-image", tiny, "--force", "--insecure-registry", reg.host]);
  const after = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/express:1`])) as IndexJson;
  assert.equal(rebased.split("\n").pop(), sha256Of(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/express:1`])));
  assert.deepEqual(after.manifests.map((m) => m.platform.architecture), ["amd64", "arm64"]);
  for (const arch of ["amd64", "arm64"]) {
    const layers = (ref: string) => (JSON.parse(skopeo(["inspect", "--tls-verify=false", "--override-arch", arch, ref])) as { Layers: string[] }).Layers;
    const app = layers(`docker://${reg.host}/express:1`);
    const run = layers(tiny);
    assert.deepEqual(app.slice(0, run.length), run, `${arch}: the rebased image starts with the tiny run image's layers`);
    assert.notEqual(after.manifests.find((m) => m.platform.architecture === arch)?.digest, idx.manifests.find((m) => m.platform.architecture === arch)?.digest);
  }
});

// Our builders under a CNB platform, no Docker daemon: the default builder pushed to a loopback
// registry and run by podman the way Tekton's buildpacks tasks run it — `/cnb/lifecycle/creator`
// in one container, and the phases (analyzer, detector, restorer, builder, exporter) as separate
// containers sharing the /layers and /workspace volumes — for the Express example and a Procfile
// app; the pushed images run under podman and answer HTTP. The reference lifecycle (v0.21.0) runs
// the same builder as a peer, and its image starts with our launcher (metadata.toml, no
// launcher.cfg). Every build shares one registry cache image, filled by a first build; four
// `paketo build`s use it at once. Every case runs concurrently after that first build.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chownSync, cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { referenceLifecycle } from "../testing/reference-lifecycle.js";
import { startRegistry, type TestRegistry } from "../testing/registry.js";
import { APPS, appCopy, e2eTemp, Podman } from "./testing/harness.js";

const tmp = e2eTemp("platform");
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store") });
const c = cli(env);
const podman = new Podman(join(tmp.path, "podman"));
const EXPRESS = resolve(APPS, "../../../examples/express-app");
// The build image's CNB user (CNB_USER_ID / CNB_GROUP_ID of our stack).
const CNB_UID = 1001;
const CNB_GID = 1000;
let registry: TestRegistry;
let R = "";
let BUILDER = "";
/** The one registry cache image all builds of this file share, platform lifecycle and `paketo build` alike. */
const CACHE = () => `${R}/cache/shared`;

/** podman with the harness's storage, not blocking the event loop, so cases run at once. */
function podmanAsync(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = spawn("podman", ["--root", join(podman.dir, "root"), "--runroot", join(podman.dir, "runroot"), "--storage-driver", "overlay", ...args], {
      env: { ...process.env, CONTAINERS_CONF: join(podman.dir, "containers.conf") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, out }));
  });
}

/** The volumes a platform gives the lifecycle: the app, an empty layers dir, and /platform. */
function volumes(name: string, app: string): { app: string; layers: string; args: string[] } {
  const dir = join(tmp.path, "vol", name);
  const copy = join(dir, "workspace");
  mkdirSync(dir, { recursive: true });
  cpSync(app, copy, { recursive: true });
  const layers = join(dir, "layers");
  mkdirSync(layers);
  for (const p of [copy, layers, ...walk(copy)]) chownSync(p, CNB_UID, CNB_GID);
  // This machine reaches package registries through a proxy with its own CA: the platform hands it
  // to the buildpacks as user env (/platform/env), as a cluster would mount its own.
  const platform = join(dir, "platform");
  mkdirSync(join(platform, "env"), { recursive: true });
  const ca = process.env.NODE_EXTRA_CA_CERTS ?? process.env.SSL_CERT_FILE;
  const caArgs = ca && existsSync(ca) ? ["-v", `${ca}:/etc/platform-ca.crt:ro`] : [];
  if (caArgs.length > 0) writeFileSync(join(platform, "env", "NODE_EXTRA_CA_CERTS"), "/etc/platform-ca.crt");
  return {
    app: copy,
    layers,
    args: ["--network", "host", "-v", `${copy}:/workspace`, "-v", `${layers}:/layers`, "-v", `${platform}:/platform:ro`, ...caArgs, "-e", "CNB_PLATFORM_API=0.13", "-e", `CNB_INSECURE_REGISTRIES=${R}`],
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? [p, ...walk(p)] : [p];
  });
}

async function phase(vol: { args: string[] }, argv: string[], extra: string[] = []): Promise<string> {
  const r = await podmanAsync(["run", "--rm", ...vol.args, ...extra, BUILDER, ...argv]);
  assert.equal(r.code, 0, `${argv.join(" ")} failed (${r.code}):\n${r.out}`);
  return r.out;
}

async function serves(image: string, expect: RegExp): Promise<void> {
  const pulled = await podmanAsync(["pull", "--tls-verify=false", image]);
  assert.equal(pulled.code, 0, pulled.out);
  const body = await podman.serve(image);
  assert.match(body, expect);
}

before(async () => {
  registry = await startRegistry();
  R = registry.host;
  BUILDER = `${R}/paketo/builder:default`;
  // The default builder in this test's store (made by a first build), then it and the run image in the registry.
  // That first build also fills the registry cache image every later build shares (CACHE).
  const warm = await c.paketo(["build", `docker://${R}/apps/warm`, "--path", appCopy("procfile", join(tmp.path, "warm-app")), "--cache-image", `docker://${CACHE()}`, "--insecure-registry", R]);
  assert.equal(warm.code, 0, warm.stderr);
  await c.ok(["copy", "paketo/builder:default", `docker://${BUILDER}`, "--insecure-registry", R]);
  await c.ok(["copy", "paketo/trixie:run", `docker://${R}/paketo/trixie:run`, "--insecure-registry", R]);
  const pulled = await podmanAsync(["pull", "--tls-verify=false", BUILDER]);
  assert.equal(pulled.code, 0, pulled.out);
});

after(async () => {
  await registry?.stop();
  tmp.cleanup();
});

describe("a builder from `builder create` under a CNB platform (podman, loopback registry)", { concurrency: true }, () => {
  test("creator in one container builds the Express example; the pushed image serves", async () => {
    const vol = volumes("creator", EXPRESS);
    const out = await phase(vol, ["/cnb/lifecycle/creator", "-run-image", `${R}/paketo/trixie:run`, "-cache-image", CACHE(), `${R}/apps/express`]);
    assert.match(out, /===> ANALYZING[\s\S]*===> DETECTING[\s\S]*===> RESTORING[\s\S]*===> BUILDING[\s\S]*===> EXPORTING/);
    assert.match(out, /Saved cache image/);
    assert.ok(existsSync(join(vol.layers, "report.toml")), "report.toml in the layers dir");
    await serves(`${R}/apps/express`, /Hello from paketo: Node\.js v\d+/);
  });

  test("the phases as separate containers sharing volumes (Tekton's buildpacks-phases) build a Procfile app; the image serves", async () => {
    const vol = volumes("phases", join(APPS, "procfile"));
    const image = `${R}/apps/procfile`;
    await phase(vol, ["/cnb/lifecycle/analyzer", "-run-image", `${R}/paketo/trixie:run`, image]);
    assert.ok(existsSync(join(vol.layers, "analyzed.toml")));
    const detected = await phase(vol, ["/cnb/lifecycle/detector"]);
    assert.match(detected, /paketo-buildpacks\/procfile/);
    assert.ok(existsSync(join(vol.layers, "group.toml")) && existsSync(join(vol.layers, "plan.toml")));
    const restored = await phase(vol, ["/cnb/lifecycle/restorer", "-cache-image", CACHE()]);
    assert.match(restored, /Restored data for paketo-buildpacks\/[\w-]+:[\w-]+ from cache image/);
    await phase(vol, ["/cnb/lifecycle/builder"]);
    await phase(vol, ["/cnb/lifecycle/exporter", "-cache-image", CACHE(), image]);
    await serves(image, /procfile ok/);
  });

  test("the reference lifecycle runs the same builder; its image (metadata.toml only) starts with our launcher", async () => {
    const ref = referenceLifecycle();
    const vol = volumes("reference", join(APPS, "procfile"));
    const image = `${R}/apps/procfile-reference`;
    await phase(vol, ["/ref/creator", "-run-image", `${R}/paketo/trixie:run`, "-insecure-registry", R, image], ["-v", `${ref}:/ref:ro`]);
    const pulled = await podmanAsync(["pull", "--tls-verify=false", image]);
    assert.equal(pulled.code, 0, pulled.out);
    const files = await podmanAsync(["run", "--rm", "--entrypoint", "/bin/sh", image, "-c", "ls /layers/config"]);
    assert.equal(files.out.trim(), "metadata.toml", "the reference exporter writes no launcher.cfg");
    await serves(image, /procfile ok/);
  });

  test("four concurrent `paketo build`s share one registry cache image, each restoring from what the first build saved", async () => {
    const apps = ["procfile", "no-pm", "npm-lock", "procfile"];
    const builds = await Promise.all(
      apps.map((app, i) =>
        c.paketo(["build", `docker://${R}/apps/shared-${i}`, "--path", appCopy(app, join(tmp.path, `n${i}`)), "--cache-image", `docker://${CACHE()}`, "--insecure-registry", R, "--verbose"]),
      ),
    );
    builds.forEach((b, i) => {
      assert.equal(b.code, 0, `build ${i} failed:\n${b.stderr}`);
      assert.match(b.stderr, /Restored data for paketo-buildpacks\/[\w-]+:[\w-]+ from cache image/, `build ${i} did not reuse the cache`);
    });
  });
});

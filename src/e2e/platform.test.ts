// Our builders under a CNB platform, no Docker daemon: the default builder pushed to a loopback
// registry and run by podman the way Tekton's buildpacks tasks run it — `/cnb/lifecycle/creator`
// in one container, and the phases (analyzer, detector, restorer, builder, exporter) as separate
// containers sharing the /layers and /workspace volumes — for the Express example and a Procfile
// app; the pushed images run under podman and answer HTTP. The reference lifecycle (v0.21.0) runs
// the same builder as a peer, and its image starts with our launcher (metadata.toml, no
// launcher.cfg). Every build shares one registry cache image, filled by a first build; four
// `paketo build`s use it at once. Every case runs concurrently after that first build. From the
// phases build on: a second phases build of the same image restores node from its cache image;
// rebaser moves the image to run image v2; analyzer and exporter push to an htpasswd registry with
// CNB_REGISTRY_AUTH or a docker config.json (and fail clearly without); -layout writes an OCI
// layout that skopeo and umoci read. These start together once the first phases build is pushed.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chownSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import * as oci from "../oci/index.js";
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
/** An htpasswd registry for the credentials test. */
let authRegistry: TestRegistry;
let R = "";
let BUILDER = "";
/** The one registry cache image all builds of this file share, platform lifecycle and `paketo build` alike. */
const CACHE = () => `${R}/cache/shared`;
/** The phases builds' own cache image and app image (a second build of the same image reuses both). */
const PHASES_CACHE = () => `${R}/cache/procfile-phases`;
const PHASES_IMAGE = () => `${R}/apps/procfile`;
/** A copy of the run image under its own name, which the rebase test moves to a v2. */
const REBASE_RUN = () => `${R}/paketo/trixie-rebase:run`;
/** The digest of the first phases build's image, once it is pushed. */
const phasesBuilt = deferred<string>();

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
  mkdirSync(join(dir, "platform", "env"), { recursive: true });
  if (CA) writeFileSync(join(dir, "platform", "env", "NODE_EXTRA_CA_CERTS"), "/etc/platform-ca.crt");
  return { app: copy, layers, args: volumeArgs(dir) };
}

const CA = [process.env.NODE_EXTRA_CA_CERTS, process.env.SSL_CERT_FILE].find((f) => f !== undefined && existsSync(f));

/** podman's arguments that mount a volume set made by `volumes` (workspace, layers, platform). */
function volumeArgs(dir: string): string[] {
  const caArgs = CA ? ["-v", `${CA}:/etc/platform-ca.crt:ro`] : [];
  return ["--network", "host", "-v", `${join(dir, "workspace")}:/workspace`, "-v", `${join(dir, "layers")}:/layers`, "-v", `${join(dir, "platform")}:/platform:ro`, ...caArgs, "-e", "CNB_PLATFORM_API=0.13", "-e", `CNB_INSECURE_REGISTRIES=${R}`];
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


/** What a platform run of the five phases printed, phase by phase. */
type PhaseOutput = Record<"analyzer" | "detector" | "restorer" | "builder" | "exporter", string>;

/** The five phases, one container each, sharing the volumes (Tekton's buildpacks-phases task). */
async function tekton(vol: { args: string[] }, cache: { restoreFrom: string; saveTo: string }): Promise<PhaseOutput> {
  const image = PHASES_IMAGE();
  return {
    analyzer: await phase(vol, ["/cnb/lifecycle/analyzer", "-run-image", REBASE_RUN(), image]),
    detector: await phase(vol, ["/cnb/lifecycle/detector"]),
    restorer: await phase(vol, ["/cnb/lifecycle/restorer", "-cache-image", cache.restoreFrom]),
    builder: await phase(vol, ["/cnb/lifecycle/builder"]),
    exporter: await phase(vol, ["/cnb/lifecycle/exporter", "-cache-image", cache.saveTo, image]),
  };
}

function reportDigest(layers: string): string {
  const m = /digest = "(sha256:[0-9a-f]{64})"/.exec(readFileSync(join(layers, "report.toml"), "utf8"));
  assert.ok(m, "report.toml names the image digest");
  return m[1] as string;
}

function deferred<T>(): { promise: Promise<T>; resolve: (v: T | Promise<T>) => void } {
  let resolve!: (v: T | Promise<T>) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  // A test that never gets the value fails on its own assertion; no unhandled rejection here.
  promise.catch(() => undefined);
  return { promise, resolve };
}

const transportOpts = (): oci.transport.TransportOptions => ({ storeRoot: join(tmp.path, "oci-store"), env: process.env, insecureRegistries: [R] });

async function readRemote(ref: string): Promise<oci.Image> {
  const a = await oci.transport.read(`docker://${ref}`, transportOpts());
  assert.equal(a.kind, "image", `${ref} is an image`);
  return (a as { image: oci.Image }).image;
}

function labelOf(config: oci.ConfigFile): { runImage: { topLayer: string }; buildpacks: Array<{ key: string; layers: Record<string, { sha: string }> }> } {
  return JSON.parse(config.config.Labels?.["io.buildpacks.lifecycle.metadata"] ?? "{}");
}

/** The diffID the app image's label records for node-engine's node layer. */
async function nodeLayer(ref: string): Promise<string> {
  const md = labelOf(await (await readRemote(ref)).configFile());
  const sha = md.buildpacks.find((b) => b.key === "paketo-buildpacks/node-engine")?.layers.node?.sha;
  assert.ok(sha, `${ref} has a node layer`);
  return sha;
}

/** A copy of the first phases build's volumes (workspace, layers), to export that build elsewhere. */
function layersCopy(name: string): { layers: string; args: string[] } {
  const dir = join(tmp.path, "vol", name);
  const r = spawnSync("cp", ["-a", join(tmp.path, "vol", "phases"), dir]);
  assert.equal(r.status, 0, String(r.stderr));
  return { layers: join(dir, "layers"), args: volumeArgs(dir) };
}

function chownTree(dir: string): void {
  for (const p of [dir, ...walk(dir)]) chownSync(p, CNB_UID, CNB_GID);
}

const AUTH = { username: "cnb", password: "platform-secret" };

before(async () => {
  registry = await startRegistry();
  authRegistry = await startRegistry({ auth: AUTH });
  R = registry.host;
  BUILDER = `${R}/paketo/builder:default`;
  // The default builder in this test's store (made by a first build), then it and the run image in the registry.
  // That first build also fills the registry cache image every later build shares (CACHE).
  const warm = await c.paketo(["build", `docker://${R}/apps/warm`, "--path", appCopy("procfile", join(tmp.path, "warm-app")), "--cache-image", `docker://${CACHE()}`, "--insecure-registry", R]);
  assert.equal(warm.code, 0, warm.stderr);
  await c.ok(["copy", "paketo/builder:default", `docker://${BUILDER}`, "--insecure-registry", R]);
  await c.ok(["copy", "paketo/trixie:run", `docker://${R}/paketo/trixie:run`, "--insecure-registry", R]);
  await c.ok(["copy", "paketo/trixie:run", `docker://${REBASE_RUN()}`, "--insecure-registry", R]);
  const pulled = await podmanAsync(["pull", "--tls-verify=false", BUILDER]);
  assert.equal(pulled.code, 0, pulled.out);
});

after(async () => {
  await registry?.stop();
  await authRegistry?.stop();
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
    const done = tekton(vol, { restoreFrom: CACHE(), saveTo: PHASES_CACHE() });
    // The other cases start from this build: its volumes, and its image by digest (the next build moves the tag).
    phasesBuilt.resolve(done.then(() => reportDigest(vol.layers)));
    const out = await done;
    assert.match(out.analyzer, /Previous image .* not found/);
    assert.ok(existsSync(join(vol.layers, "analyzed.toml")));
    assert.match(out.detector, /paketo-buildpacks\/procfile/);
    assert.ok(existsSync(join(vol.layers, "group.toml")) && existsSync(join(vol.layers, "plan.toml")));
    // A first build of this image under Platform API 0.13: node (launch+cache) is not taken from the
    // shared cache, whichever build wrote it last, and the restorer says why (CNB-25).
    assert.match(out.restorer, /Not restoring paketo-buildpacks\/node-engine:node: it is launch=true and not in the previous image/);
    await serves(PHASES_IMAGE(), /procfile ok/);
  });

  test("a second phases build of the same image restores the node layer (launch+cache) from its cache image instead of installing Node.js again", async () => {
    const firstDigest = await phasesBuilt.promise;
    const before = await nodeLayer(`${PHASES_IMAGE()}@${firstDigest}`);
    const vol = volumes("phases-again", join(APPS, "procfile"));
    const out = await tekton(vol, { restoreFrom: PHASES_CACHE(), saveTo: PHASES_CACHE() });
    assert.match(out.analyzer, /Previous image .* found/);
    assert.match(out.restorer, /Restored data for paketo-buildpacks\/node-engine:node from cache image/);
    assert.match(out.builder, /Reusing cached layer \/layers\/paketo-buildpacks_node-engine\/node/);
    assert.doesNotMatch(out.builder, /Installing Node Engine/);
    // The same layer, byte for byte: the diffID the app image records did not change.
    assert.equal(await nodeLayer(PHASES_IMAGE()), before);
  });

  test("rebaser moves the phases-built image onto a new run image in the registry; a -run-image the image does not name is refused", async () => {
    const image = `${PHASES_IMAGE()}@${await phasesBuilt.promise}`;
    const app = await readRemote(image);
    const appIds = (await app.configFile()).rootfs.diff_ids;
    const oldTop = labelOf(await app.configFile()).runImage.topLayer;
    // Run image v2: the same base plus one layer, pushed under the name the app image records.
    const run = await readRemote(REBASE_RUN());
    const extra = await oci.layer.layerFromFiles([{ path: "etc/paketo-run-v2", content: "v2\n" }], { outputDir: join(tmp.path, "run-v2") });
    const v2 = oci.mutate.appendLayers(run, extra);
    await oci.transport.write(`docker://${REBASE_RUN()}`, { kind: "image", image: v2 }, transportOpts());
    const v2Ids = (await v2.configFile()).rootfs.diff_ids;

    const layers = join(tmp.path, "vol", "rebase");
    mkdirSync(layers, { recursive: true });
    chownSync(layers, CNB_UID, CNB_GID);
    const args = ["--network", "host", "-v", `${layers}:/layers`, "-e", "CNB_PLATFORM_API=0.13", "-e", `CNB_INSECURE_REGISTRIES=${R}`];
    const refused = await podmanAsync(["run", "--rm", ...args, BUILDER, "/cnb/lifecycle/rebaser", "-previous-image", image, "-run-image", `${R}/paketo/trixie:run`, `${R}/apps/procfile-refused`]);
    assert.notEqual(refused.code, 0, "a run image the app image does not name is refused");
    assert.match(refused.out, /is not the app image's run image/);
    const out = await phase({ args }, ["/cnb/lifecycle/rebaser", "-previous-image", image, "-run-image", REBASE_RUN(), `${R}/apps/procfile-rebased`]);
    assert.match(out, /Rebased/);
    const rebased = await readRemote(`${R}/apps/procfile-rebased`);
    const ids = (await rebased.configFile()).rootfs.diff_ids;
    // The run image's layers are v2's; every layer above the old run image is the app's, unchanged.
    assert.deepEqual(ids.slice(0, v2Ids.length), v2Ids);
    assert.deepEqual(ids.slice(v2Ids.length), appIds.slice(appIds.indexOf(oldTop as oci.Digest) + 1));
    assert.equal(labelOf(await rebased.configFile()).runImage.topLayer, v2Ids.at(-1));
    const report = readFileSync(join(layers, "report.toml"), "utf8");
    assert.match(report, new RegExp(`digest = "${await rebased.digest()}"`));
    await serves(`${R}/apps/procfile-rebased`, /procfile ok/);
    const files = await podmanAsync(["run", "--rm", "--entrypoint", "/bin/cat", `${R}/apps/procfile-rebased`, "/etc/paketo-run-v2"]);
    assert.equal(files.out.trim(), "v2", "the rebased image has run image v2's files");
  });

  test("registry credentials: CNB_REGISTRY_AUTH and a docker config.json reach an htpasswd registry; without them analyzer and exporter fail clearly", async () => {
    await phasesBuilt.promise;
    const A = authRegistry.host;
    const vol = layersCopy("auth");
    const image = `${A}/apps/auth`;
    const insecure = ["-e", `CNB_INSECURE_REGISTRIES=${R},${A}`];
    const header = `Basic ${Buffer.from(`${AUTH.username}:${AUTH.password}`).toString("base64")}`;
    const registryAuth = ["-e", `CNB_REGISTRY_AUTH=${JSON.stringify({ [A]: header })}`];
    const run = (argv: string[], extra: string[]) => podmanAsync(["run", "--rm", ...vol.args, ...insecure, ...extra, BUILDER, ...argv]);

    const anonymous = await run(["/cnb/lifecycle/analyzer", "-run-image", `${R}/paketo/trixie:run`, image], []);
    assert.equal(anonymous.code, 32, `analyzer without credentials: ${anonymous.out}`);
    assert.match(anonymous.out, new RegExp(`ERROR: analyzer: reading the previous image docker://${A}/apps/auth.*(401|unauthorized|credentials)`, "is"));
    const analyzed = await run(["/cnb/lifecycle/analyzer", "-run-image", `${R}/paketo/trixie:run`, image], registryAuth);
    assert.equal(analyzed.code, 0, analyzed.out);

    const push = await run(["/cnb/lifecycle/exporter", image], []);
    assert.equal(push.code, 62, `exporter without credentials: ${push.out}`);
    assert.match(push.out, new RegExp(`ERROR: exporter: writing the image to docker://${A}/apps/auth.*401`, "is"));
    assert.match(push.out, /hint: .*wants credentials .*CNB_REGISTRY_AUTH/);
    const pushed = await run(["/cnb/lifecycle/exporter", image], registryAuth);
    assert.equal(pushed.code, 0, pushed.out);

    // The same credentials as a docker config.json (what a cluster's docker-config secret mounts).
    const config = join(tmp.path, "docker-config");
    mkdirSync(config, { recursive: true });
    writeFileSync(join(config, "config.json"), JSON.stringify({ auths: { [A]: { auth: header.slice("Basic ".length) } } }), { mode: 0o644 });
    const viaConfig = await run(["/cnb/lifecycle/exporter", `${A}/apps/auth-docker-config`], ["-v", `${config}:/docker-config:ro`, "-e", "DOCKER_CONFIG=/docker-config"]);
    assert.equal(viaConfig.code, 0, viaConfig.out);

    const withCreds = { ...transportOpts(), insecureRegistries: [A], creds: `${AUTH.username}:${AUTH.password}` };
    for (const ref of [image, `${A}/apps/auth-docker-config`]) {
      const a = await oci.transport.read(`docker://${ref}`, withCreds);
      assert.equal(a.kind, "image");
      assert.ok(labelOf(await (a as { image: oci.Image }).image.configFile()).buildpacks.length > 0, `${ref} is an app image`);
    }
  });

  test("-layout: analyzer and exporter read the run image from, and write the app image to, an OCI layout dir that skopeo and umoci read", async () => {
    await phasesBuilt.promise;
    const vol = layersCopy("layout");
    const layoutDir = join(tmp.path, "layout");
    // The platform puts the run image in the layout dir first, where -layout looks for it.
    await oci.transport.copy(`docker://${R}/paketo/trixie:run`, { transport: "oci", dir: join(layoutDir, "index.docker.io/paketo/trixie/run"), tag: "run" }, transportOpts());
    const args = [...vol.args, "-v", `${layoutDir}:/layout`, "-e", "CNB_USE_LAYOUT=true", "-e", "CNB_LAYOUT_DIR=/layout"];
    chownTree(layoutDir);
    await phase({ args }, ["/cnb/lifecycle/analyzer", "-run-image", "paketo/trixie:run", "apps/procfile-layout"]);
    assert.match(readFileSync(join(vol.layers, "analyzed.toml"), "utf8"), /oci:\/layout\/index\.docker\.io\/paketo\/trixie\/run:run@sha256:/);
    await phase({ args }, ["/cnb/lifecycle/exporter", "apps/procfile-layout"]);
    const out = join(layoutDir, "index.docker.io/apps/procfile-layout/latest");
    const inspected = spawnSync("skopeo", ["inspect", `oci:${out}:latest`], { encoding: "utf8", timeout: 60_000 });
    assert.equal(inspected.status, 0, inspected.stderr);
    const labels = (JSON.parse(inspected.stdout) as { Labels: Record<string, string> }).Labels;
    assert.ok(labels["io.buildpacks.lifecycle.metadata"], "skopeo reads the lifecycle label");
    const bundle = join(tmp.path, "layout-bundle");
    const unpacked = spawnSync("umoci", ["unpack", "--rootless", "--image", `${out}:latest`, bundle], { encoding: "utf8", timeout: 120_000 });
    assert.equal(unpacked.status, 0, unpacked.stderr);
    assert.ok(existsSync(join(bundle, "rootfs/layers/config/metadata.toml")), "the unpacked image has the launch metadata");
    assert.match(readFileSync(join(bundle, "rootfs/workspace/Procfile"), "utf8"), /web: node src\/web\.js/);
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

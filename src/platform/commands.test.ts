// `paketo inspect`, `paketo sbom download` and `paketo rebase` end to end, on one app built with
// our Debian stack, a builder from `paketo builder create` and a bash buildpack that writes SBOMs,
// published to a real registry behind a counting proxy; the rebased image runs under podman.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as oci from "../oci/index.js";
import { validateCycloneDx, validateSpdx } from "../sbom/testing.js";
import { type CountingProxy, run, run as run_, startCountingProxy, startRegistry, tarOf, tempDir, type TestRegistry, writeTree } from "../testing/index.js";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/paketo");
let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
let reg: TestRegistry;
let proxy: CountingProxy;
let host: string;

function paketo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await paketo(args);
  assert.equal(r.code, 0, `paketo ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

function podman(args: string[]): string {
  const dir = join(tmp.path, "podman");
  const conf = join(dir, "containers.conf");
  mkdirSync(dir, { recursive: true });
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n');
  return run("podman", ["--root", join(dir, "root"), "--runroot", join(dir, "runroot"), "--storage-driver", "vfs", ...args], {
    env: { ...process.env, CONTAINERS_CONF: conf },
  });
}

const transportOpts = () => ({ storeRoot: join(tmp.path, "store"), env: {} });

// The test's own reads and writes go to the registry directly; paketo goes through the proxy.
async function remoteImage(repoTag: string): Promise<oci.Image> {
  const a = await oci.transport.read(`docker://${reg.host}/${repoTag}`, transportOpts());
  assert.equal(a.kind, "image");
  return a.image;
}

const DETECT = `#!/usr/bin/env bash
set -eu
[ -f hello.txt ] || exit 100
`;

// A launch layer with its own SBOM, a buildpack-level launch SBOM, and two processes.
const BUILD = `#!/usr/bin/env bash
set -eu
layers="$1"
mkdir -p "$layers/greeting/env.launch" "$layers/greeting/bin"
printf 'paketo' > "$layers/greeting/env.launch/GREETING"
printf '#!/bin/sh\\necho "hello from $GREETING"\\ncat /workspace/hello.txt\\n' > "$layers/greeting/bin/greet"
chmod +x "$layers/greeting/bin/greet"
printf '[types]\\nlaunch = true\\n' > "$layers/greeting.toml"
printf '{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,"components":[{"type":"application","name":"greet"}]}' > "$layers/greeting.sbom.cdx.json"
printf '{"bomFormat":"CycloneDX","specVersion":"1.4","version":1,"components":[]}' > "$layers/launch.sbom.cdx.json"
cat > "$layers/launch.toml" <<'TOML'
[[processes]]
type = "web"
command = ["greet"]
default = true

[[processes]]
type = "worker"
command = ["sh", "-c"]
args = ["echo working"]
TOML
`;

const BP_TOML = `api = "0.10"
[buildpack]
id = "test/greeting"
version = "1.0.0"
name = "Greeting"
homepage = "https://example.com/greeting"
sbom-formats = ["application/vnd.cyclonedx+json"]
[[targets]]
os = "linux"
`;

before(async () => {
  tmp = tempDir("paketo-commands-");
  env = { ...process.env, PAKETO_STORE: join(tmp.path, "store") };
  reg = await startRegistry();
  proxy = await startCountingProxy(reg.host);
  host = proxy.host;
  await ok(["stack", "create", "--update", "--lock", join(tmp.path, "stack.lock.toml"), "--flavor", "build", "stack:build"]);
  await ok(["stack", "create", "--lock", join(tmp.path, "stack.lock.toml"), "--flavor", "base", "stack:run"]);
  writeTree(join(tmp.path, "bp"), {
    "buildpack.toml": BP_TOML,
    "bin/detect": { content: DETECT, mode: 0o755 },
    "bin/build": { content: BUILD, mode: 0o755 },
  });
  writeFileSync(
    join(tmp.path, "builder.toml"),
    `[[buildpacks]]\nuri = "${join(tmp.path, "bp")}"\n\n[[order]]\n[[order.group]]\nid = "test/greeting"\nversion = "1.0.0"\n\n[build]\nimage = "stack:build"\n\n[[run.images]]\nimage = "stack:run"\n`,
  );
  await ok(["builder", "create", "builder:1", "--config", join(tmp.path, "builder.toml")]);
  // The run image in the registry, so the app image names a run image a rebase can read again.
  await ok(["copy", "stack:run", `docker://${host}/stack-run:1`]);
  const app = writeTree(join(tmp.path, "app"), { "hello.txt": "from the app\n" });
  await ok(["build", `docker://${host}/app:1`, "--builder", "builder:1", "--path", app, "--run-image", `docker://${host}/stack-run:1`]);
});

after(async () => {
  await proxy?.stop();
  await reg?.stop();
  tmp?.cleanup();
});

test("inspect shows a CNB app image's buildpacks, processes, run image, base image and launcher", async () => {
  const d = JSON.parse(await ok(["inspect", `docker://${host}/app:1`, "--json"]));
  const cnb = d.cnb;
  assert.ok(cnb, "a cnb key for a CNB app image");
  assert.deepEqual(cnb.buildpacks, [{ id: "test/greeting", version: "1.0.0", homepage: "https://example.com/greeting" }]);
  assert.deepEqual(
    cnb.processes.map((p: { type: string; command: string[]; args: string[]; default: boolean }) => [p.type, p.command, p.args, p.default]),
    [
      ["web", ["greet"], [], true],
      ["worker", ["sh", "-c"], ["echo working"], false],
    ],
  );
  assert.equal(cnb.defaultProcess, "web");
  const run = await remoteImage(`stack-run:1`);
  const runCfg = await run.configFile();
  assert.equal(cnb.runImage.image, `${host}/stack-run:1`);
  assert.match(cnb.runImage.reference, new RegExp(`${(await run.digest()).replace(":", ":")}$`));
  assert.equal(cnb.runImage.topLayer, runCfg.rootfs.diff_ids.at(-1));
  const baseLabels = Object.fromEntries(Object.entries(runCfg.config.Labels ?? {}).filter(([k]) => /^io\.buildpacks\.(base|stack)\./.test(k)));
  assert.ok(Object.keys(baseLabels).length > 0, "the run image has base labels");
  assert.deepEqual(cnb.base.labels, baseLabels);
  assert.match(cnb.launcher.layer, /^sha256:/);
  assert.match(cnb.sbomLayer, /^sha256:/);
  assert.deepEqual(cnb.problems, []);

  const text = await ok(["inspect", `docker://${host}/app:1`]);
  assert.match(text, /^Buildpacks:\n {2}test\/greeting@1\.0\.0 +https:\/\/example\.com\/greeting$/m);
  assert.match(text, /^ {2}web \(default\) +greet$/m);
  assert.match(text, /^ {2}worker +sh -c "echo working"$/m);
  assert.match(text, new RegExp(`^Run image:\\n {2}Name: +${host}/stack-run:1$`, "m"));
  assert.match(text, /^Launcher: /m);

  // A plain image has no cnb key.
  assert.equal(JSON.parse(await ok(["inspect", "stack:run", "--json"])).cnb, undefined);
});

test("sbom download writes the SBOM layer keeping layers/sbom/launch/<bp>/... and fails clearly without one", async () => {
  const out = join(tmp.path, "sbom-out");
  const files = (await ok(["sbom", "download", `docker://${host}/app:1`, "--output-dir", out])).split("\n");
  assert.deepEqual(files, ["layers/sbom/launch/test_greeting/greeting/sbom.cdx.json", "layers/sbom/launch/test_greeting/sbom.cdx.json", "sbom.cdx.json", "sbom.spdx.json"]);
  // The image SBOM: the buildpack's component plus the run image's OS packages, valid in both
  // formats per the official schemas and tools, and the same bytes when downloaded again.
  const merged = readFileSync(join(out, "sbom.cdx.json"), "utf8");
  await validateCycloneDx(merged);
  validateSpdx(readFileSync(join(out, "sbom.spdx.json"), "utf8"));
  const names = (JSON.parse(merged) as { components: Array<{ name: string; purl?: string }> }).components;
  assert.ok(names.some((c) => c.name === "greet"), "the buildpack's component");
  assert.ok(names.some((c) => c.purl?.startsWith("pkg:deb/debian/libc6@")), "the run image's OS packages");
  const again = join(tmp.path, "sbom-out-2");
  await ok(["sbom", "download", `docker://${host}/app:1`, "--output-dir", again]);
  assert.equal(readFileSync(join(again, "sbom.cdx.json"), "utf8"), merged);
  const layerSbom = JSON.parse(readFileSync(join(out, "layers/sbom/launch/test_greeting/greeting/sbom.cdx.json"), "utf8"));
  assert.equal(layerSbom.components[0].name, "greet");
  JSON.parse(readFileSync(join(out, "layers/sbom/launch/test_greeting/sbom.cdx.json"), "utf8"));

  const none = await paketo(["sbom", "download", "stack:run", "--output-dir", join(tmp.path, "none")]);
  assert.equal(none.code, 1, none.stderr);
  assert.match(none.stderr, /stack:run has no SBOM/);
  assert.match(none.stderr, /hint: /);
});

/** A changed run image: the built one plus a small layer and a newer label. */
async function runImageV2(marker: string): Promise<oci.Image> {
  const v1 = await remoteImage(`stack-run:1`);
  const layer = oci.layerFromTarBytes(await tarOf({ [`etc/paketo-run-${marker}`]: `${marker}\n` }));
  return oci.mutate.withLabels(oci.mutate.appendLayers(v1, { layer, history: { created_by: `security fix ${marker}` } }), { "io.buildpacks.base.released": marker });
}

/** Rebase only rewrote the config and manifest: one upload (the config), mounts, one manifest PUT, no layer read. */
async function assertManifestAndConfigOnly(repo: string, previous: oci.Image, rebased: oci.Image, run: oci.Image): Promise<void> {
  const had = new Set((await previous.manifest()).layers.map((l) => l.digest));
  const newLayers = (await run.manifest()).layers.filter((l) => !had.has(l.digest)).length;
  const reqs = proxy.requests;
  const uploads = reqs.filter((q) => q.path.includes("/blobs/uploads"));
  const mounts = uploads.filter((q) => q.method === "POST" && q.path.includes("mount="));
  const sessions = uploads.filter((q) => q.method === "POST" && !q.path.includes("mount="));
  const puts = uploads.filter((q) => q.method === "PUT");
  const patches = uploads.filter((q) => q.method === "PATCH");
  const detail = reqs.map((q) => `${q.method} ${q.path} ${q.status}`).join("\n");
  assert.equal(sessions.length, 1, `one upload session (the config):\n${detail}`);
  assert.equal(puts.length, 1, detail);
  assert.ok(puts[0]?.path.includes(encodeURIComponent(await rebased.configName())) || puts[0]?.path.includes(await rebased.configName()), detail);
  assert.ok(patches.every((q) => q.path.startsWith(`/v2/${repo}/`)), detail);
  assert.equal(mounts.length, newLayers, `only the new run image layers are mounted:\n${detail}`);
  assert.ok(mounts.every((q) => q.path.includes("from=stack-run") && q.status === 201), detail);
  assert.deepEqual(
    reqs.filter((q) => q.method === "PUT" && q.path.includes("/manifests/")).map((q) => q.path),
    [`/v2/${repo}/manifests/1`],
  );
  // Nothing but configs was downloaded.
  const configs = [await previous.configName(), await run.configName()];
  const blobGets = reqs.filter((q) => q.method === "GET" && q.path.includes("/blobs/sha256:"));
  assert.ok(
    blobGets.every((q) => configs.some((c) => q.path.endsWith(c)) || q.status !== 200),
    `only configs are read:\n${detail}`,
  );
}

test("rebase onto the run image re-read from its name uploads only config and manifest; the image runs under podman", async () => {
  await ok(["copy", `docker://${host}/app:1`, `docker://${host}/rebase-a:1`]);
  const before = await remoteImage(`rebase-a:1`);
  const v1 = await remoteImage(`stack-run:1`);
  const v2 = await runImageV2("v2");
  // The stack's tag moves to v2, as a stack update does.
  await oci.transport.write(`docker://${reg.host}/stack-run:1`, { kind: "image", image: v2 }, transportOpts());

  proxy.reset();
  const digest = await ok(["rebase", `docker://${host}/rebase-a:1`]);
  assert.match(digest, /^sha256:[0-9a-f]{64}$/);
  const rebased = await remoteImage(`rebase-a:1`);
  assert.equal(await rebased.digest(), digest);
  assert.notEqual(digest, await before.digest());
  await assertManifestAndConfigOnly("rebase-a", before, rebased, v2);

  // Layers: the new run image's, then the very same app layers.
  const v1Layers = (await v1.manifest()).layers;
  assert.deepEqual((await rebased.manifest()).layers, [...(await v2.manifest()).layers, ...(await before.manifest()).layers.slice(v1Layers.length)]);
  const cfg = await rebased.configFile();
  const md = JSON.parse(cfg.config.Labels?.["io.buildpacks.lifecycle.metadata"] as string);
  assert.equal(md.runImage.topLayer, (await v2.configFile()).rootfs.diff_ids.at(-1));
  assert.match(md.runImage.reference, new RegExp(`${await v2.digest()}$`));
  assert.equal(cfg.config.Labels?.["io.buildpacks.base.released"], "v2");

  // inspect follows the rebase.
  const cnb = JSON.parse(await ok(["inspect", `docker://${host}/rebase-a:1`, "--json"])).cnb;
  assert.equal(cnb.runImage.topLayer, md.runImage.topLayer);
  assert.equal(cnb.base.labels["io.buildpacks.base.released"], "v2");

  // It still runs, on the new base.
  await ok(["copy", `docker://${host}/rebase-a:1`, `oci-archive:${tmp.path}/rebased.tar`]);
  assert.equal(podman(["run", "--rm", `oci-archive:${tmp.path}/rebased.tar`]), "hello from paketo\nfrom the app\n");
  assert.equal(podman(["run", "--rm", "--entrypoint", "/bin/cat", `oci-archive:${tmp.path}/rebased.tar`, "/etc/paketo-run-v2"]), "v2\n");
});

test("rebase --run-image onto another name needs --force, then records the new name", async () => {
  // Starts again from the first build, whose run image is stack-run:1 (v1 at the time).
  const built = await remoteImage(`app:1`);
  await oci.transport.write(`docker://${reg.host}/rebase-b:1`, { kind: "image", image: built }, transportOpts());
  const v3 = await runImageV2("v3");
  await oci.transport.write(`docker://${reg.host}/stack-run:3`, { kind: "image", image: v3 }, transportOpts());

  const refused = await paketo(["rebase", `docker://${host}/rebase-b:1`, "--run-image", `docker://${host}/stack-run:3`]);
  assert.equal(refused.code, 72, refused.stderr);
  assert.match(refused.stderr, /not the app image's run image/);
  assert.match(refused.stderr, /--force/);
  assert.equal(await (await remoteImage(`rebase-b:1`)).digest(), await built.digest(), "a refused rebase writes nothing");

  proxy.reset();
  const r = await paketo(["rebase", `docker://${host}/rebase-b:1`, "--run-image", `docker://${host}/stack-run:3`, "--force"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Warning: /);
  const rebased = await remoteImage(`rebase-b:1`);
  assert.equal(await rebased.digest(), r.stdout.trim());
  await assertManifestAndConfigOnly("rebase-b", built, rebased, v3);
  const md = JSON.parse((await rebased.configFile()).config.Labels?.["io.buildpacks.lifecycle.metadata"] as string);
  assert.equal(md.runImage.image, `${host}/stack-run:3`);
  const builtCfg = await built.configFile();
  const builtMd = JSON.parse(builtCfg.config.Labels?.["io.buildpacks.lifecycle.metadata"] as string);
  const runCount = builtCfg.rootfs.diff_ids.indexOf(builtMd.runImage.topLayer) + 1;
  assert.ok(runCount > 0);
  assert.deepEqual((await rebased.manifest()).layers, [...(await v3.manifest()).layers, ...(await built.manifest()).layers.slice(runCount)]);

  // A missing app image is a clear error.
  const missing = await paketo(["rebase", `docker://${host}/nope:1`]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /nope:1/);
});

test("a run image from the local store under an image built to a registry is published there, and the label names it as every CNB tool reads it", async () => {
  const app = writeTree(join(tmp.path, "store-run-app"), { "hello.txt": "from the app\n" });
  proxy.reset();
  await ok(["build", `docker://${host}/app-storerun:1`, "--builder", "builder:1", "--path", app]);
  const run = await remoteImage("stack:run");
  const md = JSON.parse((await (await remoteImage("app-storerun:1")).configFile()).config.Labels?.["io.buildpacks.lifecycle.metadata"] ?? "{}");
  assert.equal(md.runImage.image, `${host}/stack:run`);
  assert.equal(md.runImage.reference, `${host}/stack@${await run.digest()}`);
  assert.equal(md.stack.runImage.image, `${host}/stack:run`);
  assert.ok(!JSON.stringify(md).includes("store:"), JSON.stringify(md.runImage));
  // Another tool reads the recorded reference (skopeo goes to the registry itself, not the proxy).
  const inspected = JSON.parse(run_("skopeo", ["inspect", "--tls-verify=false", `docker://${String(md.runImage.reference).replace(host, reg.host)}`]));
  assert.equal(inspected.Digest, await run.digest());
  // The run image's layers went up once: the app's repository mounted them.
  const uploads = proxy.requests.filter((q) => q.path.includes("/blobs/uploads") && q.method === "POST");
  const mounted = uploads.filter((q) => q.path.startsWith("/v2/app-storerun/") && q.path.includes("mount=")).length;
  assert.ok(mounted >= (await run.manifest()).layers.length, proxy.requests.map((q) => `${q.method} ${q.path}`).join("\n"));
  // A rebase finds the run image from the label alone.
  await ok(["rebase", `docker://${host}/app-storerun:1`]);
});

// End-to-end tests of the paketo command: the built CLI against real directories, a real
// docker-registry, and skopeo / umoci as independent readers of everything we write.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { emptyImage, layer, mutate, store } from "../oci/index.js";
import { onTerminal, run, startCountingProxy, startRegistry, tempDir, writeTree, type CountingProxy, type TestRegistry } from "../testing/index.js";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/paketo");

let tmp: ReturnType<typeof tempDir>;
let storeRoot: string;
let registry: TestRegistry;
let proxy: CountingProxy;
let original: string;

// Asynchronous on purpose: the counting proxy runs in this process and must keep serving.
function paketo(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, PAKETO_STORE: storeRoot, DOCKER_CONFIG: join(tmp.path, "docker-config"), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

async function ok(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await paketo(args, env);
  assert.equal(r.code, 0, `paketo ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

/** Every file under a directory with its content hash: equal snapshots mean nothing changed. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash("sha256").update(readFileSync(p)).digest("hex");
    }
  };
  walk(dir);
  return out;
}

before(async () => {
  tmp = tempDir("paketo-cli-");
  storeRoot = join(tmp.path, "store");
  mkdirSync(join(tmp.path, "docker-config"));
  // A three-layer image made by the library, stored under the name "multi".
  const out = join(tmp.path, "layers");
  mkdirSync(out);
  let img = emptyImage();
  for (const [i, files] of [
    { "etc/os-release": "ID=test\n", "bin/tool": { content: "#!/bin/sh\necho hi\n", mode: 0o755 } },
    { "srv/app/index.js": "console.log(1)\n".repeat(100), "srv/app/link": { symlink: "index.js" } },
    { "srv/app/data.bin": Buffer.alloc(300_000, 7) },
  ].entries()) {
    const src = writeTree(join(tmp.path, `tree${i}`), files as unknown as Parameters<typeof writeTree>[1]);
    img = mutate.appendLayers(img, { layer: await layer.layerFromDirectory(src, { outputDir: out }), history: { created_by: `layer ${i}` } });
  }
  img = mutate.withEntrypoint(mutate.withLabels(img, { "org.example.test": "yes" }), ["/bin/tool"]);
  await (await store.openStore(storeRoot)).write("multi:1", { kind: "image", image: img });
  original = await img.digest();
  registry = await startRegistry();
  proxy = await startCountingProxy(registry.host);
});

after(async () => {
  await proxy?.stop();
  await registry?.stop();
  tmp?.cleanup();
});

test("copy through every transport and back keeps the manifest digest; skopeo and umoci accept each output", async () => {
  const d = tmp.path;
  const hops = [
    ["multi:1", `oci:${d}/layout:v1`],
    [`oci:${d}/layout:v1`, `oci-archive:${d}/img.oci.tar:v1`],
    [`oci-archive:${d}/img.oci.tar:v1`, `docker-archive:${d}/img.docker.tar:multi:1`],
    [`docker-archive:${d}/img.docker.tar`, `docker://${registry.host}/team/multi:1`],
    [`docker://${registry.host}/team/multi:1`, "multi:roundtrip"],
  ] as const;
  for (const [src, dest] of hops) {
    assert.equal((await ok(["copy", src, dest])).trim(), original, `${src} -> ${dest}`);
  }
  assert.equal(JSON.parse(await ok(["inspect", "multi:roundtrip", "--json"])).digest, original);

  // Independent readers: skopeo for every transport, umoci for the layout.
  const skopeoDigest = (name: string) => JSON.parse(run("skopeo", ["inspect", "--tls-verify=false", name])).Digest as string;
  assert.equal(skopeoDigest(`oci:${d}/layout:v1`), original);
  assert.equal(skopeoDigest(`oci-archive:${d}/img.oci.tar:v1`), original);
  assert.equal(skopeoDigest(`docker://${registry.host}/team/multi:1`), original);
  const fromArchive = JSON.parse(run("skopeo", ["inspect", `docker-archive:${d}/img.docker.tar`]));
  assert.deepEqual(fromArchive.RepoTags ?? [], []); // skopeo reports tags of registries only
  assert.equal(fromArchive.Layers.length, 3);
  for (const src of [`oci:${d}/layout:v1`, `oci-archive:${d}/img.oci.tar:v1`, `docker-archive:${d}/img.docker.tar`, `docker://${registry.host}/team/multi:1`]) {
    const dest = join(d, `skopeo-${createHash("sha1").update(src).digest("hex").slice(0, 8)}`);
    run("skopeo", ["copy", "--src-tls-verify=false", src, `oci:${dest}:x`]);
    assert.ok(statSync(join(dest, "index.json")).isFile(), src);
  }
  run("umoci", ["unpack", "--rootless", "--image", `${d}/layout:v1`, join(d, "bundle")]);
  assert.equal(readFileSync(join(d, "bundle/rootfs/etc/os-release"), "utf8"), "ID=test\n");
  assert.equal(statSync(join(d, "bundle/rootfs/srv/app/data.bin")).size, 300_000);
});

test("pushing the same image twice uploads no blob the second time", async () => {
  const dest = `docker://${proxy.host}/counted/app:1`;
  proxy.reset();
  await ok(["copy", "multi:1", dest]);
  const uploads = () => proxy.requests.filter((r) => /\/blobs\/uploads\//.test(r.path) && r.method !== "HEAD");
  assert.ok(uploads().length >= 4, `first push uploaded ${uploads().length} requests`);
  proxy.reset();
  await ok(["copy", "multi:1", dest]);
  assert.deepEqual(uploads(), []);
  assert.ok(proxy.requests.some((r) => r.method === "HEAD" && r.path.includes("/blobs/")));
});

test("progress of a push: on a terminal live lines with bytes and total, then a line per pushed layer; off one that line only; stdout the digest alone; --json unchanged", async () => {
  const src = writeTree(join(tmp.path, "big-tree"), { "data.bin": randomBytes(6 << 20) });
  const big = mutate.appendLayers(emptyImage(), { layer: await layer.layerFromDirectory(src, { outputDir: join(tmp.path, "layers") }) });
  await (await store.openStore(storeRoot)).write("big:1", { kind: "image", image: big });
  const digest = await big.digest();
  const layerDigest = (await big.manifest()).layers[0]!.digest.slice(7, 19);

  const tty = await onTerminal([process.execPath, BIN, "copy", "big:1", `docker://${registry.host}/progress/tty:1`], {
    ...process.env,
    PAKETO_STORE: storeRoot,
    DOCKER_CONFIG: join(tmp.path, "docker-config"),
    TERM: "xterm",
  });
  assert.equal(tty.code, 0, tty.output);
  // Live lines: the first transfer is drawn as it starts, then redrawn as bytes go.
  assert.match(tty.output, /pushing +(layer|config) [0-9a-f]{12} {2}[\d.]+ (B|KiB|MiB) \/ [\d.]+ (B|KiB|MiB) +\d+%/, JSON.stringify(tty.output));
  assert.match(tty.output, /\x1b\[2K/, "the live lines are erased when done");
  const seen = stripVTControlCharacters(tty.output).replace(/\r/g, "");
  assert.ok(seen.split("\n").includes(digest), seen);
  assert.match(seen, new RegExp(`^pushed layer ${layerDigest} {2}[\\d.]+ MiB in \\d+\\.\\d s`, "m"), seen);
  assert.doesNotMatch(seen, /^pushed config/m, "the small config blob gets no line of its own");

  const piped = await paketo(["copy", "big:1", `docker://${registry.host}/progress/piped:1`]);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(piped.stdout.trim(), digest);
  const lines = piped.stderr.trim().split("\n");
  assert.equal(lines.length, 2, piped.stderr);
  assert.match(lines[0]!, new RegExp(`^pushed layer ${layerDigest} {2}[\\d.]+ MiB in \\d+\\.\\d s`));
  assert.equal(lines[1], `Copied big:1 to docker://${registry.host}/progress/piped:1`);
  assert.doesNotMatch(piped.stderr, /\x1b/, "no terminal codes off a terminal");
  // Pushed again: every blob is there already, no step to report.
  const again = await paketo(["copy", "big:1", `docker://${registry.host}/progress/piped:1`]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, `Copied big:1 to docker://${registry.host}/progress/piped:1\n`);
  // --json: stdout is the one document; what was read to describe it reports nowhere near stdout.
  const json = await paketo(["inspect", `docker://${registry.host}/progress/piped:1`, "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.equal((JSON.parse(json.stdout) as { digest: string }).digest, digest);
});

test("inspect shows layers and sizes; images, rmi and prune manage the store", async () => {
  const text = await ok(["inspect", "multi:1"]);
  assert.match(text, /Layers \(3, /);
  assert.match(text, /org\.example\.test=yes/);
  assert.match(text, /Entrypoint: \["\/bin\/tool"\]/);
  const images = JSON.parse(await ok(["images", "--json"])) as Array<{ name: string; digest: string }>;
  assert.ok(images.some((i) => i.name === "multi:1" && i.digest === original));
  await ok(["copy", "multi:1", "scratch:1"]);
  await ok(["rmi", "scratch:1"]);
  assert.ok(!(JSON.parse(await ok(["images", "--json"])) as Array<{ name: string }>).some((i) => i.name === "scratch:1"));
  const r = await paketo(["rmi", "nothing-here:1"]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nothing-here/);
  // A blob nobody refers to is dropped; everything an image needs stays.
  writeFileSync(join(storeRoot, "blobs/sha256", "0".repeat(64)), "orphan");
  const pruned = JSON.parse(await ok(["prune", "--json"]));
  assert.ok(pruned.removedBlobs >= 1);
  assert.equal(JSON.parse(await ok(["inspect", "multi:1", "--json"])).digest, original);
  await ok(["copy", "multi:1", `oci:${tmp.path}/after-prune`]);
});

/** Runs a failing command and checks: exit 1, one error line naming `what`, the store untouched. */
async function failsCleanly(args: string[], what: RegExp, env: NodeJS.ProcessEnv = {}) {
  const before = snapshot(storeRoot);
  const r = await paketo(args, env);
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n").filter((l) => !l.startsWith("hint:"));
  assert.equal(lines.length, 1, `expected one error line, got:\n${r.stderr}`);
  assert.match(lines[0] ?? "", /^paketo: error: /);
  assert.match(lines[0] ?? "", what);
  assert.deepEqual(snapshot(storeRoot), before, "the store changed");
  return r.stderr;
}

test("failures give one clear line, exit 1, and leave the store exactly as it was", async () => {
  // A registry that is down.
  await failsCleanly(["copy", "docker://127.0.0.1:9/app:1", "down:1"], /127\.0\.0\.1:9.*(unreachable|refused)/i);
  // A missing repository.
  await failsCleanly(["copy", `docker://${registry.host}/no/such/repo:1`, "missing:1"], /no\/such\/repo/);
  // A truncated blob.
  await ok(["copy", "multi:1", `docker://${registry.host}/team/multi:1`]);
  proxy.reset();
  proxy.inject({ method: "GET", path: /\/blobs\/sha256:/, fault: { truncate: 100 } });
  await failsCleanly(["copy", `docker://${proxy.host}/team/multi:1`, "truncated:1"], /sha256:[0-9a-f]{12}.*(truncated|bytes|digest)/i);
  // A manifest whose digest does not match the one asked for.
  proxy.reset();
  proxy.inject({ method: "GET", path: /\/manifests\//, fault: { replace: (b) => Buffer.from(b.toString().replace("}", ' }')) } });
  await failsCleanly(["copy", `docker://${proxy.host}/team/multi@${original}`, "mismatch:1"], /digest/i);
  proxy.reset();

  // A wrong password, against a registry with htpasswd auth; the password never appears.
  const secure = await startRegistry({ auth: { username: "alice", password: "right-secret" } });
  try {
    await ok(["copy", "multi:1", `docker://${secure.host}/alice/app:1`, "--creds", "alice:right-secret"]);
    const err = await failsCleanly(["copy", `docker://${secure.host}/alice/app:1`, "denied:1", "--creds", "alice:wrong-secret"], /401|unauthori[sz]ed|denied/i);
    assert.doesNotMatch(err, /wrong-secret|right-secret/);
    // Credentials from docker's config.json work too.
    const cfg = join(tmp.path, "docker-config-auth");
    mkdirSync(cfg);
    writeFileSync(join(cfg, "config.json"), JSON.stringify({ auths: { [secure.host]: { auth: Buffer.from("alice:right-secret").toString("base64") } } }));
    assert.equal((await ok(["copy", `docker://${secure.host}/alice/app:1`, "from-config:1"], { DOCKER_CONFIG: cfg })).trim(), original);
  } finally {
    await secure.stop();
  }
});

test("bad usage and bad names are refused before anything runs", async () => {
  const r = await paketo(["copy", "only-one"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /wrong number of arguments/);
  await failsCleanly(["copy", "containers-storage:x", "y:1"], /containers-storage transport is not supported/);
  await failsCleanly(["copy", "multi:1", "docker://Bad Name"], /invalid image reference/);
  await failsCleanly(["copy", `oci:${tmp.path}/does-not-exist`, "z:1"], /does-not-exist/);
});

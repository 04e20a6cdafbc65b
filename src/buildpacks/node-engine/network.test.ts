// A real Node.js from the registry this machine's npm configuration names, through the
// machine-wide download cache (the first run downloads ~55 MB, later runs none): it runs here,
// its LTS choice holds against the real publish times, and its headers build a native addon
// with node-gyp without downloading anything.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, test } from "node:test";
import semver from "semver";
import { runBuild, type BuildRun } from "../../buildpack-api/testing/index.js";
import { npm } from "../../deps/index.js";
import { tempDir } from "../../testing/index.js";
import { nodeEngine } from "./buildpack.js";
import { buildpackToml } from "./testing/index.js";
import { LTS_AFTER_DAYS } from "./version.js";

const bp = nodeEngine({ npm, now: () => new Date() });
const plan = [{ name: "node", metadata: { build: true, launch: true } }];
// the env a build gets: where npm's configuration and the shared download cache are
const env: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && /^(PATH|HOME|XDG_CACHE_HOME|PAKETO_CACHE|npm_config_.*)$/i.test(e[0])),
);
const cacheDir = npm.defaultCacheDir(process.env);

let cold: BuildRun;
let coldMs = 0;
let layers = "";

async function du(dir: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) if (e.isFile()) n += statSync(join(e.parentPath, e.name)).size;
  return n;
}

before(async () => {
  const started = Date.now();
  cold = await runBuild(bp, { buildpackToml, plan, env, keep: true });
  coldMs = Date.now() - started;
  layers = join(cold.dir, "layers/paketo-buildpacks_node-engine");
});
after(() => rmSync(cold.dir, { recursive: true, force: true }));

test("the default (newest LTS line) installs and bin/node runs on this host", async (t) => {
  assert.equal(cold.outcome, "success", cold.stderr);
  const version = String(cold.layers.node?.metadata.version);
  const run = spawnSync(join(layers, "node/bin/node"), ["-p", "process.version + ' ' + process.arch"], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), `v${version} ${process.arch}`);
  // the LTS rule against the real metadata: an even major first published at least ~6 months ago
  const p = await npm.packumentWithTime(npm.nodePackageName("linux", process.arch as "x64"), { offline: true });
  const first = Object.keys(p.versions).filter((v) => semver.major(v) === semver.major(version)).map((v) => Date.parse(p.time[v] ?? "")).filter(Number.isFinite);
  assert.equal(semver.major(version) % 2, 0);
  assert.ok(Date.now() - Math.min(...first) >= LTS_AFTER_DAYS * 864e5);
  // the npm this release ships with, named by its own release notes (an LTS line is months past its first release)
  const bundled = cold.layers["node-headers"]?.files["env.build/PAKETO_NODE_NPM_VERSION.default"] ?? "";
  assert.ok(semver.valid(bundled), `bundled npm ${JSON.stringify(bundled)}`);
  assert.equal(cold.layers["node-headers"]?.metadata.npm, bundled);
  // the SBOM's hash is the tarball's
  const tarball = join(cacheDir, "sha512", Buffer.from(String(cold.layers.node?.metadata.integrity).slice(7), "base64").toString("hex"));
  const cdx = JSON.parse(cold.files["node.sbom.cdx.json"]!);
  assert.equal(cdx.components[0].hashes[0].content, createHash("sha512").update(readFileSync(tarball)).digest("hex"));
  t.diagnostic(
    `node ${version}: tarball ${(statSync(tarball).size / 1e6).toFixed(1)} MB; node layer ${((await du(join(layers, "node"))) / 1e6).toFixed(1)} MB; ` +
      `headers layer ${((await du(join(layers, "node-headers"))) / 1e6).toFixed(1)} MB; build ${coldMs} ms with the harness, install ${/Completed in (\d+ ms.*)/.exec(cold.stdout)?.[1]}`,
  );
});

test("a second build in new layers takes the tarball from the download cache", async (t) => {
  const started = Date.now();
  const warm = await runBuild(bp, { buildpackToml, plan: [{ name: "node", metadata: { launch: true } }], env });
  assert.equal(warm.outcome, "success", warm.stderr);
  assert.match(warm.stdout, /\(from the download cache\)/);
  assert.equal(warm.layers.node?.metadata.integrity, cold.layers.node?.metadata.integrity);
  t.diagnostic(`warm-cache build (launch layer only): ${Date.now() - started} ms with the harness, install ${/Completed in (\d+ ms)/.exec(warm.stdout)?.[1]}`);
});

test("the headers layer builds a native addon with node-gyp, nothing downloaded", async (t) => {
  const gyp = join(createRequire(import.meta.url).resolve("npm/package.json", { paths: ["/usr/lib/node_modules", "/usr/local/lib/node_modules"] }), "../node_modules/node-gyp/bin/node-gyp.js");
  const app = tempDir();
  t.after(app.cleanup);
  writeFileSync(join(app.path, "binding.gyp"), JSON.stringify({ targets: [{ target_name: "hello", sources: ["hello.c"] }] }));
  writeFileSync(
    join(app.path, "hello.c"),
    `#include <node_api.h>
#include <node_version.h>
#include <openssl/opensslv.h>
static napi_value hello(napi_env env, napi_callback_info info) {
  napi_value s;
  napi_create_string_utf8(env, "native " NODE_VERSION_STRING " " OPENSSL_VERSION_TEXT, NAPI_AUTO_LENGTH, &s);
  return s;
}
NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "hello", NAPI_AUTO_LENGTH, hello, NULL, &fn);
  napi_set_named_property(env, exports, "hello", fn);
  return exports;
}
`,
  );
  mkdirSync(join(app.path, "devdir"));
  const node = join(layers, "node/bin/node");
  const nodedir = readFileSync(join(layers, "node-headers/env.build/npm_package_config_node_gyp_nodedir.default"), "utf8");
  const started = Date.now();
  const build = spawnSync(node, [gyp, "rebuild"], {
    cwd: app.path,
    encoding: "utf8",
    // what later buildpacks see: node on PATH, node-gyp's nodedir from the headers layer; a devdir
    // that stays empty proves no headers were fetched
    env: { PATH: `${join(layers, "node/bin")}:/usr/bin:/bin`, HOME: app.path, npm_package_config_node_gyp_nodedir: nodedir, npm_config_devdir: join(app.path, "devdir") },
  });
  assert.equal(build.status, 0, `${build.stdout}\n${build.stderr}`);
  const load = spawnSync(node, ["-p", "require('./build/Release/hello.node').hello()"], { cwd: app.path, encoding: "utf8" });
  assert.equal(load.status, 0, load.stderr);
  // compiled against this version's headers, OpenSSL's arch-specific ones included
  const versions = spawnSync(node, ["-p", "process.versions.openssl"], { encoding: "utf8" }).stdout.trim();
  assert.match(load.stdout, new RegExp(`^native ${String(cold.layers.node?.metadata.version).replaceAll(".", "\\.")} OpenSSL ${versions.split("+")[0]!.replaceAll(".", "\\.")}`));
  assert.match(readFileSync(join(app.path, "build/config.gypi"), "utf8"), new RegExp(`"nodedir": "${nodedir}"`));
  assert.deepEqual(await readdir(join(app.path, "devdir")), []);
  t.diagnostic(`node-gyp rebuild with the headers layer: ${Date.now() - started} ms`);
});

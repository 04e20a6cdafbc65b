// yarn-install against the real npm registry with real Yarn classic and Yarn Berry (node-modules
// linker and Plug'n'Play), and the host's node in node-engine's place.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { promisify } from "node:util";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { appPackageJson, buildEnv, buildpackToml, modulesLink, once, restorable, scriptedPackage, yarnClassicLockfile } from "../node-common/testing/index.js";
import { yarnChoice, yarnInstall, yarnLockfileProblem, yarnrcValue } from "./buildpack.js";
import { pnpPackages } from "./pnp.js";

const toml = buildpackToml("yarn-install");
const bp = yarnInstall();
const launchOnly = [{ name: "node_modules", metadata: { launch: true } }];
const withBuild = [...launchOnly, { name: "node_modules", metadata: { build: true } }];
const layersOf = (dir: string) => join(dir, "layers/paketo-buildpacks_yarn-install");

const classicLayer = once(async () => restorable(await runBuild(bp, { buildpackToml: toml, app: { "package.json": "{}", "yarn.lock": "" }, env: await buildEnv(), plan: launchOnly }), "yarn"));

// A Berry lockfile made by Yarn 4 itself (its checksums are of Yarn's own zips), and the Yarn layer.
const berry = once(async () => {
  const b = await runBuild(bp, {
    buildpackToml: toml,
    app: { "package.json": appPackageJson(), ".yarnrc.yml": "nodeLinker: node-modules\n" },
    env: await buildEnv({ BP_YARN_VERSION: "4" }),
    plan: withBuild, // `yarn install` (full) writes the lockfile
    keep: true,
  });
  try {
    assert.equal(b.outcome, "success", b.stderr + b.stdout);
    return { lock: await readFile(join(b.dir, "workspace/yarn.lock"), "utf8"), layer: restorable(b, "yarn"), version: /Installing @yarnpkg\/cli-dist (\S+)/.exec(b.stdout)?.[1] };
  } finally {
    await rm(b.dir, { recursive: true, force: true });
  }
});

test("yarnChoice: packageManager, then yarnPath, then BP_YARN_VERSION, then Berry for Berry projects, else classic", () => {
  const project = (pkg: Record<string, unknown> = {}) => ({ appDir: "/w", dir: "/w", rel: "", packageJson: pkg });
  const req = (c: ReturnType<typeof yarnChoice>) => (c.request.kind === "registry" ? [c.berry, c.request.pkg, c.request.spec, c.request.why] : [c.berry, c.request.path, c.request.why]);
  assert.deepEqual(req(yarnChoice(project({ packageManager: "yarn@4.5.0" }), {}, undefined, undefined)), [true, "@yarnpkg/cli-dist", "4.5.0", 'package.json "packageManager"']);
  assert.deepEqual(req(yarnChoice(project({ packageManager: "yarn@1.22.22" }), {}, undefined, undefined)), [false, "yarn", "1.22.22", 'package.json "packageManager"']);
  assert.deepEqual(req(yarnChoice(project(), {}, undefined, "yarnPath: .yarn/releases/yarn-4.5.0.cjs\n")), [true, "/w/.yarn/releases/yarn-4.5.0.cjs", ".yarnrc.yml yarnPath"]);
  assert.deepEqual(req(yarnChoice(project(), { BP_YARN_VERSION: "3.x" }, undefined, undefined)), [true, "@yarnpkg/cli-dist", "3.x", "BP_YARN_VERSION"]);
  assert.deepEqual(req(yarnChoice(project(), {}, "__metadata:\n  version: 8\n", undefined)).slice(0, 3), [true, "@yarnpkg/cli-dist", "*"]);
  assert.deepEqual(req(yarnChoice(project(), {}, "# yarn lockfile v1\n", undefined)).slice(0, 3), [false, "yarn", "1"]);
  assert.throws(() => yarnChoice(project({ packageManager: "yarn@latest" }), {}, undefined, undefined), /package\.json: "packageManager": "yarn@latest" is not <name>@<exact version>/);
  assert.equal(yarnrcValue('nodeLinker: "node-modules" # comment\n', "nodeLinker"), "node-modules");
  assert.equal(yarnrcValue("enableTelemetry: false\n", "nodeLinker"), undefined);
});

test("yarnLockfileProblem reads classic's and Berry's lockfile errors", () => {
  assert.equal(yarnLockfileProblem("error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.\n"), "out of sync with package.json (yarn install --frozen-lockfile would change it)");
  assert.match(yarnLockfileProblem("➤ YN0028: │ The lockfile would have been modified by this install, which is explicitly forbidden.")!, /^out of sync/);
  assert.equal(yarnLockfileProblem("YAMLException: bad indentation of a mapping entry (3:2)\n"), "broken: bad indentation of a mapping entry (3:2)");
  assert.equal(yarnLockfileProblem("error https://registry.example/x: Not found"), undefined);
});

test("pnpPackages reads the packages a .pnp.cjs maps", () => {
  const cjs = `const RAW_RUNTIME_STATE =\n'{\\\n  "packageRegistryData": [\\\n    [null, [[null, {"packageLocation": "./", "linkType": "SOFT"}]]],\\\n    ["app", [["workspace:.", {"linkType": "SOFT"}]]],\\\n    ["@scope/a", [["npm:1.0.0", {"linkType": "HARD"}]]],\\\n    ["is-number", [["npm:7.0.0", {"packageLocation": "../c/x.zip/node_modules/is-number/", "linkType": "HARD"}]]]\\\n  ]\\\n}';\n`;
  assert.deepEqual(pnpPackages(cjs), [
    { name: "@scope/a", version: "1.0.0" },
    { name: "is-number", version: "7.0.0" },
  ]);
});

describe("yarn-install detect", { concurrency: true }, () => {
  test("passes with yarn.lock or a yarn packageManager; provides yarn and node_modules", async () => {
    const d = await runDetect(bp, { buildpackToml: toml, app: { "package.json": "{}", "yarn.lock": "" } });
    assert.ok(d.outcome === "pass", d.stderr);
    assert.deepEqual(d.plan.provides, [{ name: "yarn" }, { name: "node_modules" }]);
    // node_modules at launch is for later buildpacks to ask; the alternative asks for it itself.
    assert.deepEqual(d.plan.requires.map((r) => r.name), ["node", "yarn"]);
    assert.deepEqual(d.plan.or?.[0]?.requires.map((r) => r.name), ["node", "yarn", "node_modules"]);
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "package.json": '{"packageManager": "yarn@4.5.0"}' } })).outcome, "pass");
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "package.json": "{}" } })).outcome, "fail");
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "yarn.lock": "" } })).outcome, "fail");
  });
});

describe("yarn-install build", { concurrency: true }, () => {
  test("classic: dependencies' install scripts run with node-gyp on PATH (npm's, of the npm this Node.js ships with); a failing one fails the build", async () => {
    const script = "const v = require('child_process').execSync('node-gyp --version').toString().trim(); require('fs').writeFileSync('built.txt', v)";
    const app = async (s: string) => ({
      "package.json": JSON.stringify({ name: "app", version: "1.0.0", packageManager: "yarn@1.22.22", dependencies: { dep: "file:dep-1.0.0.tgz" } }),
      "dep-1.0.0.tgz": await scriptedPackage("dep", s),
    });
    const b = await runBuild(bp, { buildpackToml: toml, app: await app(script), env: await buildEnv({ PAKETO_NODE_NPM_VERSION: "10.9.2" }), plan: launchOnly });
    assert.equal(b.outcome, "success", b.stderr + b.stdout);
    assert.match(b.stdout, /Installing npm 10\.9\.2 \(its node-gyp, for dependencies' install scripts; the npm Node\.js \S+ ships with\)/);
    assert.match(b.layers["launch-modules"]?.files["node_modules/dep/built.txt"] ?? "", /^v\d+\.\d+\.\d+$/);
    assert.deepEqual(b.layers["node-gyp"]?.types, { build: true, launch: false, cache: true });
    assert.ok(b.layers["node-gyp"]?.executables.includes("bin/node-gyp"));

    const failed = await runBuild(bp, {
      buildpackToml: toml,
      app: await app("console.error('dep: cannot find foo.h'); process.exit(3)"),
      env: await buildEnv({ PAKETO_NODE_NPM_VERSION: "10.9.2" }),
      plan: launchOnly,
      layers: { "node-gyp": restorable(b, "node-gyp"), yarn: restorable(b, "yarn") },
    });
    assert.equal(failed.outcome, "error");
    assert.match(failed.stderr, /^ERROR: the install script of dependency dep failed: 'yarn install/);
    assert.match(failed.stderr, /dep: cannot find foo\.h/);
  });

  test("classic: devDependencies in build-modules, production ones in launch-modules, SBOM with yarn.lock's integrity", async () => {
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: { "package.json": appPackageJson(), "yarn.lock": await yarnClassicLockfile() },
      env: await buildEnv(),
      plan: withBuild,
      layers: { yarn: await classicLayer() },
      keep: true,
    });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.match(b.stdout, /^Paketo Buildpack for Yarn Install 0\.1\.0\n/);
      assert.match(b.stdout, /Running 'yarn install --ignore-engines --non-interactive --no-progress --frozen-lockfile --production=false'/);
      assert.match(b.stdout, /Running 'yarn install .*--production=true --prefer-offline'/);
      const build = b.layers["build-modules"]!;
      const launch = b.layers["launch-modules"]!;
      assert.ok(build.files["node_modules/ms/package.json"] && build.files["node_modules/is-number/package.json"]);
      assert.ok(launch.files["node_modules/is-number/package.json"]);
      assert.equal(launch.files["node_modules/ms/package.json"], undefined);
      assert.equal(await modulesLink(join(b.dir, "workspace")), join(layersOf(b.dir), "launch-modules/node_modules"));
      assert.match(build.files["env.build/PAKETO_BUILD_MOUNTS.override"] ?? "", new RegExp(`^${join(b.dir, "workspace/node_modules")}=${join(layersOf(b.dir), "build-modules/node_modules")}:`));
      assert.deepEqual(b.layers["yarn-cache"]?.types, { build: false, launch: false, cache: true });
      const cdx = JSON.parse(b.files["launch-modules.sbom.cdx.json"]!) as { components: { purl: string; hashes?: { content: string }[] }[] };
      assert.deepEqual(cdx.components.map((c) => c.purl), ["pkg:npm/is-number@7.0.0"]);
      assert.equal(cdx.components[0]!.hashes?.[0]?.content.length, 128);
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });

  test("classic: a yarn.lock out of sync with package.json, and a broken one: one error naming yarn.lock", async () => {
    const env = await buildEnv();
    const stale = await runBuild(bp, {
      buildpackToml: toml,
      app: { "package.json": appPackageJson({ devDependencies: { ms: "2.1.2" } }), "yarn.lock": await yarnClassicLockfile() },
      env,
      plan: launchOnly,
      layers: { yarn: await classicLayer() },
    });
    assert.equal(stale.outcome, "error");
    assert.match(stale.stderr, /^ERROR: yarn\.lock: out of sync with package\.json \(yarn install --frozen-lockfile would change it\)\n {2}hint: run 'yarn install' in the app and commit yarn\.lock\n$/);
    const broken = await runBuild(bp, {
      buildpackToml: toml,
      app: { "package.json": appPackageJson(), "yarn.lock": 'is-number@7.0.0:\n  {version "7.0.0"\n' },
      env,
      plan: launchOnly,
      layers: { yarn: await classicLayer() },
    });
    assert.equal(broken.outcome, "error");
    assert.match(broken.stderr, /^ERROR: yarn\.lock is broken: line 2 is neither an entry nor a field: /);
  });

  test("Berry, node-modules linker: production modules in launch-modules, linked; reused on the next build", async () => {
    const { lock, layer, version } = await berry();
    assert.match(lock, /^__metadata:/m);
    const app = { "package.json": appPackageJson(), ".yarnrc.yml": "nodeLinker: node-modules\n", "yarn.lock": lock };
    const env = await buildEnv();
    const b = await runBuild(bp, { buildpackToml: toml, app, env, plan: launchOnly, layers: { yarn: layer }, keep: true });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.match(b.stdout, new RegExp(`Yarn ${version} with the node-modules linker`));
      assert.match(b.stdout, /Running 'yarn workspaces focus --all --production'/);
      const launch = b.layers["launch-modules"]!;
      assert.ok(launch.files["node_modules/is-number/package.json"]);
      assert.equal(launch.files["node_modules/ms/package.json"], undefined);
      assert.equal(await modulesLink(join(b.dir, "workspace")), join(layersOf(b.dir), "launch-modules/node_modules"));
      const again = await runBuild(bp, { buildpackToml: toml, app, env, plan: launchOnly, layers: { yarn: layer, "launch-modules": restorable(b, "launch-modules") } });
      assert.equal(again.outcome, "success", again.stderr);
      assert.doesNotMatch(again.stdout, /Running 'yarn/);
      assert.match(again.stdout, /Reusing cached layer .*launch-modules/);
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });

  test("Berry, Plug'n'Play: zips in the layers' caches, .pnp.cjs in the project, production files kept for the image", async () => {
    const { lock, layer } = await berry();
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: { "package.json": appPackageJson(), ".yarnrc.yml": "enableTelemetry: false\n", "yarn.lock": lock, "index.js": "console.log(require('is-number')(7), require('ms')('1s'))\n" },
      env: await buildEnv(),
      plan: withBuild,
      layers: { yarn: layer },
      keep: true,
    });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.match(b.stdout, /with the pnp linker/);
      const layers = layersOf(b.dir);
      const zips = async (name: string) => (await readdir(join(layers, name, "cache"))).filter((z) => z.endsWith(".zip")).map((z) => z.replace(/-npm-.*/, "")).sort();
      assert.deepEqual(await zips("launch-modules"), ["is-number"]);
      assert.deepEqual(await zips("build-modules"), ["is-number", "ms"]);
      assert.equal(await modulesLink(join(b.dir, "workspace")), "(none)");
      assert.equal(b.layers["build-modules"]?.files["env.build/PAKETO_NODE_MODULES_LAUNCH.override"], join(layers, "launch-modules/pnp"));
      // The project's .pnp.cjs is the full one during the build: devDependencies resolve.
      const out = await promisify(execFile)(process.execPath, ["-r", "./.pnp.cjs", "index.js"], { cwd: join(b.dir, "workspace") });
      assert.equal(out.stdout, "true 1000\n");
      const cdx = JSON.parse(b.files["launch-modules.sbom.cdx.json"]!) as { components: { purl: string }[] };
      assert.deepEqual(cdx.components.map((c) => c.purl), ["pkg:npm/is-number@7.0.0"]);
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });
});

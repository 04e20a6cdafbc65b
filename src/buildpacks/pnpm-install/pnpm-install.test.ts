// pnpm-install against the real npm registry with a real pnpm and the host's node.
import assert from "node:assert/strict";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { appPackageJson, buildEnv, buildpackToml, modulesLink, once, pnpmLockfile, restorable, scriptedPackage } from "../node-common/testing/index.js";
import { pnpmInstall, pnpmLockfileProblem, pnpmRequest, pnpmSettings } from "./buildpack.js";

const toml = buildpackToml("pnpm-install");
const bp = pnpmInstall();
const launchOnly = [{ name: "node_modules", metadata: { launch: true } }];
const withBuild = [...launchOnly, { name: "node_modules", metadata: { build: true } }];
const pnpmLayer = once(async () => restorable(await runBuild(bp, { buildpackToml: toml, app: { "package.json": "{}", "pnpm-lock.yaml": "lockfileVersion: '9.0'\n" }, env: await buildEnv(), plan: launchOnly }), "pnpm"));

test("pnpmRequest: packageManager, BP_PNPM_VERSION, else by lockfileVersion", () => {
  const project = (pkg: Record<string, unknown> = {}) => ({ appDir: "/w", dir: "/w", rel: "", packageJson: pkg });
  const spec = (r: ReturnType<typeof pnpmRequest>) => (r.kind === "registry" ? [r.spec, r.why] : []);
  assert.deepEqual(spec(pnpmRequest(project({ packageManager: "pnpm@9.15.0+sha512.abc123" }), {}, undefined)), ["9.15.0", 'package.json "packageManager"']);
  assert.deepEqual(spec(pnpmRequest(project(), { BP_PNPM_VERSION: "8" }, undefined)), ["8", "BP_PNPM_VERSION"]);
  assert.deepEqual(spec(pnpmRequest(project(), {}, "lockfileVersion: '6.0'\n")), ["8", "pnpm-lock.yaml lockfileVersion 6.0"]);
  assert.deepEqual(spec(pnpmRequest(project(), {}, "lockfileVersion: 5.4\n")), ["7", "pnpm-lock.yaml lockfileVersion 5.4"]);
  assert.deepEqual(spec(pnpmRequest(project(), {}, "lockfileVersion: '9.0'\n")), [">=9", "pnpm-lock.yaml lockfileVersion 9.0"]);
});

test("pnpmSettings: pnpm 11 reads pnpm_config_* only, earlier pnpm npm_config_*", () => {
  assert.deepEqual(pnpmSettings("11.29.0", { store_dir: "/s" }), { pnpm_config_store_dir: "/s" });
  assert.deepEqual(pnpmSettings("10.34.8", { store_dir: "/s" }), { npm_config_store_dir: "/s" });
});

test("pnpmLockfileProblem reads pnpm's lockfile errors", () => {
  assert.equal(
    pnpmLockfileProblem(' ERR_PNPM_BROKEN_LOCKFILE  The lockfile at "/w/pnpm-lock.yaml" is broken: unexpected end of the stream within a flow collection (5:1)\n'),
    "broken: unexpected end of the stream within a flow collection (5:1)",
  );
  assert.equal(
    pnpmLockfileProblem(' ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with <ROOT>/package.json\n\n  Failure reason:\n  specifiers in the lockfile don\'t match specifiers in package.json:\n* 1 dependencies are mismatched:\n  - ms (lockfile: 2.1.3, manifest: 2.1.2)\n'),
    "out of sync with package.json (specifiers in the lockfile don't match specifiers in package.json: * 1 dependencies are mismatched: - ms (lockfile: 2.1.3, manifest: 2.1.2))",
  );
  assert.equal(pnpmLockfileProblem(" ERR_PNPM_FETCH_404  GET https://registry.example/x: Not Found - 404"), undefined);
});

describe("pnpm-install", { concurrency: true }, () => {
  test("detect: pnpm-lock.yaml or a pnpm packageManager", async () => {
    const d = await runDetect(bp, { buildpackToml: toml, app: { "package.json": "{}", "pnpm-lock.yaml": "" } });
    assert.ok(d.outcome === "pass", d.stderr);
    assert.deepEqual(d.plan.provides, [{ name: "pnpm" }, { name: "node_modules" }]);
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "package.json": '{"packageManager": "pnpm@9.15.0"}' } })).outcome, "pass");
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "package.json": "{}", "yarn.lock": "" } })).outcome, "fail");
  });

  test("build: the full tree (.pnpm layout) in build-modules, production in launch-modules, SBOM from the .pnpm store layout", async () => {
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: { "package.json": appPackageJson(), "pnpm-lock.yaml": pnpmLockfile() },
      env: await buildEnv(),
      plan: withBuild,
      layers: { pnpm: await pnpmLayer() },
      keep: true,
    });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.match(b.stdout, /^Paketo Buildpack for PNPM Install 0\.1\.0\n/);
      assert.match(b.stdout, /Running 'pnpm install --frozen-lockfile --prod=false --reporter=append-only'/);
      assert.match(b.stdout, /Running 'pnpm install --frozen-lockfile --prod --prefer-offline --reporter=append-only'/);
      const layers = join(b.dir, "layers/paketo-buildpacks_pnpm-install");
      const build = b.layers["build-modules"]!;
      const launch = b.layers["launch-modules"]!;
      assert.ok(build.files["node_modules/.pnpm/ms@2.1.3/node_modules/ms/package.json"]);
      assert.ok(launch.files["node_modules/.pnpm/is-number@7.0.0/node_modules/is-number/package.json"]);
      assert.equal(Object.keys(launch.files).some((f) => f.includes("ms@2.1.3")), false, "no devDependency in the launch layer");
      // The project links to what the image gets; build tools get the full tree as a build mount.
      assert.equal(await modulesLink(join(b.dir, "workspace")), join(layers, "launch-modules/node_modules"));
      assert.match(build.files["env.build/PAKETO_BUILD_MOUNTS.override"] ?? "", new RegExp(`^${join(b.dir, "workspace/node_modules")}=${join(layers, "build-modules/node_modules")}:`));
      // The top-level link (relative, into .pnpm) resolves within the layer.
      assert.match(await readFile(join(layers, "build-modules/node_modules/ms/package.json"), "utf8"), /"version": "2\.1\.3"/);
      assert.deepEqual(b.layers["pnpm-store"]?.types, { build: false, launch: false, cache: true });
      const cdx = JSON.parse(b.files["launch-modules.sbom.cdx.json"]!) as { components: { purl: string; hashes?: unknown[] }[] };
      assert.deepEqual(cdx.components.map((c) => c.purl), ["pkg:npm/is-number@7.0.0"]);
      assert.equal(cdx.components[0]!.hashes?.length, 1);
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });

  test("build: a pnpm-lock.yaml out of sync with package.json is one error naming it", async () => {
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: { "package.json": appPackageJson({ devDependencies: { ms: "2.1.2" } }), "pnpm-lock.yaml": pnpmLockfile() },
      env: await buildEnv(),
      plan: launchOnly,
      layers: { pnpm: await pnpmLayer() },
    });
    assert.equal(b.outcome, "error");
    assert.match(b.stderr, /^ERROR: pnpm-lock\.yaml: out of sync with package\.json \(.*ms \(lockfile: 2\.1\.3, manifest: 2\.1\.2\)\)\n {2}hint: run 'pnpm install' in the app and commit pnpm-lock\.yaml\n$/);
  });

  describe("pnpm 10 (build scripts need onlyBuiltDependencies): they run unless the app chose a policy", { concurrency: true }, () => {
    const build = async (pnpm: Record<string, unknown> | undefined, script = "require('fs').writeFileSync('built.txt', 'built')") =>
      runBuild(bp, {
        buildpackToml: toml,
        app: {
          "package.json": JSON.stringify({ name: "app", version: "1.0.0", packageManager: "pnpm@10.34.8", dependencies: { dep: "file:dep-1.0.0.tgz" }, ...(pnpm ? { pnpm } : {}) }),
          "dep-1.0.0.tgz": await scriptedPackage("dep", script),
        },
        env: await buildEnv(),
        plan: launchOnly,
      });
    const built = (b: Awaited<ReturnType<typeof build>>) => Object.entries(b.layers["launch-modules"]?.files ?? {}).find(([f]) => f.endsWith("/node_modules/dep/built.txt"))?.[1];

    test("by default every dependency's build script runs", async () => {
      const b = await build(undefined);
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.match(b.stdout, /pnpm 10\.34\.8 runs every dependency's build scripts, as npm does/);
      assert.equal(built(b), "built");
      assert.doesNotMatch(b.stdout, /Ignored build scripts/);
    });

    test("onlyBuiltDependencies is the app's own choice", async () => {
      const b = await build({ onlyBuiltDependencies: [] });
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.match(b.stdout, /package\.json "pnpm\.onlyBuiltDependencies" decides which dependencies' build scripts run/);
      assert.equal(built(b), undefined);
    });

    test("a failing build script fails the build, naming the dependency, with its output", async () => {
      const b = await build(undefined, "console.error('dep: cannot find foo.h'); process.exit(3)");
      assert.equal(b.outcome, "error");
      assert.match(b.stderr, /^ERROR: the install script of dependency dep failed: 'pnpm install/);
      assert.match(b.stderr, /dep: cannot find foo\.h/);
    });
  });
});

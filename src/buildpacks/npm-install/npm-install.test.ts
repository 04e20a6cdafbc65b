// npm-install against the real npm registry and the host's node (node-engine's role): npm ci and
// npm install, devDependencies in the build layer only, reuse without install, lockfile errors.
import assert from "node:assert/strict";
import { lstat, readFile, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import type { Project } from "../node-common/index.js";
import { appPackageJson, buildEnv, buildpackToml, modulesLink, npmLockfile, once, restorable, scriptedPackage } from "../node-common/testing/index.js";
import { npmInstall, npmLockfileProblem, npmRequest } from "./buildpack.js";

const toml = buildpackToml("npm-install");
const bp = npmInstall();
const launchOnly = [{ name: "node_modules", metadata: { launch: true } }];
const withBuild = [...launchOnly, { name: "node_modules", metadata: { build: true } }];
// npm unpacked once (2,000 files), restored into the builds that are not about installing npm.
const npmLayer = once(async () => restorable(await runBuild(bp, { buildpackToml: toml, app: { "package.json": "{}" }, env: await buildEnv(), plan: launchOnly }), "npm"));

describe("npm-install detect", { concurrency: true }, () => {
  test("passes with package.json: provides npm and node_modules, requires node and npm at build; or also node_modules at launch", async () => {
    const d = await runDetect(bp, { buildpackToml: toml, app: { "package.json": "{}" } });
    assert.equal(d.outcome, "pass", d.stderr);
    assert.ok(d.outcome === "pass");
    assert.deepEqual(d.plan.provides, [{ name: "npm" }, { name: "node_modules" }]);
    assert.deepEqual(
      d.plan.requires.map((r) => [r.name, r.metadata]),
      [
        ["node", { build: true }],
        ["npm", { build: true }],
      ],
    );
    assert.deepEqual(
      d.plan.or.map((a) => a.requires.map((r) => [r.name, r.metadata])),
      [
        [
          ["node", { build: true, launch: true }],
          ["npm", { build: true }],
          ["node_modules", { launch: true }],
        ],
      ],
    );
  });

  test("fails without package.json; looks in BP_NODE_PROJECT_PATH", async () => {
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "index.js": "" } })).outcome, "fail");
    const sub = await runDetect(bp, { buildpackToml: toml, app: { "api/package.json": "{}" }, env: { BP_NODE_PROJECT_PATH: "api" } });
    assert.equal(sub.outcome, "pass");
    const outside = await runDetect(bp, { buildpackToml: toml, app: { "package.json": "{}" }, env: { BP_NODE_PROJECT_PATH: "../x" } });
    assert.equal(outside.outcome, "error");
    assert.match(outside.stderr, /BP_NODE_PROJECT_PATH=\.\.\/x: not a path inside the app directory/);
  });

  test("a broken package.json is one error naming it", async () => {
    const d = await runDetect(bp, { buildpackToml: toml, app: { "package.json": '{"name": "x",' } });
    assert.equal(d.outcome, "error");
    assert.match(d.stderr, /^ERROR: package\.json is not valid JSON: /);
  });
});

test("npmRequest: packageManager, devEngines, BP_NPM_VERSION, else the npm the Node.js release ships with", () => {
  const project = (packageJson: Record<string, unknown>): Project => ({ appDir: "/workspace", dir: "/workspace", rel: "", packageJson });
  const spec = (pkg: Record<string, unknown>, env: Record<string, string>, node = "24.11.1") => {
    const r = npmRequest(project(pkg), env, { version: node });
    return r.kind === "registry" ? [r.spec, r.why] : [];
  };
  const all = { packageManager: "npm@10.9.0", devEngines: { packageManager: { name: "npm", version: "^11.2.0" } } };
  assert.deepEqual(spec(all, { BP_NPM_VERSION: "9" }), ["10.9.0", 'package.json "packageManager"']);
  assert.deepEqual(spec({ devEngines: all.devEngines }, { BP_NPM_VERSION: "9" }), ["^11.2.0", 'package.json "devEngines.packageManager"']);
  assert.deepEqual(spec({ devEngines: { packageManager: [{ name: "pnpm" }, { name: "npm" }] } }, {}), ["*", 'package.json "devEngines.packageManager"']);
  assert.deepEqual(spec({}, { BP_NPM_VERSION: "9", PAKETO_NODE_NPM_VERSION: "11.6.2" }), ["9", "BP_NPM_VERSION"]);
  assert.deepEqual(spec({}, { PAKETO_NODE_NPM_VERSION: "11.6.2" }), ["11.6.2", "the npm Node.js 24.11.1 ships with"]);
  assert.deepEqual(spec({}, {}, "26.0.0"), ["11", "npm 11, as the Node.js 26 line"], "the release notes named none: the line's npm major");
  assert.deepEqual(spec({}, {}, "14.21.3"), ["*", "the newest npm for this Node.js"]);
  assert.throws(() => spec({ devEngines: { packageManager: { name: "npm", version: "eleven" } } }, {}), /package\.json: "devEngines\.packageManager" version "eleven" of npm is not a version or a range/);
});

test("npmLockfileProblem reads npm ci's out-of-sync error", () => {
  const out = [
    "npm error code EUSAGE",
    "npm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.",
    "npm error Invalid: lock file's ms@2.1.3 does not satisfy ms@2.1.2",
    "npm error Clean install a project",
  ].join("\n");
  assert.equal(npmLockfileProblem(out), "out of sync with package.json: Invalid: lock file's ms@2.1.3 does not satisfy ms@2.1.2");
  assert.equal(npmLockfileProblem("npm error code E404\nnpm error 404 Not Found"), undefined);
});

describe("npm-install build", { concurrency: true }, () => {
  test("with a lockfile: npm ci of production dependencies into launch-modules, linked, with an SBOM", async () => {
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: { "package.json": appPackageJson(), "package-lock.json": await npmLockfile(), "node_modules/stale/index.js": "" },
      env: await buildEnv(),
      plan: launchOnly,
      keep: true,
    });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.match(b.stdout, /^Paketo Buildpack for NPM Install 0\.1\.0\n/);
      assert.match(b.stdout, /Installing npm \d+\.\d+\.\d+ \(npm \d+, as the Node\.js \d+ line\)/);
      assert.match(b.stdout, /Running 'npm ci --omit=dev'/);
      assert.match(b.stdout, /node_modules in the app source is removed/);
      const launch = b.layers["launch-modules"];
      assert.ok(launch);
      assert.deepEqual(launch.types, { launch: true, build: false, cache: true });
      assert.ok(launch.files["node_modules/is-number/package.json"]);
      assert.equal(launch.files["node_modules/ms/package.json"], undefined, "devDependencies are not in the launch layer");
      assert.equal(launch.files["env.launch/PATH.prepend"], join(b.dir, "layers/paketo-buildpacks_npm-install/launch-modules/node_modules/.bin"));
      assert.equal(await modulesLink(join(b.dir, "workspace")), join(b.dir, "layers/paketo-buildpacks_npm-install/launch-modules/node_modules"));
      assert.equal(await readlink(join(b.dir, "workspace/node_modules")), "../layers/paketo-buildpacks_npm-install/launch-modules/node_modules", "relative: right in the image whatever path the build saw");
      assert.equal(b.layers["build-modules"], undefined);
      assert.deepEqual(b.layers.npm?.types, { launch: false, build: true, cache: true });
      assert.ok(b.layers.npm?.executables.includes("bin/npm"));
      assert.deepEqual(b.layers["npm-cache"]?.types, { launch: false, build: false, cache: true });
      const cdx = JSON.parse(b.files["launch-modules.sbom.cdx.json"]!) as { components: { purl: string; hashes?: { alg: string }[]; licenses?: unknown[] }[] };
      assert.deepEqual(
        cdx.components.map((c) => c.purl),
        ["pkg:npm/is-number@7.0.0"],
      );
      assert.equal(cdx.components[0]!.hashes?.[0]?.alg, "SHA-512");
      assert.ok(b.files["launch-modules.sbom.spdx.json"]?.includes('"SPDXID"'));
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });

  test("a kept launch-modules tree keeps its SBOM (recorded with what it was made from); a changed or missing SBOM file or another package.json makes it again", async () => {
    const app = { "package.json": appPackageJson(), "package-lock.json": await npmLockfile() };
    const env = await buildEnv();
    const first = await runBuild(bp, { buildpackToml: toml, app, env, plan: launchOnly, layers: { npm: await npmLayer() }, keep: true });
    try {
      assert.equal(first.outcome, "success", first.stderr + first.stdout);
      const launch = first.layers["launch-modules"]!;
      assert.match(String(launch.metadata.sbom), /^[0-9a-f]{64}:[0-9a-f]{64}$/, "the SBOM's inputs and digest are recorded");
      const sbom = { "cdx.json": first.files["launch-modules.sbom.cdx.json"]!, "spdx.json": first.files["launch-modules.sbom.spdx.json"]! };
      const again = (files: Record<string, string>, appFiles = app) =>
        runBuild(bp, { buildpackToml: toml, app: appFiles, env, plan: launchOnly, layers: { "launch-modules": { metadata: launch.metadata, files: launch.files, sbom: files }, npm: restorable(first, "npm") } });

      const kept = await again(sbom);
      assert.equal(kept.outcome, "success", kept.stderr + kept.stdout);
      assert.match(kept.stdout, /Keeping the SBOM of .*launch-modules \(its tree is unchanged\)/);
      assert.doesNotMatch(kept.stdout, /Generating SBOM/);
      assert.equal(kept.files["launch-modules.sbom.cdx.json"], sbom["cdx.json"]);

      const damaged = await again({ ...sbom, "cdx.json": sbom["cdx.json"].replace("is-number", "is-numbr") });
      assert.match(damaged.stdout, /Generating SBOM for .*launch-modules \(1 packages\)/, "a restored SBOM that is not the recorded one is made again");
      assert.equal(damaged.files["launch-modules.sbom.cdx.json"], sbom["cdx.json"]);

      const missing = await again({ "cdx.json": sbom["cdx.json"] });
      assert.match(missing.stdout, /Generating SBOM/);
      assert.ok(missing.files["launch-modules.sbom.spdx.json"]);

      // package.json is part of the SBOM (the app's component): another description makes it again
      const pj = JSON.parse(app["package.json"]) as Record<string, unknown>;
      const described = await again(sbom, { ...app, "package.json": JSON.stringify({ ...pj, description: "another" }) });
      assert.equal(described.outcome, "success", described.stderr + described.stdout);
      assert.match(described.stdout, /Generating SBOM/);
    } finally {
      await rm(first.dir, { recursive: true, force: true });
    }
  });

  test("needed at build: devDependencies in build-modules (a build mount of the project's node_modules), pruned from launch-modules; a second build reuses both without installing", async (t) => {
    const app = { "package.json": appPackageJson(), "package-lock.json": await npmLockfile() };
    const env = await buildEnv();
    const first = await runBuild(bp, { buildpackToml: toml, app, env, plan: withBuild, layers: { npm: await npmLayer() }, keep: true });
    try {
      assert.equal(first.outcome, "success", first.stderr + first.stdout);
      const layers = join(first.dir, "layers/paketo-buildpacks_npm-install");
      const build = first.layers["build-modules"];
      const launch = first.layers["launch-modules"];
      assert.ok(build && launch);
      assert.deepEqual(build.types, { launch: false, build: true, cache: true });
      assert.ok(build.files["node_modules/ms/package.json"] && build.files["node_modules/is-number/package.json"]);
      assert.ok(launch.files["node_modules/is-number/package.json"]);
      assert.equal(launch.files["node_modules/ms/package.json"], undefined);
      assert.match(first.stdout, /Running 'npm ci --include=dev'/);
      assert.match(first.stdout, /Running 'npm prune --omit=dev'/);
      // The project links to what the image gets; build tools get the full tree mounted there, and
      // the tools' caches inside it from their own cache layer.
      assert.equal(await modulesLink(join(first.dir, "workspace")), join(layers, "launch-modules/node_modules"));
      const nm = join(first.dir, "workspace/node_modules");
      assert.equal(
        build.files["env.build/PAKETO_BUILD_MOUNTS.override"],
        [`${nm}=${join(layers, "build-modules/node_modules")}`, ...[".cache", ".vite", ".vite-temp", ".astro"].map((d) => `${nm}/${d}=${join(layers, "tool-caches", d.slice(1))}`)].join(":"),
      );
      assert.equal(build.files["env.build/PAKETO_NODE_MODULES_LAUNCH.override"], undefined);
      assert.deepEqual(first.layers["tool-caches"]?.types, { launch: false, build: false, cache: true });

      const started = Date.now();
      const second = await runBuild(bp, {
        buildpackToml: toml,
        app,
        env,
        plan: withBuild,
        layers: {
          "build-modules": { metadata: build.metadata, files: build.files },
          "launch-modules": { metadata: launch.metadata, files: launch.files },
          npm: restorable(first, "npm"),
        },
      });
      const took = Date.now() - started;
      assert.equal(second.outcome, "success", second.stderr + second.stdout);
      assert.doesNotMatch(second.stdout, /Running 'npm/, "no install at all");
      assert.doesNotMatch(second.stdout, /Installing npm/);
      assert.equal(second.stdout.match(/Reusing cached layer/g)?.length, 3);
      assert.ok(second.layers["launch-modules"]?.files["node_modules/is-number/package.json"]);
      t.diagnostic(`the build that reused every layer took ${took} ms (harness included)`);

      // The same dependencies in a lockfile with other bytes: installs again.
      const changed = await runBuild(bp, {
        buildpackToml: toml,
        app: { ...app, "package-lock.json": JSON.stringify(JSON.parse(app["package-lock.json"])) },
        env,
        plan: launchOnly,
        layers: { "launch-modules": { metadata: launch.metadata, files: launch.files }, npm: await npmLayer() },
      });
      assert.equal(changed.outcome, "success", changed.stderr + changed.stdout);
      assert.match(changed.stdout, /Running 'npm ci --omit=dev'/);
    } finally {
      await rm(first.dir, { recursive: true, force: true });
    }
  });

  test("needed at build only (a front-end a web server serves): the full tree in build-modules, nothing for launch, no SBOM", async () => {
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: { "package.json": appPackageJson(), "package-lock.json": await npmLockfile() },
      env: await buildEnv(),
      plan: [{ name: "node_modules", metadata: { build: true } }],
      layers: { npm: await npmLayer() },
      keep: true,
    });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      const build = b.layers["build-modules"];
      assert.ok(build);
      assert.deepEqual(build.types, { launch: false, build: true, cache: true });
      assert.ok(build.files["node_modules/ms/package.json"] && build.files["node_modules/is-number/package.json"]);
      assert.equal(b.layers["launch-modules"], undefined);
      // Build tools get the tree as a build mount; the app never links to it, so the image has no node_modules.
      assert.match(build.files["env.build/PAKETO_BUILD_MOUNTS.override"] ?? "", /\/node_modules=.*build-modules\/node_modules/);
      assert.equal(build.files["env.build/PAKETO_NODE_MODULES_LAUNCH.override"], undefined);
      await assert.rejects(lstat(join(b.dir, "workspace/node_modules")), /ENOENT/);
      assert.equal(b.files["launch-modules.sbom.cdx.json"], undefined);
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });

  test("without a lockfile: npm install, and never reused", async () => {
    const env = await buildEnv();
    const b = await runBuild(bp, { buildpackToml: toml, app: { "package.json": appPackageJson() }, env, plan: launchOnly, layers: { npm: await npmLayer() } });
    assert.equal(b.outcome, "success", b.stderr + b.stdout);
    assert.match(b.stdout, /Selected npm build process: 'npm install' \(no lockfile\)/);
    assert.match(b.stdout, /Running 'npm install --omit=dev'/);
    const launch = b.layers["launch-modules"]!;
    assert.ok(launch.files["node_modules/is-number/package.json"]);
    const again = await runBuild(bp, { buildpackToml: toml, app: { "package.json": appPackageJson() }, env, plan: launchOnly, layers: { "launch-modules": { metadata: launch.metadata, files: launch.files }, npm: await npmLayer() } });
    assert.equal(again.outcome, "success", again.stderr);
    assert.match(again.stdout, /Running 'npm install --omit=dev'/);
  });

  test("one layer for build and launch (no devDependencies): node_modules/.cache is a tool-caches mount, unless BP_KEEP_NODE_BUILD_CACHE=true", async () => {
    const app = { "package.json": appPackageJson({ devDependencies: {} }) };
    for (const keep of [false, true]) {
      const env = { ...(await buildEnv()), ...(keep ? { BP_KEEP_NODE_BUILD_CACHE: "true" } : {}) };
      const b = await runBuild(bp, { buildpackToml: toml, app, env, plan: withBuild, layers: { npm: await npmLayer() } });
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      const launch = b.layers["launch-modules"]!;
      assert.deepEqual(launch.types, { build: true, launch: true, cache: true });
      const mounts = launch.files["env.build/PAKETO_BUILD_MOUNTS.override"] ?? "";
      assert.match(mounts, /\/node_modules\/\.vite=/);
      assert.equal(/\/node_modules\/\.cache=/.test(mounts), !keep, mounts);
    }
  });

  test("a changed lockfile updates the restored tree (npm install --no-save) into the very layer npm ci gives; other inputs, or a tree that is not the lockfile's, install afresh", async () => {
    const env = await buildEnv();
    const npm = await npmLayer();
    // B: ms moves from devDependencies to dependencies, so the production tree gains a package.
    const lockA = await npmLockfile();
    const lockB = JSON.parse(lockA) as { packages: Record<string, Record<string, unknown>> };
    lockB.packages[""] = { name: "fixture-app", version: "1.0.0", dependencies: { "is-number": "7.0.0", ms: "2.1.3" } };
    delete lockB.packages["node_modules/ms"]!.dev;
    const appB = {
      "package.json": `${JSON.stringify({ name: "fixture-app", version: "1.0.0", private: true, dependencies: { "is-number": "7.0.0", ms: "2.1.3" } }, null, 2)}\n`,
      "package-lock.json": `${JSON.stringify(lockB, null, 2)}\n`,
    };
    const modules = (files: Record<string, string>) => Object.fromEntries(Object.entries(files).filter(([k]) => k.startsWith("node_modules/")));

    const first = await runBuild(bp, { buildpackToml: toml, app: { "package.json": appPackageJson(), "package-lock.json": lockA }, env, plan: launchOnly, layers: { npm } });
    assert.equal(first.outcome, "success", first.stderr + first.stdout);
    const previous = restorable(first, "launch-modules");
    assert.equal(previous.files["node_modules/ms/package.json"], undefined);

    const [updated, fresh, otherConfig, outOfSync] = await Promise.all([
      runBuild(bp, { buildpackToml: toml, app: appB, env, plan: launchOnly, layers: { npm, "launch-modules": previous } }),
      runBuild(bp, { buildpackToml: toml, app: appB, env, plan: launchOnly, layers: { npm } }),
      // Any other input of the install (here an npm setting in the env): no update.
      runBuild(bp, { buildpackToml: toml, app: appB, env: { ...env, npm_config_loglevel: "warn" }, plan: launchOnly, layers: { npm, "launch-modules": previous } }),
      // package.json wants the devDependency ms@2.1.2, the lockfile (A's) has 2.1.3: a production
      // `npm install --no-save` would not notice; the check does, npm ci runs and refuses the lockfile.
      runBuild(bp, {
        buildpackToml: toml,
        app: { "package.json": appPackageJson({ devDependencies: { ms: "2.1.2" } }), "package-lock.json": lockA },
        env,
        plan: launchOnly,
        layers: { npm, "launch-modules": previous },
      }),
    ]);
    assert.equal(updated.outcome, "success", updated.stderr + updated.stdout);
    assert.match(updated.stdout, /Running 'npm ci --dry-run'\n[\s\S]*Running 'npm install --no-save --omit=dev'/);
    assert.doesNotMatch(updated.stdout, /Running 'npm ci --omit=dev'/);
    assert.equal(fresh.outcome, "success", fresh.stderr + fresh.stdout);
    assert.match(fresh.stdout, /Running 'npm ci --omit=dev'/);
    const got = updated.layers["launch-modules"];
    const want = fresh.layers["launch-modules"];
    assert.ok(got && want && want.files["node_modules/ms/package.json"]);
    assert.deepEqual(modules(got.files), modules(want.files), "the updated tree is file for file the fresh one, npm's record of it included");
    assert.deepEqual(got.metadata, want.metadata);

    assert.equal(otherConfig.outcome, "success", otherConfig.stderr + otherConfig.stdout);
    assert.match(otherConfig.stdout, /Running 'npm ci --omit=dev'/);
    assert.doesNotMatch(otherConfig.stdout, /npm install --no-save/);

    assert.equal(outOfSync.outcome, "error", outOfSync.stdout);
    assert.match(outOfSync.stdout, /Running 'npm ci --dry-run'\n[\s\S]*No update in place \(package-lock\.json: out of sync[^)]*\): installing afresh/);
    assert.doesNotMatch(outOfSync.stdout, /npm install --no-save/);
    assert.match(outOfSync.stderr, /package-lock\.json: out of sync with package\.json/);
  });

  test("a lockfile out of sync with package.json: one error naming package-lock.json and npm's cause", async () => {
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: { "package.json": appPackageJson({ devDependencies: { ms: "2.1.2" } }), "package-lock.json": await npmLockfile() },
      env: await buildEnv(),
      plan: launchOnly,
      layers: { npm: await npmLayer() },
    });
    assert.equal(b.outcome, "error");
    assert.match(b.stderr, /^ERROR: package-lock\.json: out of sync with package\.json: Invalid: lock file's ms@2\.1\.3 does not satisfy ms@2\.1\.2\n {2}hint: run 'npm install' in the app and commit package-lock\.json\n$/);
  });

  test("a broken lockfile in BP_NODE_PROJECT_PATH: one error naming it", async () => {
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: { "api/package.json": appPackageJson(), "api/package-lock.json": '{"lockfileVersion": 3,' },
      env: await buildEnv({ BP_NODE_PROJECT_PATH: "api" }),
      plan: launchOnly,
    });
    assert.equal(b.outcome, "error");
    assert.match(b.stderr, /^ERROR: api\/package-lock\.json is broken: not valid JSON \(/);
  });

  test("BP_NODE_PROJECT_PATH: installs and links in the subproject", async () => {
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: { "README.md": "", "services/api/package.json": appPackageJson(), "services/api/package-lock.json": await npmLockfile() },
      env: await buildEnv({ BP_NODE_PROJECT_PATH: "services/api" }),
      plan: launchOnly,
      layers: { npm: await npmLayer() },
      keep: true,
    });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.equal(await modulesLink(join(b.dir, "workspace/services/api")), join(b.dir, "layers/paketo-buildpacks_npm-install/launch-modules/node_modules"));
      assert.equal(await lstat(join(b.dir, "workspace/node_modules")).catch(() => "none"), "none");
      const required = await readFile(join(b.dir, "workspace/services/api/node_modules/is-number/package.json"), "utf8");
      assert.match(required, /"version": "7\.0\.0"/);
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });

  test("npm workspaces: links to members still resolve once node_modules is in the layer", async () => {
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: {
        "package.json": JSON.stringify({ name: "mono", private: true, workspaces: ["packages/*"] }),
        "packages/lib/package.json": JSON.stringify({ name: "lib", version: "1.0.0", main: "index.js", dependencies: { "is-number": "7.0.0" } }),
        "packages/lib/index.js": "module.exports = require('is-number')(5);\n",
      },
      env: await buildEnv(),
      plan: launchOnly,
      layers: { npm: await npmLayer() },
      keep: true,
    });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      const link = join(b.dir, "layers/paketo-buildpacks_npm-install/launch-modules/node_modules/lib");
      assert.equal(await readlink(link), join(b.dir, "workspace/packages/lib"));
      assert.equal(await readFile(join(b.dir, "workspace/node_modules/lib/index.js"), "utf8"), "module.exports = require('is-number')(5);\n");
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });

  test("the npm the Node.js release ships with (node-engine's PAKETO_NODE_NPM_VERSION) runs dependencies' install scripts", async () => {
    const b = await runBuild(bp, {
      buildpackToml: toml,
      app: {
        "package.json": JSON.stringify({ name: "app", version: "1.0.0", dependencies: { dep: "file:dep-1.0.0.tgz" } }),
        "dep-1.0.0.tgz": await scriptedPackage("dep", "require('fs').writeFileSync('built.txt', 'built by ' + process.env.npm_lifecycle_event)"),
      },
      env: await buildEnv({ PAKETO_NODE_NPM_VERSION: "10.9.2" }),
      plan: launchOnly,
    });
    assert.equal(b.outcome, "success", b.stderr + b.stdout);
    assert.match(b.stdout, /Installing npm 10\.9\.2 \(the npm Node\.js \S+ ships with\)/);
    assert.equal(b.layers["launch-modules"]?.files["node_modules/dep/built.txt"], "built by install");
  });

  describe("npm 12 (install scripts need allowScripts): they run unless the app chose a policy", { concurrency: true }, () => {
    const npm12 = once(async () => {
      const b = await runBuild(bp, { buildpackToml: toml, app: { "package.json": "{}" }, env: await buildEnv({ BP_NPM_VERSION: "12.2.3" }), plan: launchOnly });
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      return restorable(b, "npm");
    });
    const build = async (extra: Record<string, string>, pkg: Record<string, unknown> = {}, script = "require('fs').writeFileSync('built.txt', 'built')") =>
      runBuild(bp, {
        buildpackToml: toml,
        app: {
          "package.json": JSON.stringify({ name: "app", version: "1.0.0", dependencies: { dep: "file:dep-1.0.0.tgz" }, ...pkg }),
          "dep-1.0.0.tgz": await scriptedPackage("dep", script),
          ...extra,
        },
        env: await buildEnv({ BP_NPM_VERSION: "12.2.3" }),
        plan: launchOnly,
        layers: { npm: await npm12() },
      });

    test("by default every dependency's install script runs", async () => {
      const b = await build({});
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.match(b.stdout, /npm 12\.2\.3 runs every dependency's install scripts, as earlier npm does/);
      assert.equal(b.layers["launch-modules"]?.files["node_modules/dep/built.txt"], "built");
      assert.doesNotMatch(b.stdout, /install scripts blocked/);
    });

    test("package.json allowScripts and .npmrc ignore-scripts are the app's own choice", async () => {
      const denied = await build({}, { allowScripts: { dep: false } });
      assert.equal(denied.outcome, "success", denied.stderr + denied.stdout);
      assert.match(denied.stdout, /package\.json "allowScripts" decides which dependencies' install scripts run/);
      assert.equal(denied.layers["launch-modules"]?.files["node_modules/dep/built.txt"], undefined);
      const ignored = await build({ ".npmrc": "ignore-scripts=true\n" });
      assert.equal(ignored.outcome, "success", ignored.stderr + ignored.stdout);
      assert.match(ignored.stdout, /\.npmrc "ignore-scripts" decides/);
      assert.equal(ignored.layers["launch-modules"]?.files["node_modules/dep/built.txt"], undefined);
    });

    test("a failing install script fails the build, naming the dependency, with its output", async () => {
      const b = await build({}, {}, "console.error('dep: cannot find foo.h'); process.exit(3)");
      assert.equal(b.outcome, "error");
      assert.match(b.stderr, /^ERROR: the install script of dependency dep failed: 'npm install --omit=dev' in the app exited with status 3; its last output:\n/);
      assert.match(b.stderr, /dep: cannot find foo\.h/);
    });
  });
});

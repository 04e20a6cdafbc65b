// node-run-script after a real npm-install build: scripts see devDependencies, the image keeps
// only production modules; a failing script is one error with its name and last output lines.
import assert from "node:assert/strict";
import { lstat, readFile, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { npmInstall } from "../npm-install/buildpack.js";
import { appPackageJson, buildEnv, buildpackToml, modulesLink, npmLockfile } from "../node-common/testing/index.js";
import { nodeRunScript, runScripts } from "./buildpack.js";

const toml = buildpackToml("node-run-script");
const bp = nodeRunScript();

test("runScripts splits BP_NODE_RUN_SCRIPTS on commas", () => {
  assert.deepEqual(runScripts({ BP_NODE_RUN_SCRIPTS: " lint, build ,," }), ["lint", "build"]);
  assert.deepEqual(runScripts({}), []);
});

describe("node-run-script detect", { concurrency: true }, () => {
  const app = (extra: Record<string, string> = {}) => ({ "package.json": JSON.stringify({ scripts: { build: "tsc", lint: "eslint ." } }), ...extra });
  test("requires node, node_modules and the app's package manager at build time, node and node_modules at launch too unless a web server serves the output", async () => {
    const d = await runDetect(bp, { buildpackToml: toml, app: app({ "yarn.lock": "" }), env: { BP_NODE_RUN_SCRIPTS: "build" } });
    assert.ok(d.outcome === "pass", d.stderr);
    assert.deepEqual(d.plan.provides, []);
    assert.deepEqual(
      d.plan.requires.map((r) => [r.name, r.metadata]),
      [
        ["node", { build: true, launch: true }],
        ["yarn", { build: true }],
        ["node_modules", { build: true, launch: true }],
      ],
    );
    for (const served of [{ env: { BP_WEB_SERVER: "nginx" } }, { app: { "nginx.conf": "" } }]) {
      const w = await runDetect(bp, { buildpackToml: toml, app: app(served.app), env: { BP_NODE_RUN_SCRIPTS: "build", ...served.env } });
      assert.ok(w.outcome === "pass", w.stderr);
      assert.deepEqual(w.plan.requires.find((r) => r.name === "node_modules")?.metadata, { build: true });
    }
    const npm = await runDetect(bp, { buildpackToml: toml, app: app(), env: { BP_NODE_RUN_SCRIPTS: "lint,build" } });
    assert.ok(npm.outcome === "pass");
    assert.equal(npm.plan.requires[1]?.name, "npm");
  });

  test("a framework app runs its build script without BP_NODE_RUN_SCRIPTS; a self-contained output needs no node_modules at launch; a static one runs only for a web server", async () => {
    const pkg = (deps: Record<string, string>, scripts: Record<string, string> = { build: "x" }) => JSON.stringify({ dependencies: deps, scripts });
    const next = await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({ next: "16.0.0" }) } });
    assert.ok(next.outcome === "pass", next.stderr);
    assert.deepEqual(next.plan.requires.find((r) => r.name === "node_modules")?.metadata, { build: true, launch: true });
    const nuxt = await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({ nuxt: "4.0.0" }) } });
    assert.ok(nuxt.outcome === "pass", nuxt.stderr);
    assert.deepEqual(nuxt.plan.requires.find((r) => r.name === "node_modules")?.metadata, { build: true });
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({ next: "16.0.0" }, {}) } })).outcome, "fail", "no build script");
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "package.json": pkg({ next: "16.0.0" }) }, env: { BP_NODE_FRAMEWORK: "none" } })).outcome, "fail");
    const vite = { "package.json": pkg({ vite: "8.0.0" }, { build: "vite build" }) };
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: vite })).outcome, "fail");
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: vite, env: { BP_WEB_SERVER: "nginx" } })).outcome, "pass");
  });

  test("does not apply without BP_NODE_RUN_SCRIPTS; a script package.json lacks is one error naming both", async () => {
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: app() })).outcome, "fail");
    const d = await runDetect(bp, { buildpackToml: toml, app: app(), env: { BP_NODE_RUN_SCRIPTS: "build,test" } });
    assert.equal(d.outcome, "error");
    assert.match(d.stderr, /^ERROR: BP_NODE_RUN_SCRIPTS names "test", which package\.json does not define in "scripts"\n {2}hint: its scripts are: build, lint\n$/);
  });
});

/**
 * npm-install as the lifecycle would run it before: its layers kept, its build env handed on.
 * `launch`: something needs node_modules at launch (else: a front-end for a web server).
 */
async function installed(app: Record<string, string>, launch = true) {
  const env = await buildEnv();
  const plan = [{ name: "node_modules", metadata: { build: true } }, ...(launch ? [{ name: "node_modules", metadata: { launch: true } }] : [])];
  const b = await runBuild(npmInstall(), { buildpackToml: buildpackToml("npm-install"), app, env, plan, keep: true });
  assert.equal(b.outcome, "success", b.stderr + b.stdout);
  const layers = join(b.dir, "layers/paketo-buildpacks_npm-install");
  const buildEnvOf = {
    ...env,
    PATH: `${join(layers, "build-modules/node_modules/.bin")}:${join(layers, "npm/bin")}:${env.PATH}`,
    PAKETO_BUILD_MOUNTS: b.layers["build-modules"]!.files["env.build/PAKETO_BUILD_MOUNTS.override"]!,
  };
  return { dir: b.dir, layers, env: buildEnvOf };
}

describe("node-run-script build", { concurrency: true }, () => {
  test("runs the scripts with devDependencies in a real node_modules folder (a copy, where the platform does not mount it); then the project links to the production layer", async () => {
    const app = {
      "package.json": appPackageJson({ scripts: { build: "node build.js", stamp: "node -e \"require('fs').appendFileSync('out.txt', 'stamped\\n')\"" } }),
      "package-lock.json": await npmLockfile(),
      // What a bundler checks: node_modules is a folder of the project, not a link out of it.
      "build.js":
        "const fs = require('fs'); if (fs.lstatSync('node_modules').isSymbolicLink()) throw new Error('node_modules is a symlink');\n" +
        "fs.writeFileSync('node_modules/.cache/tool.json', '{}');\n" +
        "fs.writeFileSync('out.txt', String(require('ms')('1s')) + '\\n');\n",
    };
    const install = await installed(app);
    try {
      const b = await runBuild(bp, { buildpackToml: toml, after: install.dir, env: { ...install.env, BP_NODE_RUN_SCRIPTS: "build,stamp" }, plan: [{ name: "node_modules", metadata: { build: true } }], keep: true });
      try {
        assert.equal(b.outcome, "success", b.stderr + b.stdout);
        assert.match(b.stdout, /^Paketo Buildpack for Node Run Script 0\.1\.0\n {2}Copied .*build-modules\/node_modules to .*workspace\/node_modules for the build \(\d+\.\ds\): this platform does not mount it there\n {2}Running 'npm run build'\n/);
        // What the tool cached is in the tools' cache layer, not in a node_modules layer.
        assert.equal(await readFile(join(install.layers, "tool-caches/cache/tool.json"), "utf8"), "{}");
        assert.deepEqual(await readdir(join(install.layers, "build-modules/node_modules/.cache")), []);
        assert.match(b.stdout, /Running 'npm run stamp'/);
        assert.equal(await readFile(join(b.dir, "workspace/out.txt"), "utf8"), "1000\nstamped\n");
        assert.equal(await modulesLink(join(b.dir, "workspace")), join(install.layers, "launch-modules/node_modules"));
        await assert.rejects(readFile(join(b.dir, "workspace/node_modules/ms/package.json")), /ENOENT/, "no devDependencies in the image");
        assert.ok(await readFile(join(b.dir, "workspace/node_modules/is-number/package.json")));
      } finally {
        await rm(b.dir, { recursive: true, force: true });
      }
    } finally {
      await rm(install.dir, { recursive: true, force: true });
    }
  });

  test("a failing script: one error naming the script, with its last output lines", async () => {
    const app = {
      "package.json": appPackageJson({ scripts: { build: "node -e \"console.log('compiling src/index.ts'); console.error('src/index.ts(3,7): error TS2322: not a number'); process.exit(2)\"" } }),
      "package-lock.json": await npmLockfile(),
    };
    const install = await installed(app);
    try {
      const b = await runBuild(bp, { buildpackToml: toml, after: install.dir, env: { ...install.env, BP_NODE_RUN_SCRIPTS: "build" } });
      assert.equal(b.outcome, "error");
      assert.match(b.stderr, /^ERROR: package\.json script "build" failed: 'npm run build' exited with status 2; its last output:\n/);
      assert.match(b.stderr, /\n {4}compiling src\/index\.ts\n(.*\n)* {4}src\/index\.ts\(3,7\): error TS2322: not a number\n/);
      assert.match(b.stderr, /hint: the script is: node -e/);
    } finally {
      await rm(install.dir, { recursive: true, force: true });
    }
  });

  test("a front-end nothing runs at launch: no node_modules in the app before or after the scripts", async () => {
    const app = {
      "package.json": appPackageJson({ scripts: { build: "node build.js" } }),
      "package-lock.json": await npmLockfile(),
      "build.js": "require('fs').mkdirSync('dist'); require('fs').writeFileSync('dist/index.html', String(require('ms')('1s')));\n",
    };
    const install = await installed(app, false);
    try {
      await assert.rejects(lstat(join(install.dir, "workspace/node_modules")), /ENOENT/);
      const b = await runBuild(bp, { buildpackToml: toml, after: install.dir, env: { ...install.env, BP_NODE_RUN_SCRIPTS: "build" }, plan: [{ name: "node_modules", metadata: { build: true } }], keep: true });
      try {
        assert.equal(b.outcome, "success", b.stderr + b.stdout);
        assert.equal(await readFile(join(b.dir, "workspace/dist/index.html"), "utf8"), "1000");
        await assert.rejects(lstat(join(b.dir, "workspace/node_modules")), /ENOENT/);
      } finally {
        await rm(b.dir, { recursive: true, force: true });
      }
    } finally {
      await rm(install.dir, { recursive: true, force: true });
    }
  });

  test("a framework's build cache (.next/cache) lives in a cache layer: linked for the build, reused by the next one, never in the app", async () => {
    const app = {
      "package.json": appPackageJson({ scripts: { build: "node build.js" } }),
      "package-lock.json": await npmLockfile(),
      "build.js": "const fs = require('fs'); const seen = fs.existsSync('.next/cache/entry') ? fs.readFileSync('.next/cache/entry', 'utf8') : 'none'; fs.writeFileSync('.next/cache/entry', 'from build ' + process.env.N); fs.writeFileSync('.next/BUILD_ID', 'x'); console.log('cache had: ' + seen + ', telemetry ' + process.env.NEXT_TELEMETRY_DISABLED);\n",
    };
    const install = await installed(app);
    try {
      const env = { ...install.env, BP_NODE_FRAMEWORK: "next" };
      const first = await runBuild(bp, { buildpackToml: toml, after: install.dir, env: { ...env, N: "1" }, plan: [{ name: "node_modules", metadata: { build: true } }], keep: true });
      try {
        assert.equal(first.outcome, "success", first.stderr + first.stdout);
        assert.match(first.stdout, /Framework: Next\.js \(BP_NODE_FRAMEWORK=next\): its own Node\.js server/);
        assert.match(first.stdout, /Running the build script: Next\.js builds with it/);
        assert.match(first.stdout, /Keeping \.next\/cache in the cache layer next-cache for the next build/);
        assert.match(first.stdout, /cache had: none, telemetry 1/);
        const layer = first.layers["next-cache"];
        assert.deepEqual(layer?.types, { launch: false, build: false, cache: true });
        assert.equal(layer?.files.entry, "from build 1");
        await assert.rejects(lstat(join(first.dir, "workspace/.next/cache")), /ENOENT/, "the cache is not in the app");
        assert.equal(await readFile(join(first.dir, "workspace/.next/BUILD_ID"), "utf8"), "x");

        const second = await runBuild(bp, {
          buildpackToml: toml,
          after: install.dir,
          env: { ...env, N: "2" },
          plan: [{ name: "node_modules", metadata: { build: true } }],
          layers: { "next-cache": { metadata: {}, files: layer!.files } },
        });
        assert.equal(second.outcome, "success", second.stderr + second.stdout);
        assert.match(second.stdout, /Reusing \.next\/cache from the previous build \(cache layer next-cache\)/);
        assert.match(second.stdout, /cache had: from build 1,/);
        assert.equal(second.layers["next-cache"]?.files.entry, "from build 2");
      } finally {
        await rm(first.dir, { recursive: true, force: true });
      }
    } finally {
      await rm(install.dir, { recursive: true, force: true });
    }
  });
});

// node-run-script after a real npm-install build: scripts see devDependencies, the image keeps
// only production modules; a failing script is one error with its name and last output lines.
import assert from "node:assert/strict";
import { lstat, readFile, rm } from "node:fs/promises";
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
  test("requires node, node_modules and the app's package manager at build time", async () => {
    const d = await runDetect(bp, { buildpackToml: toml, app: app({ "yarn.lock": "" }), env: { BP_NODE_RUN_SCRIPTS: "build" } });
    assert.ok(d.outcome === "pass", d.stderr);
    assert.deepEqual(d.plan.provides, []);
    assert.deepEqual(
      d.plan.requires.map((r) => [r.name, r.metadata]),
      [
        ["node", { build: true }],
        ["yarn", { build: true }],
        ["node_modules", { build: true }],
      ],
    );
    const npm = await runDetect(bp, { buildpackToml: toml, app: app(), env: { BP_NODE_RUN_SCRIPTS: "lint,build" } });
    assert.ok(npm.outcome === "pass");
    assert.equal(npm.plan.requires[1]?.name, "npm");
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
 * `launch`: a start buildpack also needs node_modules at launch (else: a front-end for a web server).
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
    PAKETO_NODE_MODULES_LAUNCH: b.layers["build-modules"]!.files["env.build/PAKETO_NODE_MODULES_LAUNCH.override"]!,
  };
  return { dir: b.dir, layers, env: buildEnvOf };
}

describe("node-run-script build", { concurrency: true }, () => {
  test("runs the scripts with devDependencies present, then points node_modules at the production layer", async () => {
    const app = {
      "package.json": appPackageJson({ scripts: { build: "node build.js", stamp: "node -e \"require('fs').appendFileSync('out.txt', 'stamped\\n')\"" } }),
      "package-lock.json": await npmLockfile(),
      "build.js": "require('fs').writeFileSync('out.txt', String(require('ms')('1s')) + '\\n');\n",
    };
    const install = await installed(app);
    try {
      const b = await runBuild(bp, { buildpackToml: toml, app: join(install.dir, "workspace"), env: { ...install.env, BP_NODE_RUN_SCRIPTS: "build,stamp" }, plan: [{ name: "node_modules", metadata: { build: true } }], keep: true });
      try {
        assert.equal(b.outcome, "success", b.stderr + b.stdout);
        assert.match(b.stdout, /^Paketo Buildpack for Node Run Script 0\.1\.0\n {2}Running 'npm run build'\n/);
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

  test("a front-end nothing runs at launch: after the scripts node_modules is gone from the app", async () => {
    const app = {
      "package.json": appPackageJson({ scripts: { build: "node build.js" } }),
      "package-lock.json": await npmLockfile(),
      "build.js": "require('fs').mkdirSync('dist'); require('fs').writeFileSync('dist/index.html', String(require('ms')('1s')));\n",
    };
    const install = await installed(app, false);
    try {
      assert.equal(install.env.PAKETO_NODE_MODULES_LAUNCH, "");
      const b = await runBuild(bp, { buildpackToml: toml, app: join(install.dir, "workspace"), env: { ...install.env, BP_NODE_RUN_SCRIPTS: "build" }, plan: [{ name: "node_modules", metadata: { build: true } }], keep: true });
      try {
        assert.equal(b.outcome, "success", b.stderr + b.stdout);
        assert.equal(await readFile(join(b.dir, "workspace/dist/index.html"), "utf8"), "1000");
        await assert.rejects(lstat(join(b.dir, "workspace/node_modules")), /ENOENT/);
        assert.match(b.stdout, /Removing node_modules from the app: nothing needs it at launch/);
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
      const b = await runBuild(bp, { buildpackToml: toml, app: join(install.dir, "workspace"), env: { ...install.env, BP_NODE_RUN_SCRIPTS: "build" } });
      assert.equal(b.outcome, "error");
      assert.match(b.stderr, /^ERROR: package\.json script "build" failed: 'npm run build' exited with status 2; its last output:\n/);
      assert.match(b.stderr, /\n {4}compiling src\/index\.ts\n(.*\n)* {4}src\/index\.ts\(3,7\): error TS2322: not a number\n/);
      assert.match(b.stderr, /hint: the script is: node -e/);
    } finally {
      await rm(install.dir, { recursive: true, force: true });
    }
  });
});

// The bundled node-engine (dist/bundled-buildpacks, what builders carry) run the way any CNB
// platform runs bin/build, with nothing configured: no npm_config_registry, no npmrc, no npm on
// PATH. It must reach the registry npm itself would use (built into the bundle when it was made).
// Needs the network (the registry's node-linux-* metadata; the tarball may come from the cache).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { npm } from "../../deps/index.js";
import { tempDir } from "../../testing/index.js";

const bundle = fileURLToPath(new URL("../../bundled-buildpacks/node-engine/", import.meta.url));

test("the bundle knows npm's default registry, read from npm's configuration when it was made", async () => {
  const expected = await npm.npmBuiltInRegistry();
  assert.ok(expected, "npm names its default registry");
  assert.equal(readFileSync(join(bundle, "../npm-default-registry"), "utf8").trim(), expected);
  assert.ok(readFileSync(join(bundle, "bin/main.mjs"), "utf8").includes(JSON.stringify(expected)), "the bundle carries it");
});

test("bin/build with nothing configured installs Node.js from npm's default registry", async (t) => {
  const dir = tempDir();
  t.after(dir.cleanup);
  const [app, layers, platform, bin, home] = ["app", "layers", "platform", "bin", "home"].map((d) => join(dir.path, d)) as [string, string, string, string, string];
  for (const d of [app, layers, join(platform, "env"), bin, home]) mkdirSync(d, { recursive: true });
  writeFileSync(join(app, ".nvmrc"), "22\n");
  writeFileSync(join(dir.path, "plan.toml"), '[[entries]]\nname = "node"\n[entries.metadata]\nversion = "22"\nversion-source = ".nvmrc"\nlaunch = true\n');
  // node only: no npm to ask, so the bundle's own default must answer
  symlinkSync(process.execPath, join(bin, "node"));
  const run = spawnSync(join(bin, "node"), [join(bundle, "bin/build")], {
    cwd: app,
    encoding: "utf8",
    timeout: 300_000,
    env: {
      PATH: bin,
      HOME: home,
      // the machine's download cache, so that the tarball is usually not fetched again
      PAKETO_CACHE: process.env.PAKETO_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "paketo"),
      CNB_LAYERS_DIR: layers,
      CNB_PLATFORM_DIR: platform,
      CNB_BP_PLAN_PATH: join(dir.path, "plan.toml"),
      CNB_BUILDPACK_DIR: bundle,
      CNB_TARGET_OS: "linux",
      CNB_TARGET_ARCH: process.arch === "arm64" ? "arm64" : "amd64",
      ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
    },
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /Selected Node Engine version \(using \.nvmrc\): 22\.\d+\.\d+/);
  assert.ok(existsSync(join(layers, "node/bin/node")));
});

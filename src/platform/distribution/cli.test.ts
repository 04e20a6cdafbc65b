// The `paketo buildpack package` and `paketo builder create` commands, run as a user would.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { transport } from "../../oci/index.js";
import { run, startRegistry, tempDir, type TestRegistry } from "../../testing/index.js";
import { copyFixture, hostLauncher, makeBuildImage } from "./testing/helpers.js";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../../bin/paketo");

let tmp: ReturnType<typeof tempDir>;
let registry: TestRegistry;
let storeRoot: string;
let launcher: string;

function paketo(args: string[], cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: cwd ?? tmp.path,
      env: { ...process.env, PAKETO_STORE: storeRoot, PAKETO_CACHE: join(tmp.path, "cache"), DOCKER_CONFIG: join(tmp.path, "docker-config"), CC: "gcc" },
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

const DIGEST_LINE = /^sha256:[0-9a-f]{64}\n$/;

before(async () => {
  tmp = tempDir();
  registry = await startRegistry();
  storeRoot = join(tmp.path, "store");
  launcher = await hostLauncher(join(tmp.path, "launcher"), join(tmp.path, "launcher-cache"));
  const access = { storeRoot, env: { HOME: tmp.path } };
  await transport.write("tests/build:cli", { kind: "image", image: await makeBuildImage(join(tmp.path, "bi")) }, access);
  copyFixture("hello", join(tmp.path, "bps/hello"));
  copyFixture("world", join(tmp.path, "bps/world"));
  copyFixture("meta", join(tmp.path, "bps/meta"));
});
after(async () => {
  await registry?.stop();
  tmp?.cleanup();
});

test("paketo buildpack package DEST --path DIR prints the digest; the same folder twice gives the same digest", async () => {
  const a = await paketo(["buildpack", "package", "tests/hello:cli", "--path", "bps/hello"]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, DIGEST_LINE);
  const b = await paketo(["buildpack", "package", `docker://${registry.host}/tests/hello:cli`, "--path", join(tmp.path, "bps/hello")]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout, a.stdout);
  const inspected = JSON.parse(run("skopeo", ["inspect", "--tls-verify=false", `docker://${registry.host}/tests/hello:cli`])) as { Digest: string };
  assert.equal(`${inspected.Digest}\n`, b.stdout);
});

test("paketo buildpack package with --config package.toml packages a composite; --format file writes a .cnb", async () => {
  const r = await paketo(["buildpack", "package", "tests/meta:cli", "--config", "bps/meta/package.toml"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, DIGEST_LINE);
  const f = await paketo(["buildpack", "package", "out/meta", "--config", "bps/meta/package.toml", "--format", "file"]);
  assert.equal(f.code, 0, f.stderr);
  assert.equal(f.stdout, r.stdout);
  const inspected = JSON.parse(run("skopeo", ["inspect", `oci-archive:${join(tmp.path, "out/meta.cnb")}`])) as { Digest: string };
  assert.equal(`${inspected.Digest}\n`, r.stdout);
});

test("paketo builder create DEST --config builder.toml prints the digest, with or without --launcher", async () => {
  writeFileSync(
    join(tmp.path, "bps/builder.toml"),
    `[[buildpacks]]\n  uri = "meta"\n\n[[buildpacks]]\n  uri = "hello"\n\n[[buildpacks]]\n  uri = "world"\n\n` +
      `[[order]]\n  [[order.group]]\n    id = "tests/meta"\n\n[build]\n  image = "tests/build:cli"\n\n[[run.images]]\n  image = "example.com/run:1"\n`,
  );
  const a = await paketo(["builder", "create", "tests/builder:cli", "--config", "bps/builder.toml", "--launcher", launcher]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stdout, DIGEST_LINE);
  // Without --launcher, the launcher is compiled with $CC (the same host gcc, so the same bytes).
  const b = await paketo(["builder", "create", `docker://${registry.host}/tests/builder:cli`, "--config", "bps/builder.toml", "--pull-policy", "if-not-present"]);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(b.stdout, a.stdout);
  const inspected = JSON.parse(run("skopeo", ["inspect", "--tls-verify=false", `docker://${registry.host}/tests/builder:cli`])) as { Digest: string };
  assert.equal(`${inspected.Digest}\n`, b.stdout);
});

test("the commands fail with one clear line and exit 1 (or 2 for usage)", async () => {
  writeFileSync(join(tmp.path, "bps/bad.toml"), `[[buildpacks]]\n  uri = "hello"\n\n[[order]]\n  [[order.group]]\n    id = "tests/nope"\n\n[build]\n  image = "tests/build:cli"\n\n[[run.images]]\n  image = "example.com/run:1"\n`);
  const bad = await paketo(["builder", "create", "tests/never", "--config", "bps/bad.toml", "--launcher", launcher]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /paketo: error: .*bps\/bad.toml: order\[0\].group\[0\].id: buildpack "tests\/nope" is not on the builder/);
  assert.equal(bad.stdout, "");
  const sub = await paketo(["buildpack", "publish", "x"]);
  assert.equal(sub.code, 1);
  assert.match(sub.stderr, /unknown buildpack command "publish"/);
  const noConfig = await paketo(["builder", "create", "x"]);
  assert.equal(noConfig.code, 1);
  assert.match(noConfig.stderr, /--config builder.toml is required/);
  const policy = await paketo(["buildpack", "package", "x", "--path", "bps/hello", "--pull-policy", "sometimes"]);
  assert.equal(policy.code, 1);
  assert.match(policy.stderr, /pull policy "sometimes" is not one of always, if-not-present, never/);
  const usage = await paketo(["builder", "create"]);
  assert.equal(usage.code, 2);
});

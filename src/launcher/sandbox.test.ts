// The launcher needs nothing from the image: a static binary that runs in a root with no shell,
// no libc and no Node.js (paketo's `tiny` run image, D6, CNB-59).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { hasCommand, writeTree } from "../testing/index.js";
import { encodeLauncherConfig } from "./codec.js";
import { buildTools, type Tools } from "./testing/harness.js";

let tools: Tools;
let execd: string;
before(async () => {
  tools = await buildTools();
  // A static exec.d executable: no shell in the root to run a script.
  execd = join(tools.dir, "bin", "execd");
  writeFileSync(`${execd}.c`, `#include <unistd.h>\nint main(void){static const char s[]="FROM_EXECD = \\"yes\\"\\n";return write(3,s,sizeof s-1)<0;}\n`);
  const r = spawnSync("gcc", ["-static", "-Os", "-s", "-o", execd, `${execd}.c`], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
});
after(() => tools?.cleanup());

describe("the launcher binary", () => {
  it("is statically linked", (t) => {
    assert.ok(hasCommand("file") && hasCommand("ldd"), "file and ldd are needed");
    const file = spawnSync("file", ["-b", tools.launcher.path], { encoding: "utf8" }).stdout;
    assert.match(file, /statically linked/);
    assert.match(file, /stripped/);
    const ldd = spawnSync("ldd", [tools.launcher.path], { encoding: "utf8" });
    assert.notEqual(ldd.status, 0);
    assert.match(ldd.stdout + ldd.stderr, /not a dynamic executable/);
    t.diagnostic(`launcher: ${tools.launcher.size} bytes, sha256 ${tools.launcher.sha256}, ${tools.launcher.compiler}`);
    assert.ok(tools.launcher.size < 2_000_000, `${tools.launcher.size} bytes`);
  });
});

describe("in a minimal root (bubblewrap)", () => {
  /** ROOT = /cnb (launcher + process symlinks), /layers, /workspace: nothing else. */
  function makeRoot(): string {
    const root = join(tools.dir, `root-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(root, "cnb", "lifecycle"), { recursive: true });
    mkdirSync(join(root, "cnb", "process"), { recursive: true });
    mkdirSync(join(root, "workspace"), { recursive: true });
    copyFileSync(tools.launcher.path, join(root, "cnb", "lifecycle", "launcher"));
    for (const type of ["web", "legacy"]) symlinkSync("/cnb/lifecycle/launcher", join(root, "cnb", "process", type));
    writeTree(join(root, "layers"), {
      "acme_app/app/bin/app": { content: "", mode: 0o755 },
      "acme_app/app/env/GREETING": "hi",
      "acme_app/app/exec.d/10": { content: "", mode: 0o755 },
      "acme_old/l/x": "",
      "config/launcher.cfg": encodeLauncherConfig({
        platformApi: "0.13",
        buildpacks: [
          { id: "acme/app", api: "0.11", launchLayers: ["app"] },
          { id: "acme/old", api: "0.8", launchLayers: ["l"] },
        ],
        processes: [
          { type: "web", buildpackId: "acme/app", command: ["app"], args: ["default-arg"] },
          { type: "legacy", buildpackId: "acme/old", command: ["app $GREETING"] },
        ],
        defaultProcess: "web",
      }),
    });
    copyFileSync(tools.probe, join(root, "layers", "acme_app", "app", "bin", "app"));
    copyFileSync(execd, join(root, "layers", "acme_app", "app", "exec.d", "10"));
    return root;
  }

  function bwrap(root: string, binds: string[], argv: string[]) {
    assert.ok(hasCommand("bwrap"), "bubblewrap is needed");
    return spawnSync("bwrap", ["--bind", root, "/", ...binds, "--chdir", "/", ...argv], {
      encoding: "utf8",
      env: { PATH: "/cnb/process:/usr/bin:/bin", CNB_LAYERS_DIR: "/layers", CNB_APP_DIR: "/workspace" },
    });
  }

  it("runs a process with layer env, exec.d and user args, with no shell or libc present", () => {
    const root = makeRoot();
    assert.deepEqual(readdirSync(root).sort(), ["cnb", "layers", "workspace"]);
    const r = bwrap(root, [], ["/cnb/process/web", "user-arg"]);
    assert.equal(r.status, 0, r.stderr);
    const p = JSON.parse(r.stdout) as { argv: string[]; cwd: string; env: Record<string, string> };
    assert.deepEqual(p.argv, ["app", "user-arg"]);
    assert.equal(p.cwd, "/workspace");
    const { PWD: _pwd, ...env } = p.env; // bwrap --chdir sets PWD
    assert.deepEqual(env, { PATH: "/layers/acme_app/app/bin:/usr/bin:/bin", GREETING: "hi", FROM_EXECD: "yes" });
  });

  it("runs `launcher CMD` directly when the image has no shell, and says why a shell process cannot run", () => {
    const root = makeRoot();
    const direct = bwrap(root, [], ["/cnb/lifecycle/launcher", "app", "$GREETING"]);
    assert.equal(direct.status, 0, direct.stderr);
    assert.deepEqual((JSON.parse(direct.stdout) as { argv: string[] }).argv, ["app", "$GREETING"]);

    const shell = bwrap(root, [], ["/cnb/process/legacy"]);
    assert.equal(shell.status, 82);
    assert.equal(
      shell.stderr,
      `launcher: process "legacy" runs through a shell (buildpack API < 0.9 with direct = false), but this image has neither /bin/bash nor /bin/sh\n`,
    );
  });

  it("runs a shell process with a POSIX sh (dash) when there is no bash", () => {
    const dash = ["--ro-bind", "/usr/lib", "/usr/lib", "--ro-bind", "/usr/lib64", "/usr/lib64", "--symlink", "usr/lib", "/lib",
      "--symlink", "usr/lib64", "/lib64", "--ro-bind", "/usr/bin/dash", "/bin/sh"];
    const r = bwrap(makeRoot(), dash, ["/cnb/process/legacy"]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { argv: string[] }).argv, ["app", "hi"]);
    const tokens = bwrap(makeRoot(), dash, ["/cnb/lifecycle/launcher", "app", "$GREETING there", "$(echo x)"]);
    assert.equal(tokens.status, 0, tokens.stderr);
    assert.deepEqual((JSON.parse(tokens.stdout) as { argv: string[] }).argv, ["app", "hi there", "x"]);
  });
});

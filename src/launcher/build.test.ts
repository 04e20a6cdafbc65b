// Compiling the launcher: sources found from the package, cache by source + compiler identity,
// reproducible output, clear failures. Uses the host's gcc.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, describe, it } from "node:test";
import { buildLauncher, launcherSource, LauncherError } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "paketo-launcher-build-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("launcherSource", () => {
  it("finds the C sources at the package root", () => {
    const src = launcherSource();
    assert.equal(basename(src.dir), "launcher");
    assert.deepEqual(src.files.map((f) => basename(f)), ["config.c", "env.c", "execd.c", "launcher.c", "metadata.c", "toml.c", "util.c"]);
    assert.ok(existsSync(join(src.dir, "launcher.h")));
  });
});

describe("buildLauncher", () => {
  it("builds, then reuses the cached binary for the same sources and compiler", async () => {
    const cacheDir = join(dir, "cache");
    const first = await buildLauncher({ cc: ["gcc"], outDir: join(dir, "a"), cacheDir });
    assert.equal(first.cached, false);
    assert.equal(first.path, join(dir, "a", "launcher"));
    assert.match(first.sha256, /^[0-9a-f]{64}$/);
    assert.equal(readFileSync(first.path).length, first.size);
    assert.match(first.compiler, /gcc/);

    const second = await buildLauncher({ cc: ["gcc"], outDir: join(dir, "b"), cacheDir });
    assert.equal(second.cached, true);
    assert.equal(second.sha256, first.sha256);
    assert.deepEqual(readFileSync(second.path), readFileSync(first.path));

    const other = await buildLauncher({ cc: ["gcc"], outDir: join(dir, "c"), cacheDir, identity: "build-image@sha256:1234" });
    assert.equal(other.cached, false, "another identity is another cache entry");
  });

  it("rebuilds when a cached binary does not match its recorded hash", async () => {
    const cacheDir = join(dir, "cache-corrupt");
    const first = await buildLauncher({ cc: ["gcc"], outDir: join(dir, "d"), cacheDir });
    const entry = readdirSync(cacheDir).find((n) => !n.endsWith(".sha256"))!;
    writeFileSync(join(cacheDir, entry), "garbage");
    const again = await buildLauncher({ cc: ["gcc"], outDir: join(dir, "d"), cacheDir });
    assert.equal(again.cached, false);
    assert.equal(again.sha256, first.sha256);
  });

  it("is reproducible: the same sources built from another folder give the same bytes", async () => {
    const copy = join(dir, "elsewhere", "launcher");
    cpSync(launcherSource().dir, copy, { recursive: true });
    const source = { dir: copy, files: launcherSource().files.map((f) => join(copy, basename(f))) };
    const a = await buildLauncher({ cc: ["gcc"], outDir: join(dir, "e") });
    const b = await buildLauncher({ cc: ["gcc"], outDir: join(dir, "f"), source });
    assert.equal(b.sha256, a.sha256);
  });

  it("runs the compiler through a command prefix (here bubblewrap, as the platform does with the build image)", async () => {
    const out = join(dir, "g");
    const src = launcherSource();
    // Only /usr (and the merged-/usr links): binding the whole host root would also bind whatever
    // other processes mount and unmount meanwhile (podman's overlays), which bwrap cannot remount.
    const cc = [
      "bwrap", "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
      "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--ro-bind", src.dir, src.dir, "--bind", dir, dir, "gcc",
    ];
    const built = await buildLauncher({ cc, outDir: out });
    const plain = await buildLauncher({ cc: ["gcc"], outDir: join(dir, "h") });
    assert.equal(built.sha256, plain.sha256);
  });

  it("reports a compile error with the compiler's message", async () => {
    const broken = join(dir, "broken");
    cpSync(launcherSource().dir, broken, { recursive: true });
    writeFileSync(join(broken, "util.c"), "int unused(void) { return 1 }\n");
    const source = { dir: broken, files: launcherSource().files.map((f) => join(broken, basename(f))) };
    await assert.rejects(buildLauncher({ cc: ["gcc"], outDir: join(dir, "i"), source }), (e: unknown) => {
      assert.ok(e instanceof LauncherError);
      assert.equal(e.code, "LAUNCHER_BUILD");
      assert.match(e.message, /^compiling the launcher with gcc failed \(exit 1\)$/);
      assert.match(e.hint ?? "", /util\.c.*expected ';'/s);
      return true;
    });
    assert.ok(!existsSync(join(dir, "i", "launcher")));
  });

  it("reports a compiler that cannot be run", async () => {
    await assert.rejects(buildLauncher({ cc: ["no-such-cc"], outDir: join(dir, "j") }), (e: unknown) => {
      assert.ok(e instanceof LauncherError);
      assert.equal(e.code, "LAUNCHER_BUILD");
      assert.match(e.message, /cannot run the compiler no-such-cc/);
      return true;
    });
  });
});

// Test helpers for the Go buildpacks: the real go command (testGoroot: the one on PATH, else a
// toolchain our own source installs once), an environment for it that reads nothing of the
// machine's go configuration, and a layer read back as bytes (a build cache is binary).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { testGoroot } from "../../../deps/go/testing.js";

export interface GoTestEnv {
  env: Record<string, string>;
  goroot: string;
  cleanup: () => void;
}

/** PATH with the real go first, a private HOME, GOENV=off, GOTOOLCHAIN=local; `extra` on top. */
export async function goTestEnv(extra: Record<string, string> = {}): Promise<GoTestEnv> {
  const goroot = await testGoroot();
  const home = mkdtempSync(join(tmpdir(), "paketo-go-home-"));
  return {
    goroot,
    env: { PATH: `${join(goroot, "bin")}:/usr/bin:/bin`, HOME: home, GOENV: "off", GOTOOLCHAIN: "local", GOFLAGS: "", ...extra },
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** Every file under `dir` as bytes, by relative path (for PreviousLayer.files). */
export function readTreeBytes(dir: string): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(dir, p)] = readFileSync(p);
    }
  };
  walk(dir);
  return out;
}

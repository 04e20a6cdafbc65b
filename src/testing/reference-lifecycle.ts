// The reference CNB lifecycle (buildpacks/lifecycle v0.21.0, Platform API 0.7-0.15), built from
// its Go module once per machine and kept in ~/.cache/paketo-test, for tests that run paketo's
// buildpacks under it. `go install` of it fails against the module proxy (it asks for a version
// list the proxy refuses), so a throwaway module requires it and builds the binary.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./index.js";

export const REFERENCE_LIFECYCLE_VERSION = "v0.21.0";

/** The folder with `lifecycle` and its phase links (detector, builder, ...); built on first use (minutes). */
export function referenceLifecycle(): string {
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "paketo-test", `lifecycle-${REFERENCE_LIFECYCLE_VERSION}`);
  const bin = join(dir, "lifecycle");
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), "paketo-lifecycle-"));
    try {
      run("go", ["mod", "init", "peer"], { cwd: work });
      run("go", ["get", `github.com/buildpacks/lifecycle/cmd/lifecycle@${REFERENCE_LIFECYCLE_VERSION}`], { cwd: work });
      run("go", ["build", "-o", join(work, "lifecycle"), "github.com/buildpacks/lifecycle/cmd/lifecycle"], { cwd: work });
      renameSync(join(work, "lifecycle"), bin);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  for (const phase of ["creator", "detector", "analyzer", "restorer", "builder", "exporter"]) {
    if (!existsSync(join(dir, phase))) symlinkSync("lifecycle", join(dir, phase));
  }
  return dir;
}

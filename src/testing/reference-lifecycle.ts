// The reference CNB lifecycle (buildpacks/lifecycle v0.21.0, Platform API 0.7-0.15), built from
// its Go module once per machine (go-tools.ts), for tests that run paketo's buildpacks under it.
// `go install` of it fails against the module proxy (it asks for a version list the proxy
// refuses), so a throwaway module requires it and builds the binary.
import { existsSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { goTool } from "./go-tools.js";
import { run } from "./index.js";

export const REFERENCE_LIFECYCLE_VERSION = "v0.21.0";

/** The folder with `lifecycle` and its phase links (detector, builder, ...); built on first use (minutes). */
export function referenceLifecycle(): string {
  const bin = goTool("lifecycle", REFERENCE_LIFECYCLE_VERSION, "lifecycle", (work) => {
    run("go", ["mod", "init", "peer"], { cwd: work });
    run("go", ["get", `github.com/buildpacks/lifecycle/cmd/lifecycle@${REFERENCE_LIFECYCLE_VERSION}`], { cwd: work });
    run("go", ["build", "-o", join(work, "lifecycle"), "github.com/buildpacks/lifecycle/cmd/lifecycle"], { cwd: work });
  });
  const dir = dirname(bin);
  for (const phase of ["creator", "detector", "analyzer", "restorer", "builder", "exporter"]) {
    if (!existsSync(join(dir, phase))) symlinkSync("lifecycle", join(dir, phase));
  }
  return dir;
}

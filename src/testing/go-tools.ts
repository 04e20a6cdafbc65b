// Reference tools written in Go (the CNB lifecycle, cosign), built from their modules through the
// Go module proxy once per machine and kept in ~/.cache/paketo-test/<name>-<version>, for tests
// that check paketo against them. The first build takes minutes; a build is done in a throwaway
// folder and moved into place, so a killed build leaves nothing half-written.
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./index.js";

/** The machine-wide folder a Go tool at a version is kept in. */
export function goToolDir(name: string, version: string): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "paketo-test", `${name}-${version}`);
}

/**
 * The path of `binary` in the tool's folder, built first when missing: `build(work)` leaves
 * `work/<binary>` in the throwaway folder `work`.
 */
export function goTool(name: string, version: string, binary: string, build: (work: string) => void): string {
  const dir = goToolDir(name, version);
  const bin = join(dir, binary);
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), `paketo-${name}-`));
    try {
      build(work);
      renameSync(join(work, binary), bin);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return bin;
}

export const COSIGN_VERSION = "v2.6.5";

/** The reference cosign CLI (`go install` of its module works against the proxy). */
export function cosign(): string {
  return goTool("cosign", COSIGN_VERSION, "cosign", (work) => {
    run("go", ["install", `github.com/sigstore/cosign/v2/cmd/cosign@${COSIGN_VERSION}`], { cwd: work, env: { ...process.env, GOBIN: work } });
  });
}

// The exit codes of the platform lifecycle's own failures (the phases' are the lifecycle's, CNB-28).
import assert from "node:assert/strict";
import { test } from "node:test";
import { PlatformUsageError } from "./flags.js";
import { main } from "./main.js";
import { layoutName } from "./phases.js";

async function exitOf(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stderr: string }> {
  const write = process.stderr.write.bind(process.stderr);
  let stderr = "";
  process.stderr.write = ((s: string) => ((stderr += s), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv, env), stderr };
  } finally {
    process.stderr.write = write;
  }
}

test("an unsupported CNB_PLATFORM_API is exit 11; usage errors are exit 3", async () => {
  const api = await exitOf(["creator", "r/app"], { CNB_PLATFORM_API: "0.6" });
  assert.equal(api.code, 11);
  assert.match(api.stderr, /platform API 0\.6 is not supported/);
  assert.equal((await exitOf(["creator", "-daemon", "r/app"], {})).code, 3);
  const noImage = await exitOf(["exporter"], {});
  assert.equal(noImage.code, 3);
  assert.match(noImage.stderr, /exporter needs the image name/);
  assert.equal((await exitOf(["rebuilder"], {})).code, 3);
  assert.match((await exitOf(["creator", "-layout", "r/app"], {})).stderr, /-layout needs -layout-dir/);
});

test("-layout keeps an image where the reference lifecycle does; a folder name the oci: syntax cannot carry is a usage error", () => {
  assert.equal(layoutName("/layout", "paketo/trixie:run"), "oci:/layout/index.docker.io/paketo/trixie/run:run");
  assert.equal(layoutName("/layout", "registry.example/team/app"), "oci:/layout/registry.example/team/app/latest:latest");
  const digest = `sha256:${"a".repeat(64)}`;
  assert.equal(layoutName("/layout", `registry.example/app@${digest}`), `oci:/layout/registry.example/app/sha256/${"a".repeat(64)}`);
  assert.throws(
    () => layoutName("/layout", "127.0.0.1:5000/app:1"),
    (e: PlatformUsageError) => e.exitCode === 3 && /127\.0\.0\.1:5000\/app\/1, has a colon/.test(e.message) && /without a registry port/.test(e.hint ?? ""),
  );
});

// The build log: titles, indented buildpack output, verbose-only debug, timings.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createBuildLog } from "./log.js";
import { EXIT_CODES, LifecycleError, toLifecycleError } from "./errors.js";
import { CnbError } from "../cnb/index.js";
import { PaketoError } from "../errors/index.js";

test("the build log: phase headers, buildpack titles with their lines indented, warnings, debug only when verbose", () => {
  let out = "";
  const log = createBuildLog({ sink: (s) => (out += s) });
  log.phase("building");
  const write = log.buildpack("Paketo Buildpack for Node Engine 1.2.3");
  write("Resolving Node Engine version");
  write("two\n");
  write("");
  log.warn("careful\nreally");
  log.debug("hidden");
  log.info("done");
  assert.equal(out, "===> BUILDING\n\nPaketo Buildpack for Node Engine 1.2.3\n  Resolving Node Engine version\n  two\n\nWarning: careful\nWarning: really\ndone\n");
  let verbose = "";
  createBuildLog({ sink: (s) => (verbose += s), verbose: true }).debug("shown");
  assert.equal(verbose, "shown\n");
});

test("a buildpack that prints its own title first is not titled twice, and its own indentation is kept", () => {
  let out = "";
  const log = createBuildLog({ sink: (s) => (out += s) });
  const write = log.buildpack("Paketo Buildpack for Node Engine 1.2.3");
  write("");
  write("Paketo Buildpack for Node Engine 1.2.3");
  write("  Resolving Node Engine version");
  write("Paketo Buildpack for Node Engine 1.2.3");
  assert.equal(out, "\nPaketo Buildpack for Node Engine 1.2.3\n\n  Resolving Node Engine version\nPaketo Buildpack for Node Engine 1.2.3\n");
});

test("timings come from the injected clock, in start order, with a total of the phases", async () => {
  let now = 0;
  const log = createBuildLog({ sink: () => {}, clock: { now: () => now } });
  await log.time("detect", async () => {
    now += 120;
  });
  await log.time("build", async () => {
    await log.time("build: a", async () => {
      now += 1500;
    });
    now += 10;
  });
  await assert.rejects(
    log.time("export", async () => {
      now += 5;
      throw new Error("x");
    }),
  );
  assert.deepEqual(log.timings(), [
    { label: "detect", ms: 120 },
    { label: "build", ms: 1510 },
    { label: "build: a", ms: 1500 },
    { label: "export", ms: 5 },
  ]);
  assert.deepEqual(log.summary(), ["detect       120 ms", "build        1.51 s", "build: a     1.50 s", "export         5 ms", "total        1.64 s"]);
});

test("CNB-28: exit codes by phase; errors map to them", () => {
  assert.equal(EXIT_CODES.DETECT_NO_GROUP, 20);
  assert.equal(EXIT_CODES.DETECT_ERRORED, 21);
  assert.equal(EXIT_CODES.BUILDPACK_FAILED, 51);
  const e = new LifecycleError("DETECT_NO_GROUP", "no buildpack group passed detection");
  assert.ok(e instanceof PaketoError);
  assert.equal(e.code, "LIFECYCLE_DETECT_NO_GROUP");
  assert.equal(e.exitCode, 20);
  assert.equal(toLifecycleError(e, "BUILD_ERROR", "x"), e);
  assert.equal(toLifecycleError(new CnbError("CNB_UNSUPPORTED_BUILDPACK_API", "api"), "DETECT_ERROR", "x").exitCode, 12);
  assert.equal(toLifecycleError(new CnbError("CNB_UNSUPPORTED_PLATFORM_API", "api"), "DETECT_ERROR", "x").exitCode, 11);
  const wrapped = toLifecycleError(new PaketoError("SOME", "what failed", { hint: "do this" }), "BUILD_ERROR", "build");
  assert.deepEqual([wrapped.exitCode, wrapped.message, wrapped.hint], [52, "what failed", "do this"]);
  assert.equal(toLifecycleError(new Error("boom"), "EXPORT_ERROR", "export").message, "export: boom");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { createLogger } from "./logger.js";

test("levels indent by two spaces; multi-line text keeps its indentation; empty lines stay empty", () => {
  let out = "";
  const log = createLogger((t) => (out += t));
  log.title("Paketo Buildpack for Node Engine 1.0.0");
  log.process("Resolving Node Engine version");
  log.subprocess("Candidate version sources (in priority order):");
  log.action("package.json -> 22.*");
  log.detail("a\n\nb");
  log.break();
  log.warning("no lockfile");
  assert.equal(
    out,
    "Paketo Buildpack for Node Engine 1.0.0\n  Resolving Node Engine version\n    Candidate version sources (in priority order):\n      package.json -> 22.*\n        a\n\n        b\n\n  Warning: no lockfile\n",
  );
});

test("debug output appears only with debug on", () => {
  let quiet = "";
  createLogger((t) => (quiet += t)).debug.process("hidden");
  assert.equal(quiet, "");
  let loud = "";
  createLogger((t) => (loud += t), { debug: true }).debug.process("shown");
  assert.equal(loud, "  shown\n");
});

test("lines(): a tool's streamed output, split across chunks and bytes, comes out indented line by line", () => {
  let out = "";
  const w = createLogger((t) => (out += t)).lines(3);
  const bytes = new TextEncoder().encode("é done\n");
  w.write("added 12 pack");
  w.write("ages\nnpm ");
  w.write(bytes.subarray(0, 1));
  w.write(bytes.subarray(1));
  w.write("tail");
  w.end();
  assert.equal(out, "      added 12 packages\n      npm é done\n      tail\n");
});

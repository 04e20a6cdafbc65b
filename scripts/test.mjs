#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's test runner.
// Usage: node scripts/test.mjs [substring...]   (only test files whose path contains one of them)
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";

function walk(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const isE2e = (f) => f.startsWith(join("dist", "e2e") + "/");
// Only tests whose source still exists: tsc leaves the output of deleted files behind.
const files = walk("dist")
  .filter((f) => existsSync(f.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  // The end-to-end files take minutes each and the rest seconds: start them first, so the suite
  // ends when the longest of them does rather than with one started late (longest first).
  .sort((a, b) => Number(isE2e(b)) - Number(isE2e(a)));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
const concurrency = process.env.PAKETO_TEST_CONCURRENCY ?? "3";
// Tests share the machine-wide cache (~/.cache/paketo) with every checkout on the machine, some of
// whose builds may take no cache lease: no test build trims it. The trim is tested on caches of
// its own (src/platform/cache-budget.test.ts sets PAKETO_CACHE_MAX itself).
const env = { ...process.env, PAKETO_CACHE_MAX: process.env.PAKETO_CACHE_MAX ?? "off" };
const r = spawnSync(
  process.execPath,
  ["--enable-source-maps", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
  { stdio: "inherit", env },
);
process.exit(r.status ?? 1);

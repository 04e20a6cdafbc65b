#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's test runner.
// Usage: node scripts/test.mjs [substring...]   (only test files whose path contains one of them)
// PAKETO_TEST_LIST=1 prints the files in the order they start instead of running them.
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
// The slowest files, slowest first (as measured in a full run on 2 cores): with a few lanes the
// suite ends soonest when the longest start first. Files not listed follow, end-to-end ones first.
const slowest = [
  "e2e/frameworks", "e2e/signing", "e2e/go.", "e2e/platform", "e2e/java", "e2e/multiarch-go",
  "e2e/node", "buildpacks/reference-lifecycle", "e2e/multiarch.", "e2e/python.", "e2e/rust", "e2e/web-servers",
  "e2e/kubernetes", "e2e/php", "e2e/ruby",
];
const rank = (f) => {
  const i = slowest.findIndex((s) => f.includes(s));
  return i >= 0 ? i : slowest.length + (isE2e(f) ? 0 : 1);
};
// Only tests whose source still exists: tsc leaves the output of deleted files behind.
const files = walk("dist")
  .filter((f) => existsSync(f.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort((a, b) => rank(a) - rank(b));
if (files.length === 0) {
  console.error(`no test files match ${filters.join(" ")}`);
  process.exit(1);
}
const concurrency = process.env.PAKETO_TEST_CONCURRENCY ?? "3";
// Tests share the machine-wide cache (~/.cache/paketo) with every checkout on the machine, some of
// whose builds may take no cache lease: no test build trims it. The trim is tested on caches of
// its own (src/platform/cache-budget.test.ts sets PAKETO_CACHE_MAX itself).
const env = { ...process.env, PAKETO_CACHE_MAX: process.env.PAKETO_CACHE_MAX ?? "off" };
if (process.env.PAKETO_TEST_LIST) { console.log(files.join("\n")); process.exit(0); }
const r = spawnSync(
  process.execPath,
  ["--enable-source-maps", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files],
  { stdio: "inherit", env },
);
process.exit(r.status ?? 1);

#!/usr/bin/env node
// npm run bench:frameworks: the create-next-app fixture (src/e2e/apps/frameworks/next: App
// Router, TypeScript, next.config.ts, `next build --turbopack`) built by paketo with the default
// builder, BP_NODE_RUN_SCRIPTS=build (docs/benchmarks.md, "Next.js"):
// - cold build (a new image name: nothing restored), then a rebuild after a one-line change to
//   app/page.tsx (node_modules layers and .next/cache restored); the ratio of the two, and of the
//   `next build` step alone (node-run-script's time) with and without the restored .next/cache;
// - the image size (compressed layers) as generated and with `output: "standalone"`.
//
//   node scripts/bench/frameworks.mjs [--runs N] [--dir DIR] [--out FILE]
//
// Needs `npm run build` first. Progress to stderr, the markdown table to stdout, numbers to --out.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "./lib/run.mjs";
import { cell, median, ratioCell, table } from "./lib/stats.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const RUNS = Number(opt("runs", "2"));
const BENCH = resolve(opt("dir", join(process.env.PAKETO_BENCH_DIR ?? "/var/tmp/paketo-bench", "frameworks")));
const OUT = resolve(opt("out", join(BENCH, "results.json")));
const started = performance.now();
const say = (msg) => process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`);

rmSync(BENCH, { recursive: true, force: true });
mkdirSync(join(BENCH, "logs"), { recursive: true });
const env = { ...process.env, PAKETO_STORE: join(BENCH, "store") };
const paketo = (args, log) => run(process.execPath, [join(ROOT, "bin/paketo"), ...args], { env, log: join(BENCH, "logs", log) });

/** Wall time, and the time node-run-script took (the `next build` step), of one build. */
async function build(dir, layout, log) {
  const res = await paketo(["build", `oci:${layout}`, "--path", dir, "--env", "BP_NODE_RUN_SCRIPTS=build", "--json"], log);
  const doc = JSON.parse(res.stdout.trim().split("\n").pop());
  const script = (doc.timings["build: paketo-buildpacks/node-run-script"] ?? NaN) / 1000;
  return { seconds: res.seconds, script, restored: /Reusing \.next\/cache from the previous build/.test(res.stderr) };
}

function imageSize(layout) {
  const blob = (d) => readFileSync(join(layout, "blobs", ...d.split(":")));
  const index = JSON.parse(readFileSync(join(layout, "index.json"), "utf8"));
  const manifest = JSON.parse(blob(index.manifests[0].digest).toString());
  return manifest.layers.reduce((n, l) => n + l.size, 0);
}

function fixture(dest) {
  cpSync(join(ROOT, "src/e2e/apps/frameworks/next"), dest, { recursive: true });
  return dest;
}

// The default builder is made by a first build of a trivial app, outside the measurements.
say("making the default builder");
await paketo(["build", "bench/warmup", "--path", join(ROOT, "examples/node-app")], "warmup.log");

const rounds = [];
for (let r = 1; r <= RUNS; r++) {
  const dir = fixture(join(BENCH, `next-${r}`));
  const layout = join(BENCH, "images", `next-${r}`);
  say(`round ${r}: cold build`);
  const cold = await build(dir, layout, `next-${r}-cold.log`);
  const page = join(dir, "app/page.tsx");
  writeFileSync(page, readFileSync(page, "utf8").replace("To get started, edit the", `Round ${r}: edit the`));
  say(`round ${r}: rebuild after a one-line change`);
  const change = await build(dir, layout, `next-${r}-change.log`);
  if (!change.restored) throw new Error(`round ${r}: the rebuild did not restore .next/cache (logs/next-${r}-change.log)`);
  const plain = imageSize(layout);

  const sdir = fixture(join(BENCH, `next-standalone-${r}`));
  const config = join(sdir, "next.config.ts");
  writeFileSync(config, readFileSync(config, "utf8").replace("const nextConfig: NextConfig = {", 'const nextConfig: NextConfig = {\n  output: "standalone",'));
  say(`round ${r}: cold build with output: "standalone"`);
  const slayout = join(BENCH, "images", `next-standalone-${r}`);
  const standaloneBuild = await build(sdir, slayout, `next-standalone-${r}-cold.log`);
  rounds.push({ cold, change, standaloneBuild, size: { plain, standalone: imageSize(slayout) } });
}

writeFileSync(OUT, `${JSON.stringify({ runs: RUNS, rounds }, null, 2)}\n`);
const all = (f) => rounds.map(f);
const rows = [
  ["cold build", cell("s", all((x) => x.cold.seconds)), cell("s", all((x) => x.cold.script))],
  ["rebuild after a one-line change", cell("s", all((x) => x.change.seconds)), cell("s", all((x) => x.change.script))],
  ["rebuild / cold", ratioCell(all((x) => x.change.seconds), all((x) => x.cold.seconds), "s"), ratioCell(all((x) => x.change.script), all((x) => x.cold.script), "s")],
];
process.stdout.write(`${table([`Next.js (median of ${RUNS}, range)`, "build wall time", "next build step (node-run-script)"], rows)}\n\n`);
const sizes = [
  ["as generated (next start, production node_modules)", cell("MB", all((x) => x.size.plain))],
  ['output: "standalone" (server.js, no node_modules layer)', cell("MB", all((x) => x.size.standalone))],
  ["standalone / as generated", ratioCell(all((x) => x.size.standalone), all((x) => x.size.plain))],
  ["smaller by", `${((1 - median(all((x) => x.size.standalone)) / median(all((x) => x.size.plain))) * 100).toFixed(0)} %`],
];
process.stdout.write(`${table(["image (compressed layers)", "size"], sizes)}\n`);
say(`done; numbers in ${OUT}`);

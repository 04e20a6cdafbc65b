// App-size scaling (docs/benchmarks.md): an app of N small files plus a server.js, built by paketo
// with the default builder and by buildah from `FROM <run image>` + `COPY . /workspace`, for each
// N: first build, rebuild with no change, rebuild after one file changed. What grows with N is
// the per-file cost: the slope between the smallest and the largest app, in ms per 1,000 files.
import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { run } from "./run.mjs";
import { cell, fmt, ratioCell, summary, table } from "./stats.mjs";

/** Files per folder of the generated apps. */
const PER_DIR = 500;

/** N files of 100 to 300 bytes under assets/, plus server.js: the same bytes for both tools. */
export function makeSizedApp(dir, n) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "server.js"), 'require("http").createServer((q, s) => s.end("ok")).listen(process.env.PORT || 8080);\n');
  for (let i = 0; i < n; i++) {
    const d = join(dir, "assets", `d${Math.floor(i / PER_DIR)}`);
    if (i % PER_DIR === 0) mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `f${i}.txt`), `file ${i} ${"x".repeat(100 + (i % 200))}\n`);
  }
  return dir;
}

const edit = (dir, r) => appendFileSync(join(dir, "assets/d0/f0.txt"), `edit ${r}\n`);

/** One measured command: wall time, peak memory (/usr/bin/time, when present), the load when it started. */
async function timed(cmd, args, opts) {
  const load = os.loadavg()[0];
  const time = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
  const res = time ? await run(time, ["-f", "paketo-bench-maxrss-kb %M", cmd, ...args], opts) : await run(cmd, args, opts);
  const kb = /paketo-bench-maxrss-kb (\d+)/.exec(res.stderr)?.[1];
  return { seconds: res.seconds, rssMB: kb ? Number(kb) / 1024 : undefined, load, stdout: res.stdout, stderr: res.stderr };
}

/**
 * @param {{ paketo: import("./tools.mjs").Paketo, peer: import("./tools.mjs").Peer, sizes: number[], runs: number,
 *           dir: string, oci: string, say: (m: string) => void, logs: string }} o
 */
export async function benchAppSize(o) {
  const out = { sizes: {}, definitions: {} };
  out.definitions = {
    app: `N files of 100–300 bytes in folders of ${PER_DIR} plus a server.js (Node.js, no package.json)`,
    paketo: "paketo build with the default builder; the first build into a fresh PAKETO_CACHE (stack and builder present) and a new destination",
    peer: "buildah bud --layers --timestamp 0 of `FROM <run image>` + `COPY . /workspace`",
    oneFile: "one line appended to assets/d0/f0.txt, cumulative",
  };
  // The peer's base: paketo's run image, copied into buildah's storage.
  await o.paketo.paketo(["copy", "paketo/trixie:run", `oci:${join(o.oci, "app-size-run")}:latest`]);
  const runImage = (await o.peer.buildah(["pull", "-q", `oci:${join(o.oci, "app-size-run")}:latest`])).stdout.trim().split("\n").pop();
  const dockerfile = join(o.dir, "app-size.Dockerfile");
  mkdirSync(o.dir, { recursive: true });
  writeFileSync(dockerfile, "ARG RUN_IMAGE\nFROM ${RUN_IMAGE}\nCOPY . /workspace\n");
  for (const n of o.sizes) {
    const m = (out.sizes[n] = { paketo: { first: [], noChange: [], oneFile: [], rssMB: [], load: [] }, peer: { first: [], noChange: [], oneFile: [], load: [] } });
    const name = `app-size-${n}`;
    // paketo
    const src = makeSizedApp(join(o.dir, `${name}-paketo`), n);
    const cache = o.paketo.freshCache(join(o.dir, `${name}-cache`));
    const build = async (label) => {
      const r = await timed(process.execPath, [o.paketo.o.bin, "build", `bench/${name}`, "--path", src, "--json"], { env: o.paketo.env(cache), log: join(o.logs, `${name}-paketo-${label}.log`) });
      m.paketo.load.push(r.load);
      if (r.rssMB !== undefined) m.paketo.rssMB.push(r.rssMB);
      return r.seconds;
    };
    o.say(`app size ${n}: paketo first build`);
    m.paketo.first.push(await build("first"));
    for (let r = 1; r <= o.runs; r++) m.paketo.noChange.push(await build(`same-${r}`));
    for (let r = 1; r <= o.runs; r++) {
      edit(src, r);
      m.paketo.oneFile.push(await build(`edit-${r}`));
    }
    // peer
    const psrc = makeSizedApp(join(o.dir, `${name}-peer`), n);
    const bud = async (label) => {
      const args = ["bud", "--isolation", "chroot", "--runtime", "runc", "--layers", "--pull=never", "--timestamp", "0", "-f", dockerfile, "--build-arg", `RUN_IMAGE=${runImage}`, "-t", `localhost/bench/${name}`, psrc];
      const load = os.loadavg()[0];
      const r = await o.peer.buildah(args, { log: join(o.logs, `${name}-peer-${label}.log`) });
      m.peer.load.push(load);
      return r.seconds;
    };
    o.say(`app size ${n}: peer first build`);
    m.peer.first.push(await bud("first"));
    for (let r = 1; r <= o.runs; r++) m.peer.noChange.push(await bud(`same-${r}`));
    for (let r = 1; r <= o.runs; r++) {
      edit(psrc, r);
      m.peer.oneFile.push(await bud(`edit-${r}`));
    }
    rmSync(src, { recursive: true, force: true });
    rmSync(psrc, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
  if (o.memorySize > 0) {
    // Peak memory (max RSS) of paketo alone, for an app bigger than the timed ones.
    const n = o.memorySize;
    const name = `app-memory-${n}`;
    const src = makeSizedApp(join(o.dir, name), n);
    const cache = o.paketo.freshCache(join(o.dir, `${name}-cache`));
    const m = (out.memory = { files: n, firstMB: undefined, oneFileMB: undefined, seconds: [] });
    const build = (label) => timed(process.execPath, [o.paketo.o.bin, "build", `bench/${name}`, "--path", src, "--json"], { env: o.paketo.env(cache), log: join(o.logs, `${name}-${label}.log`) });
    o.say(`app memory ${n}: first build`);
    let r = await build("first");
    m.firstMB = r.rssMB;
    m.seconds.push(r.seconds);
    edit(src, 1);
    o.say(`app memory ${n}: one file changed`);
    r = await build("edit");
    m.oneFileMB = r.rssMB;
    m.seconds.push(r.seconds);
    rmSync(src, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
  }
  return out;
}

const SCENARIOS = [
  ["first", "first build"],
  ["noChange", "rebuild, no change"],
  ["oneFile", "rebuild, one file changed"],
];

/** ms per 1,000 files between the smallest and the largest app, from the medians. */
function slope(res, tool, key) {
  const ns = Object.keys(res.sizes).map(Number).sort((a, b) => a - b);
  if (ns.length < 2) return NaN;
  const [lo, hi] = [ns[0], ns.at(-1)];
  const t = (n) => summary(res.sizes[n][tool][key]).median;
  return ((t(hi) - t(lo)) / (hi - lo)) * 1e6;
}

export function appSizeReport(res) {
  if (!res) return [];
  const rows = [];
  for (const [n, m] of Object.entries(res.sizes)) {
    for (const [key, label] of SCENARIOS) rows.push([`${Number(n).toLocaleString("en")} files: ${label}`, cell("s", m.paketo[key]), cell("s", m.peer[key]), ratioCell(m.paketo[key], m.peer[key], "s")]);
    rows.push([`${Number(n).toLocaleString("en")} files: paketo peak memory`, m.paketo.rssMB.length ? `${Math.max(...m.paketo.rssMB).toFixed(0)} MB` : "n/a", "", ""]);
    rows.push([`${Number(n).toLocaleString("en")} files: 1-minute load during the builds`, `${fmt("n", summary(m.paketo.load).median)} (max ${Math.max(...m.paketo.load).toFixed(1)})`, `${fmt("n", summary(m.peer.load).median)} (max ${Math.max(...m.peer.load).toFixed(1)})`, ""]);
  }
  for (const [key, label] of SCENARIOS) {
    const p = slope(res, "paketo", key);
    const q = slope(res, "peer", key);
    rows.push([`slope, ${label} (ms per 1,000 files)`, Number.isFinite(p) ? p.toFixed(0) : "n/a", Number.isFinite(q) ? q.toFixed(0) : "n/a", ""]);
  }
  const mem = res.memory;
  if (mem) {
    const mb = (x) => (x === undefined ? "n/a" : `${x.toFixed(0)} MB`);
    rows.push([`${mem.files.toLocaleString("en")} files: paketo peak memory, first build / one file changed`, `${mb(mem.firstMB)} / ${mb(mem.oneFileMB)}`, "", ""]);
  }
  return ["## App size (paketo default builder vs buildah `COPY . /workspace`)\n", table(["measure", "paketo", "peer (buildah)", "paketo / peer"], rows), ""];
}

export function appSizeTargets(res) {
  const out = [];
  const mem = res?.memory;
  if (mem?.files === 200000 && mem.firstMB !== undefined && mem.oneFileMB !== undefined) {
    const peak = Math.max(mem.firstMB, mem.oneFileMB);
    out.push({ target: "200,000 files: paketo builds under 300 MB of memory", value: `${peak.toFixed(0)} MB`, met: peak < 300 });
  }
  const m = res?.sizes?.[50000];
  if (!m) return out;
  const med = (xs) => summary(xs).median;
  const noChange = med(m.paketo.noChange);
  return [
    ...out,
    { target: "50,000 files: no-change rebuild ≤ 1.0 s", value: `${noChange.toFixed(2)} s`, met: noChange <= 1.0 },
    { target: "50,000 files: no-change rebuild ≤ 0.1 × peer", value: noChange / med(m.peer.noChange), met: noChange / med(m.peer.noChange) <= 0.1 },
    { target: "50,000 files: one-file change ≤ 0.5 × peer", value: med(m.paketo.oneFile) / med(m.peer.oneFile), met: med(m.paketo.oneFile) / med(m.peer.oneFile) <= 0.5 },
  ];
}

// What a sandbox's network costs per process: the same short command run under bubblewrap with
// network "off" (a bare namespace), "host" (none of its own) and "on" (a namespace of its own,
// an outer bubblewrap and slirp4netns started and stopped around the process). A build starts one
// sandboxed process per buildpack detect and build, so this times the overhead a build pays per
// buildpack. Run with `npm run bench:sandbox [-- --runs N]`; uses the host's / read-only as root.
import { bwrapRunner } from "../run.js";
import type { SandboxNetwork, SandboxSpec } from "../spec.js";

const argv = process.argv.slice(2);
const runsAt = argv.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(argv[runsAt + 1]) : 20;

const runner = bwrapRunner();
const spec = (network: SandboxNetwork): SandboxSpec => ({
  rootfs: "/",
  binds: [],
  uid: 1000,
  gid: 1000,
  cwd: "/",
  env: { PATH: "/usr/bin:/bin" },
  network,
  argv: ["true"],
});

async function time(network: SandboxNetwork): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    let stderr = "";
    const exit = await runner.run(spec(network), { stderr: (c) => (stderr += c.toString("utf8")) });
    if (exit.code !== 0) throw new Error(`network ${network}: true exited ${exit.code ?? exit.signal}: ${stderr}`);
    out.push(performance.now() - t);
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const results: Record<string, number> = {};
// Interleaved rounds, so a busy moment of the machine does not fall on one mode only.
const all: Record<SandboxNetwork, number[]> = { off: [], host: [], on: [] };
for (let round = 0; round < 2; round++) for (const n of ["off", "host", "on"] as const) all[n].push(...(await time(n)));
for (const n of ["off", "host", "on"] as const) results[n] = median(all[n]);
console.log(`sandboxed process start and end, median of ${RUNS * 2} (ms): ${Object.entries(results).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ")}`);
const more = (a: string, b: string) => ((results[a] as number) - (results[b] as number)).toFixed(1);
console.log(`network "on" costs ${more("on", "host")} ms more than "host" and ${more("on", "off")} ms more than "off" per sandboxed process`);

// Benchmark (not a test): how fast layerFromDirectory turns a realistic app tree into a gzip
// layer, next to `tar | gzip` (and `tar | pigz` when installed) on the same tree.
//
//   npm run bench:layers [-- --mb 500] [--runs 1] [--levels 6,1,9]
//
// The tree (about 500 MB: many small JS-like files that compress well, some binary-ish files,
// some incompressible ones) is generated deterministically once and kept in
// ${XDG_CACHE_HOME:-~/.cache}/paketo/bench. Outputs go to a temp folder, removed at the end.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { buildLayers, DEFAULT_LEVEL, layerFromDirectory } from "../layer/index.js";

const GENERATOR_VERSION = "1";
const MB = 1024 * 1024;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYWORDS = ["const", "let", "function", "return", "if", "else", "for", "while", "await", "async", "import", "export", "from", "new", "this", "typeof", "throw", "try", "catch", "class", "extends", "null", "undefined", "true", "false"];
const WORDS = ["value", "options", "config", "request", "response", "buffer", "stream", "error", "result", "callback", "module", "exports", "require", "length", "index", "items", "data", "path", "name", "type", "state", "props", "context", "handler", "listener", "event", "promise", "resolve", "reject", "parse", "format", "encode", "decode", "token", "node", "tree", "visit", "cache", "key", "map", "filter", "reduce", "push", "slice", "join", "split", "trim", "toString", "Object", "Array", "String", "Number", "Math", "JSON", "console", "process", "Symbol", "Promise"];

/** JS-like source text of about `size` bytes: identifiers from a per-file and a shared pool. */
function jsText(size: number, r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const local = Array.from({ length: 12 }, () => pick(WORDS) + pick(WORDS).replace(/^./, (c) => c.toUpperCase()) + (r() < 0.3 ? String(Math.floor(r() * 100)) : ""));
  const ident = (): string => (r() < 0.5 ? pick(local) : pick(WORDS));
  const lines: string[] = [];
  let n = 0;
  let depth = 0;
  while (n < size) {
    const x = r();
    let line: string;
    if (x < 0.08) line = `// ${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)} ${pick(KEYWORDS)} ${pick(WORDS)}.`;
    else if (x < 0.18) {
      line = `${pick(["function", "async function"])} ${ident()}(${ident()}, ${ident()}) {`;
      depth++;
    } else if (x < 0.28 && depth > 0) {
      line = "}";
      depth--;
    } else if (x < 0.45) line = `${pick(["const", "let"])} ${ident()} = ${ident()}.${ident()}(${ident()}, ${Math.floor(r() * 1000)});`;
    else if (x < 0.6) line = `if (${ident()} ${pick(["===", "!==", "<", ">="])} ${pick(["null", "undefined", "0", `"${pick(WORDS)}"`])}) ${pick(["return", "throw new Error("])}${ident()}${x < 0.55 ? ";" : ");"}`;
    else if (x < 0.75) line = `${ident()}.${ident()} = ${pick(["{ ", "[", ""])}${ident()}${pick([" }", "]", ""])};`;
    else if (x < 0.85) line = `return ${ident()}.${pick(["map", "filter", "reduce"])}((${ident()}) => ${ident()}.${ident()});`;
    else line = `${pick(["module.exports", "exports." + ident(), "export const " + ident()])} = ${ident()};`;
    line = "  ".repeat(Math.min(depth, 6)) + line;
    lines.push(line);
    n += line.length + 1;
  }
  return lines.join("\n") + "\n";
}

/** Binary-ish bytes (code-like patterns, tables, strings, some noise): compresses 2–3x like a .so. */
function binaryish(size: number, r: () => number): Buffer {
  const b = Buffer.alloc(size);
  const opcodes = Array.from({ length: 48 }, () => Buffer.from(Array.from({ length: 1 + Math.floor(r() * 4) }, () => Math.floor(r() * 256))));
  let i = 0;
  while (i < size) {
    const x = r();
    const run = Math.min(size - i, 256 + Math.floor(r() * 4096));
    const end = i + run;
    if (x < 0.5) {
      // Code: common instruction prefixes with random operands.
      while (i < end) {
        const op = opcodes[Math.floor(r() * r() * opcodes.length)] as Buffer;
        i += op.copy(b, i, 0, Math.min(op.length, end - i));
        if (i < end && r() < 0.35) b[i++] = r() < 0.7 ? Math.floor(r() * 16) : Math.floor(r() * 256);
      }
    } else if (x < 0.65) {
      // Tables of small little-endian integers.
      for (; i + 4 <= end; i += 4) b.writeUInt32LE(Math.floor(r() * 65536) * (r() < 0.2 ? 4096 : 1), i);
      i = end;
    } else if (x < 0.85) {
      i += b.write(jsText(run, r), i, run, "latin1");
    } else if (x < 0.96) {
      i = end; // zero padding
    } else {
      for (; i < end; i++) b[i] = Math.floor(r() * 256);
    }
  }
  return b;
}

function noise(size: number, r: () => number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) b.writeUInt32LE(Math.floor(r() * 4294967296), i);
  return b;
}

/** Writes the tree in two halves, a/ and b/, each a mix of all three kinds; returns its size. */
function generate(root: string, totalMb: number): number {
  let written = 0;
  const put = (p: string, data: string | Buffer): void => {
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, data);
    written += typeof data === "string" ? Buffer.byteLength(data) : data.length;
  };
  for (const [h, half] of ["a", "b"].entries()) {
    const budget = (totalMb * MB) / 2;
    const r = rng(1000 + h);
    // ~55% small JS-like files in a node_modules-like layout.
    let text = 0;
    for (let pkg = 0; text < budget * 0.55; pkg++) {
      const dir = join(root, half, "node_modules", `pkg-${pkg}`);
      put(join(dir, "package.json"), `{\n  "name": "pkg-${pkg}",\n  "version": "1.${pkg % 17}.${pkg % 5}",\n  "main": "lib/index.js"\n}\n`);
      const files = 5 + Math.floor(r() * 60);
      for (let f = 0; f < files && text < budget * 0.55; f++) {
        const size = Math.floor(200 + Math.exp(r() * Math.log(60000)));
        const data = jsText(size, r);
        put(join(dir, f % 3 === 0 ? "lib" : f % 3 === 1 ? "dist" : "src/internal", `m${f}.js`), data);
        text += data.length;
      }
    }
    // ~35% binary-ish files of 1–12 MB.
    let bin = 0;
    for (let f = 0; bin < budget * 0.35; f++) {
      const size = Math.min(Math.floor((1 + r() * 11) * MB), Math.ceil(budget * 0.35 - bin));
      put(join(root, half, "bin", `lib${f}.so`), binaryish(size, r));
      bin += size;
    }
    // ~10% already-compressed content (images, archives).
    let z = 0;
    for (let f = 0; z < budget * 0.1; f++) {
      const size = Math.min(Math.floor((0.05 + r() * 4) * MB), Math.ceil(budget * 0.1 - z));
      put(join(root, half, "assets", `img${f}.png`), noise(size, r));
      z += size;
    }
  }
  return written;
}

function ensureTree(totalMb: number): string {
  const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const root = join(cacheHome, "paketo", "bench", `layer-tree-v${GENERATOR_VERSION}-${totalMb}mb`);
  const marker = join(root, ".complete");
  if (existsSync(marker)) {
    console.log(`reusing ${root}`);
    return root;
  }
  rmSync(root, { recursive: true, force: true });
  console.log(`generating ${totalMb} MB in ${root} (once) ...`);
  const t = performance.now();
  const n = generate(root, totalMb);
  writeFileSync(marker, `${n}\n`);
  console.log(`  ${(n / MB).toFixed(0)} MB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return root;
}

/** Runs a shell pipeline; wall seconds and the CPU seconds of its processes. */
function sh(script: string): { seconds: number; cpu: number } {
  const t = performance.now();
  const r = spawnSync("sh", ["-c", `${script}\ntimes`], { stdio: ["ignore", "pipe", "inherit"] });
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${script} exited ${r.status ?? r.signal}`);
  // `times` prints the shell's user and system time, then its children's: "0m1.234s 0m0.056s".
  const children = r.stdout.toString().trim().split("\n").at(-1) ?? "";
  const cpu = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((n, m) => n + Number(m[1]) * 60 + Number(m[2]), 0);
  return { seconds, cpu };
}

const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

interface Row {
  what: string;
  seconds: number;
  cpu: number;
  compressed: number;
}

async function main(): Promise<void> {
  const totalMb = Number(arg("mb", "500"));
  const runs = Number(arg("runs", "1"));
  const levels = arg("levels", `${DEFAULT_LEVEL},1,9`).split(",").map(Number);
  const tree = ensureTree(totalMb);
  const out = mkdtempSync(join(tmpdir(), "paketo-bench-"));
  try {
    sh(`tar -cf - -C ${q(tree)} . | cat > /dev/null`); // page cache warm for everyone
    const rows: Row[] = [];
    let tarBytes = 0;
    /** Best (least wall time) of `runs` runs. */
    const measure = async (what: string, once: () => Promise<{ cpu: number; compressed: number }>): Promise<void> => {
      let best: Row | undefined;
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        const r = await once();
        const seconds = (performance.now() - t) / 1000;
        if (!best || seconds < best.seconds) best = { what, seconds, ...r };
      }
      rows.push(best as Row);
      console.log(`  ${what}: ${(best as Row).seconds.toFixed(2)} s`);
    };
    const ours = (level: number): Promise<void> =>
      measure(`paketo layerFromDirectory, level ${level}${level === DEFAULT_LEVEL ? " (default)" : ""}`, async () => {
        const cpu0 = process.cpuUsage();
        const l = await layerFromDirectory(tree, { outputDir: join(out, `ours-${level}`), level });
        const cpu = process.cpuUsage(cpu0);
        tarBytes = l.stats.uncompressedSize;
        rmSync(join(out, `ours-${level}`), { recursive: true });
        return { cpu: (cpu.user + cpu.system) / 1e6, compressed: l.stats.size };
      });
    const shell = (what: string, cmd: string): Promise<void> =>
      measure(what, async () => {
        const file = join(out, "shell.out");
        const r = sh(`${cmd} > ${q(file)}`);
        const compressed = statSync(file).size;
        rmSync(file);
        return { cpu: r.cpu, compressed };
      });
    const tarc = `tar -cf - -C ${q(tree)} .`;

    await shell("tar -c (no compression)", tarc);
    for (const level of levels) {
      await ours(level);
      if (level === 1 || level === 6 || level === DEFAULT_LEVEL) {
        await shell(`tar -c | gzip -${level}`, `${tarc} | gzip -${level}`);
        if (has("pigz")) await shell(`tar -c | pigz -${level} (${availableParallelism()} threads)`, `${tarc} | pigz -${level}`);
      }
    }

    // Two layers, one per half of the tree: one after the other, then in parallel.
    const halves = ["a", "b"].map((h) => join(tree, h));
    const specs = halves.map((dir, i) => ({ dir, outputDir: join(out, `half-${i}`) }));
    for (const concurrency of [1, 2]) {
      await measure(`paketo buildLayers, 2 halves, concurrency ${concurrency}`, async () => {
        const cpu0 = process.cpuUsage();
        const ls = await buildLayers(specs, { concurrency });
        const cpu = process.cpuUsage(cpu0);
        for (const s of specs) rmSync(s.outputDir, { recursive: true });
        return { cpu: (cpu.user + cpu.system) / 1e6, compressed: ls.reduce((n, l) => n + l.stats.size, 0) };
      });
    }

    const content = Number(readFileSync(join(tree, ".complete"), "utf8").trim());
    console.log(
      `\ntree: ${(content / MB).toFixed(0)} MB of content, tar ${(tarBytes / MB).toFixed(0)} MB; node ${process.version}, zlib ${process.versions.zlib}, ` +
        `${availableParallelism()} CPUs, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? "4 (default)"}; best of ${runs}`,
    );
    console.log("MB/s: uncompressed tar MB per second of wall time. cpu s: CPU time of all threads / processes.\n");
    const w = Math.max(...rows.map((r) => r.what.length));
    console.log(`${"what".padEnd(w)}  ${"time s".padStart(7)}  ${"cpu s".padStart(6)}  ${"MB/s".padStart(5)}  ${"gz MB".padStart(7)}  ${"ratio".padStart(5)}`);
    for (const r of rows) {
      console.log(
        `${r.what.padEnd(w)}  ${r.seconds.toFixed(2).padStart(7)}  ${r.cpu.toFixed(2).padStart(6)}  ${(tarBytes / MB / r.seconds).toFixed(0).padStart(5)}  ${(r.compressed / MB).toFixed(1).padStart(7)}  ${(tarBytes / r.compressed).toFixed(2).padStart(5)}`,
      );
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

await main();

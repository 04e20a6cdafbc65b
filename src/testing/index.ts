// Test helpers shared by every module's tests. Never imported by product code.
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawn, spawnSync } from "node:child_process";

/** A fresh temporary directory, removed when `cleanup` runs (pass it to t.after). */
export function tempDir(prefix = "paketo-test-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export type TreeEntry = string | Buffer | { symlink: string } | { content: string | Buffer; mode: number } | { dir: true; mode?: number };

/** Writes a tree described by an object: `{"a/b.txt": "hi", "l": {symlink: "a"}}`. */
export function writeTree(root: string, tree: Record<string, TreeEntry>): string {
  for (const [rel, v] of Object.entries(tree)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    if (typeof v === "string" || Buffer.isBuffer(v)) writeFileSync(p, v);
    else if ("symlink" in v) symlinkSync(v.symlink, p);
    else if ("dir" in v) {
      mkdirSync(p, { recursive: true });
      if (v.mode !== undefined) chmodSync(p, v.mode);
    } else {
      writeFileSync(p, v.content);
      chmodSync(p, v.mode);
    }
  }
  return root;
}

/** Is a command on PATH? Tests that need a real tool fail loudly when it is missing, never skip. */
export function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Runs a command, returning stdout; throws with stderr on failure. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: opts.env ?? process.env, cwd: opts.cwd, input: opts.input, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited ${r.status ?? r.signal}:\n${r.stderr}\n${r.stdout}`);
  }
  return r.stdout;
}
export * from "./registry.js";

/**
 * Runs a command on a pseudo-terminal (util-linux `script`), as a user at a terminal would:
 * stdout and stderr come back together, terminal codes included. Killed after `timeoutMs`.
 */
export function onTerminal(argv: string[], env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<{ code: number | null; output: string }> {
  const cmd = argv.map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  return new Promise((done, fail) => {
    const child = spawn("script", ["-q", "-e", "-c", cmd, "/dev/null"], { env: { TERM: "xterm", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

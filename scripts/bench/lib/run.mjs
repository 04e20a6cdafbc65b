// Child processes for the bench: asynchronous (the counting proxy lives in this process, so a
// synchronous spawn would stall every push), wall-clock timed, stdout lines time-stamped.
import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";

/**
 * Runs `cmd args`, resolves with its output and wall time in seconds; rejects when it exits
 * non-zero (with the tail of its output). `log` appends the command and its output to a file.
 * @returns {Promise<{ code: number, stdout: string, stderr: string, seconds: number, lines: Array<{ t: number, line: string }> }>}
 */
export function run(cmd, args, { env = process.env, cwd, log, allowFail = false } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let partial = "";
    const lines = [];
    child.stdout.on("data", (c) => {
      const t = (performance.now() - t0) / 1000;
      const s = c.toString("utf8");
      stdout += s;
      partial += s;
      for (let i = partial.indexOf("\n"); i >= 0; i = partial.indexOf("\n")) {
        lines.push({ t, line: partial.slice(0, i) });
        partial = partial.slice(i + 1);
      }
    });
    child.stderr.on("data", (c) => {
      stderr += c.toString("utf8");
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - t0) / 1000;
      if (partial) lines.push({ t: seconds, line: partial });
      if (log) appendFileSync(log, `\n$ ${cmd} ${args.join(" ")}\n# exit ${code}, ${seconds.toFixed(2)} s\n${stdout}${stderr}`);
      if (code !== 0 && !allowFail) {
        reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}:\n${stderr.slice(-3000)}\n${stdout.slice(-1500)}`));
        return;
      }
      resolve({ code: code ?? -1, stdout, stderr, seconds, lines });
    });
  });
}

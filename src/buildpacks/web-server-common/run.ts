// Running a server binary at build (its version listing, its configuration test) with stdout and
// stderr going to a file: Node's pipes are sockets, and a configuration that opens /dev/stdout
// (nginx's `access_log /dev/stdout`) cannot open a socket by path.
import { spawn } from "node:child_process";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WebServerError } from "./errors.js";

export async function runServer(argv: readonly string[], opts: { cwd: string; env: Readonly<Record<string, string>> }): Promise<{ code: number | null; output: string }> {
  const [cmd, ...args] = argv as [string, ...string[]];
  const dir = await mkdtemp(join(tmpdir(), "paketo-server-"));
  const file = join(dir, "output");
  const fh = await open(file, "w");
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env as NodeJS.ProcessEnv, stdio: ["ignore", fh.fd, fh.fd] });
      child.on("error", (e) => reject(new WebServerError("WEB_SERVER_CONF_FILE", `running ${cmd} failed: ${e.message}`, { cause: e })));
      child.on("close", (c) => resolve(c));
    });
    await fh.close();
    return { code, output: (await readFile(file, "utf8")).slice(-64 * 1024) };
  } finally {
    await fh.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

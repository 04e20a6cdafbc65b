import { spawn } from "node:child_process";
import { OciError } from "../../errors.js";
import type { Credentials } from "./credentials.js";

const TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 1024 * 1024;

/**
 * Runs `docker-credential-<name> get` with the server URL on stdin, as docker does. Returns
 * undefined when the helper has no credentials for it. Never puts the helper's output into an
 * error: it may hold the secret.
 */
export function runCredentialHelper(
  name: string,
  serverUrl: string,
  ctx: { env: NodeJS.ProcessEnv; configFile: string; source: string },
): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`;
  const where = `(${ctx.source} in ${ctx.configFile})`;
  return new Promise((resolve, reject) => {
    const fail = (why: string, hint?: string) =>
      reject(new OciError("OCI_CREDENTIALS", `credential helper ${program} ${where} ${why} for ${serverUrl}`, hint ? { hint } : {}));
    let child;
    try {
      child = spawn(program, ["get"], { env: ctx.env, stdio: ["pipe", "pipe", "pipe"] });
    } catch (e) {
      fail(`could not be started: ${(e as Error).message}`);
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      fail(`did not answer within ${TIMEOUT_MS / 1000}s`);
    }, TIMEOUT_MS);
    child.stdout.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_OUTPUT) out.push(c);
    });
    child.stderr.on("data", (c: Buffer) => {
      if (err.length < 64) err.push(c);
    });
    child.stdin.on("error", () => {
      // the helper may exit without reading stdin; its exit status tells
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === "ENOENT") {
        fail("is not on PATH", `install ${program}, or remove "${name}" from ${ctx.source} in ${ctx.configFile}`);
      } else {
        fail(`could not be started (${e.code ?? e.message})`);
      }
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString("utf8");
      if (code !== 0) {
        const text = `${stdout}\n${Buffer.concat(err).toString("utf8")}`;
        if (/credentials not found|not found in native keychain|no credentials/i.test(text)) {
          resolve(undefined);
          return;
        }
        fail(`exited with status ${code}`);
        return;
      }
      let v: { Username?: unknown; Secret?: unknown };
      try {
        v = JSON.parse(stdout) as typeof v;
      } catch {
        fail("printed something that is not JSON");
        return;
      }
      const username = typeof v.Username === "string" ? v.Username : "";
      const secret = typeof v.Secret === "string" ? v.Secret : "";
      if (!username && !secret) {
        resolve(undefined);
        return;
      }
      resolve(username === "<token>" ? { identityToken: secret } : { username, password: secret });
    });
    child.stdin.end(serverUrl);
  });
}

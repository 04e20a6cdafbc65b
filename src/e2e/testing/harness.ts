// End-to-end helpers for whole-product tests: `paketo build` with the default builder, the image
// run by podman with a published port, and an HTTP GET against it. Servers listen on 127.0.0.1
// only, every wait is bounded, and containers are removed by their id.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The fixture apps (src/e2e/apps, read from the source tree: tests run from dist). */
export const APPS = resolve(dirname(fileURLToPath(import.meta.url)), "../../../src/e2e/apps");

/** Files the fixture apps are made from (src/e2e/fixtures): a dependency's source, other lockfiles. */
export const FIXTURES = resolve(APPS, "../fixtures");

/** A test file's temp tree `paketo-e2e-<name>-<random>` (lowercase: podman names images from oci: paths), removed by `cleanup`. */
export function e2eTemp(name: string): { path: string; cleanup: () => void } {
  const path = join(tmpdir(), `paketo-e2e-${name}-${randomBytes(4).toString("hex")}`);
  mkdirSync(path);
  return { path, cleanup: () => removeTree(path) };
}

/**
 * Removes a test's temp tree. Podman may still hold an overlay mounted under its storage there
 * for a moment after `rm -f` (EBUSY): those mounts are detached first, then the tree is removed.
 */
export function removeTree(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EBUSY") throw e;
  }
  const mounts = readFileSync("/proc/self/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .filter((m) => m.startsWith(`${path}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync("umount", ["-l", m], { stdio: "ignore" });
  rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/** A copy of fixture app `name` in `dir` (builds must not write into the source tree). */
export function appCopy(name: string, dir: string): string {
  const dest = join(dir, name);
  cpSync(join(APPS, name), dest, { recursive: true });
  return dest;
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.on("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** podman with its own storage (overlay: we are root here) and the two settings this machine needs. */
export class Podman {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "containers.conf"), '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n');
  }

  run(args: string[], timeoutMs = 300_000): string {
    const r = spawnSync(
      "podman",
      ["--root", join(this.dir, "root"), "--runroot", join(this.dir, "runroot"), "--storage-driver", "overlay", ...args],
      { encoding: "utf8", env: { ...process.env, CONTAINERS_CONF: join(this.dir, "containers.conf") }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
    );
    if (r.status !== 0) throw new Error(`podman ${args.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}`);
    return r.stdout.trim();
  }

  /**
   * Starts `image` (any podman transport) with PORT=8080 published on a free loopback port, GETs
   * `/` until it answers (bounded), removes the container, and returns the body.
   */
  async serve(image: string, opts: ServeOptions = {}): Promise<string> {
    return this.with(image, opts, (c) => c.body);
  }

  /**
   * Like serve, but hands the running container to `fn` (its URL, the body of `/`, its id) and
   * removes it after `fn` settles: for requests other than one GET, and `podman exec` checks.
   */
  async with<T>(image: string, opts: ServeOptions, fn: (c: { url: string; body: string; id: string }) => Promise<T> | T): Promise<T> {
    const port = await freePort();
    const env = Object.entries({ PORT: "8080", ...opts.env }).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const entrypoint = opts.entrypoint ? ["--entrypoint", opts.entrypoint] : [];
    const volumes = (opts.volumes ?? []).flatMap((v) => ["-v", v]);
    const id = this.run(["run", "-d", "-p", `127.0.0.1:${port}:8080`, ...env, ...volumes, ...(opts.podmanArgs ?? []), ...entrypoint, image, ...(opts.args ?? [])]);
    try {
      const url = `http://127.0.0.1:${port}`;
      const body = await httpGet(`${url}${opts.path ?? "/"}`, opts.timeoutMs ?? 180_000, () => this.logs(id), opts.accept);
      return await fn({ url, body, id });
    } finally {
      this.run(["rm", "-f", "-t", "0", id]);
    }
  }

  logs(id: string): string {
    try {
      return this.run(["logs", id]);
    } catch (e) {
      return String(e);
    }
  }
}

export interface ServeOptions {
  env?: Record<string, string>;
  args?: string[];
  entrypoint?: string;
  /** `podman run -v` values, e.g. `/host/dir:/bindings/auth:ro`. */
  volumes?: string[];
  /** More `podman run` options, e.g. `--memory 512m`. */
  podmanArgs?: string[];
  /** The path to wait on (default `/`) and the status that means the server is up (default: 2xx). */
  path?: string;
  accept?: number;
  timeoutMs?: number;
}

/** GET `url` until it answers 200 (or `accept`) or `timeoutMs` passes; the failure message carries `context()`. */
export async function httpGet(url: string, timeoutMs: number, context: () => string = () => "", accept?: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000), redirect: "manual" });
      const body = await res.text();
      if (accept === undefined ? res.ok : res.status === accept) return body;
      last = new Error(`HTTP ${res.status}: ${body}`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`no answer from ${url} in ${timeoutMs} ms: ${String(last)}\n${context()}`);
}

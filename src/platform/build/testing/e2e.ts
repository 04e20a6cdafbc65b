// Helpers for the `paketo build` end-to-end tests: the CLI as a child process, podman with a
// private store, our Debian stack, and reading an image's config and layer tars.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { run } from "../../../testing/index.js";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../bin/paketo");

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface Cli {
  paketo(args: string[], extra?: NodeJS.ProcessEnv, cwd?: string): Promise<Result>;
  /** Runs paketo, asserts exit 0, returns stdout trimmed. */
  ok(args: string[], extra?: NodeJS.ProcessEnv, cwd?: string): Promise<string>;
}

/** The CLI with `env` (PAKETO_STORE pointing into the test's temp dir). */
export function cli(env: () => NodeJS.ProcessEnv): Cli {
  const paketo = (args: string[], extra: NodeJS.ProcessEnv = {}, cwd?: string): Promise<Result> =>
    new Promise((done, fail) => {
      const child = spawn(process.execPath, [BIN, ...args], { env: { ...env(), ...extra }, stdio: ["ignore", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 600_000);
      child.on("error", fail);
      child.on("close", (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr });
      });
    });
  return {
    paketo,
    async ok(args, extra = {}, cwd) {
      const r = await paketo(args, extra, cwd);
      assert.equal(r.code, 0, `paketo ${args.join(" ")} failed:\n${r.stderr}`);
      return r.stdout.trim();
    },
  };
}

/** `stack:build` and `stack:run`: our Debian stack, resolved fresh (the shipped lock may name superseded packages), from the shared caches. */
export async function makeStack(c: Cli, dir: string): Promise<void> {
  await c.ok(["stack", "create", "--update", "--lock", join(dir, "stack.lock.toml"), "--flavor", "build", "stack:build"]);
  await c.ok(["stack", "create", "--lock", join(dir, "stack.lock.toml"), "--flavor", "base", "stack:run"]);
}

/** podman with its own storage under `dir`. */
export function podman(dir: string, args: string[]): string {
  const conf = join(dir, "containers.conf");
  mkdirSync(dir, { recursive: true });
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n');
  return run("podman", ["--root", join(dir, "root"), "--runroot", join(dir, "runroot"), "--storage-driver", "vfs", ...args], {
    env: { ...process.env, CONTAINERS_CONF: conf },
  });
}

export interface OciImage {
  labels: Record<string, string>;
  /** Each layer, uncompressed. */
  layers: Buffer[];
}

/** The single image of an OCI layout directory: labels and uncompressed layer tars. */
export function readOciLayout(dir: string): OciImage {
  const blob = (digest: string) => readFileSync(join(dir, "blobs", ...digest.split(":")));
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8")) as { manifests: Array<{ digest: string }> };
  assert.equal(index.manifests.length, 1);
  const manifest = JSON.parse(blob((index.manifests[0] as { digest: string }).digest).toString()) as {
    config: { digest: string };
    layers: Array<{ digest: string; mediaType: string }>;
  };
  const config = JSON.parse(blob(manifest.config.digest).toString()) as { config: { Labels?: Record<string, string> } };
  return {
    labels: config.config.Labels ?? {},
    layers: manifest.layers.map((l) => (l.mediaType.endsWith("gzip") ? gunzipSync(blob(l.digest)) : blob(l.digest))),
  };
}

/** Entry names of an uncompressed tar (ustar names with their prefix; pax long names are not needed here). */
export function tarNames(tar: Buffer): string[] {
  const out: string[] = [];
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) => h.subarray(a, a + n).toString("utf8").replace(/\0.*$/s, "");
    const name = str(0, 100);
    const prefix = str(345, 155);
    const size = parseInt(str(124, 12).trim() || "0", 8);
    const type = String.fromCharCode(h[156] ?? 0);
    if (type !== "x" && type !== "g" && type !== "L") out.push(prefix ? `${prefix}/${name}` : name);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Every entry under `root`: type, mode, size, mtime and content hash (or link target), for before/after comparisons. */
export function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const s = lstatSync(p);
      const rel = p.slice(root.length + 1);
      if (s.isDirectory()) {
        out[rel] = `dir ${s.mode.toString(8)}`;
        walk(p);
      } else if (s.isSymbolicLink()) out[rel] = `link ${readlinkSync(p)}`;
      else out[rel] = `file ${s.mode.toString(8)} ${s.size} ${s.mtimeMs} ${createHash("sha256").update(readFileSync(p)).digest("hex")}`;
    }
  };
  walk(root);
  return out;
}

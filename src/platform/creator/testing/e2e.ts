// Helpers for the `paketo build` end-to-end tests: the CLI as a child process, podman with a
// private store, our Debian stack, the conformance builder, and reading an image's config and
// layer tars.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { packageBuildpack } from "../../../buildpack-api/packaging/index.js";
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

/** The CLI started as a child process (for tests that watch or kill a running build); stdout and stderr piped. */
export function startPaketo(args: string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"], ...(cwd ? { cwd } : {}) });
}

/** `stack:build` and `stack:run`: our Debian stack, resolved fresh (the shipped lock may name superseded packages), from the shared caches. */
export async function makeStack(c: Cli, dir: string): Promise<void> {
  await c.ok(["stack", "create", "--update", "--lock", join(dir, "stack.lock.toml"), "--flavor", "build", "stack:build"]);
  await c.ok(["stack", "create", "--lock", join(dir, "stack.lock.toml"), "--flavor", "base", "stack:run"]);
}

function podmanArgs(dir: string, args: string[]): { args: string[]; env: NodeJS.ProcessEnv } {
  const conf = join(dir, "containers.conf");
  if (!existsSync(conf)) {
    // Written once and renamed into place: concurrent podman calls must never read a half-written file.
    mkdirSync(dir, { recursive: true });
    const tmp = `${conf}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(tmp, '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n');
    renameSync(tmp, conf);
  }
  return {
    args: ["--root", join(dir, "root"), "--runroot", join(dir, "runroot"), "--storage-driver", "vfs", ...args],
    env: { ...process.env, CONTAINERS_CONF: conf },
  };
}

/** podman with its own storage under `dir`. */
export function podman(dir: string, args: string[]): string {
  const p = podmanArgs(dir, args);
  return run("podman", p.args, { env: p.env });
}

/** podman as a child process that does not block the event loop (for concurrent tests); any exit code. */
export function podmanAsync(dir: string, args: string[]): Promise<Result> {
  const p = podmanArgs(dir, args);
  return new Promise((done, fail) => {
    const child = spawn("podman", p.args, { env: p.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

export interface OciImage {
  labels: Record<string, string>;
  /** Each layer, uncompressed. */
  layers: Buffer[];
  /** The image config's `config` (Entrypoint, Cmd, Env, WorkingDir, User, Labels). */
  config: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; WorkingDir?: string; User?: string; Labels?: Record<string, string> };
  /** `created_by` of each history entry that made a layer. */
  history: string[];
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
  const config = JSON.parse(blob(manifest.config.digest).toString()) as {
    config: OciImage["config"];
    history?: Array<{ created_by?: string; empty_layer?: boolean }>;
  };
  return {
    labels: config.config.Labels ?? {},
    layers: manifest.layers.map((l) => (l.mediaType.endsWith("gzip") ? gunzipSync(blob(l.digest)) : blob(l.digest))),
    config: config.config,
    history: (config.history ?? []).filter((h) => !h.empty_layer).map((h) => h.created_by ?? ""),
  };
}

/** `ref` (any transport) copied to an OCI layout under `dir` and read back. */
export async function readImage(c: Cli, ref: string, dir: string): Promise<OciImage> {
  await c.ok(["copy", ref, `oci:${dir}`]);
  return readOciLayout(dir);
}

/** The regular files and symlinks of the layer whose history says `createdBy`: path (no leading or trailing `/`) → entry. */
export function layerFiles(image: OciImage, createdBy: string): Map<string, TarEntry> {
  const i = image.history.indexOf(createdBy);
  assert.ok(i >= 0, `no layer "${createdBy}" in ${JSON.stringify(image.history)}`);
  const out = new Map<string, TarEntry>();
  for (const e of tarEntries(image.layers[i] as Buffer)) out.set(e.name.replace(/^\/+/, "").replace(/\/+$/, ""), e);
  return out;
}

export interface TarEntry {
  name: string;
  /** The ustar type flag: "0" file, "2" symlink, "5" directory... */
  type: string;
  linkname: string;
  mode: number;
  uid: number;
  gid: number;
  data: Buffer;
}

/** The entries of an uncompressed tar, with pax `path`/`linkpath` applied. */
export function tarEntries(tar: Buffer): TarEntry[] {
  const out: TarEntry[] = [];
  let pax: Record<string, string> = {};
  let off = 0;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) => h.subarray(a, a + n).toString("utf8").replace(/\0.*$/s, "");
    const num = (a: number, n: number) => parseInt(str(a, n).trim() || "0", 8);
    const size = num(124, 12);
    const type = String.fromCharCode(h[156] ?? 0) || "0";
    const data = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === "x") {
      pax = {};
      for (const rec of data.toString("utf8").split("\n")) {
        const m = /^\d+ ([^=]+)=(.*)$/s.exec(rec);
        if (m) pax[m[1] as string] = m[2] as string;
      }
      continue;
    }
    if (type === "g" || type === "L" || type === "K") continue;
    const prefix = str(345, 155);
    out.push({
      name: pax.path ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100)),
      type: type === "\0" ? "0" : type,
      linkname: pax.linkpath ?? str(157, 100),
      mode: num(100, 8),
      uid: num(108, 8),
      gid: num(116, 8),
      data: Buffer.from(data),
    });
    pax = {};
  }
  return out;
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

/** The conformance fixture buildpacks (src/platform/creator/fixtures/conformance, see its README). */
export const CONFORMANCE_FIXTURES = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../src/platform/creator/fixtures/conformance");

/** The builder every conformance test file shares: stack:build, stack:run and this builder in the test's store. */
export const CONFORMANCE_BUILDER = "conformance:builder";

/**
 * Creates our stack and `conformance:builder` in the store `c` uses: every fixture buildpack (the
 * TypeScript one packaged with the buildpack API's packaging) and an order for the order tests.
 * The builder is reproducible, so every test file's builder has one digest and they share the
 * extracted root filesystem in the machine cache.
 */
export async function makeConformanceBuilder(c: Cli, dir: string): Promise<void> {
  await makeStack(c, dir);
  const ts = await packageBuildpack({
    entry: join(CONFORMANCE_FIXTURES, "ts/main.ts"),
    buildpackToml: readFileSync(join(CONFORMANCE_FIXTURES, "ts/buildpack.toml"), "utf8"),
    outDir: join(dir, "conformance-ts"),
  });
  // `future` declares an unsupported Buildpack API, which builder create refuses: tests pass it as --buildpack DIR.
  const folders = readdirSync(CONFORMANCE_FIXTURES)
    .filter((n) => n !== "ts" && n !== "future" && existsSync(join(CONFORMANCE_FIXTURES, n, "buildpack.toml")))
    .sort()
    .map((n) => join(CONFORMANCE_FIXTURES, n));
  const entry = (id: string, optional = false) => `[[order.group]]\nid = "conformance/${id}"\nversion = "1.0.0"\n${optional ? "optional = true\n" : ""}`;
  const toml = [
    ...[...folders, ts.dir].map((uri) => `[[buildpacks]]\nuri = "${uri}"\n`),
    // The order tests (CNB-5, CNB-34, CNB-35): the markers an app has decide which group passes.
    `[[order]]\n${entry("order-a")}${entry("order-b")}`,
    `[[order]]\n${entry("meta")}${entry("order-e", true)}`,
    `[build]\nimage = "stack:build"\n\n[[run.images]]\nimage = "stack:run"\n`,
  ].join("\n");
  writeFileSync(join(dir, "conformance-builder.toml"), toml);
  await c.ok(["builder", "create", CONFORMANCE_BUILDER, "--config", join(dir, "conformance-builder.toml")]);
}

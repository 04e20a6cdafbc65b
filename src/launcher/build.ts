// Compiling the launcher (launcher/*.c at the package root) into a static binary. The platform
// runs the build image's compiler (inside bubblewrap); tests run the host's gcc.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { chmod, mkdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tempPath, writeFileAtomic } from "../fs/index.js";
import { LauncherError } from "./errors.js";

/** The C sources of the launcher. */
export interface LauncherSource {
  /** Absolute path of the launcher/ folder. */
  dir: string;
  /** Absolute paths of its .c files, sorted. */
  files: string[];
}

/** The flags every build uses: C11, fully static, small, stripped, warnings are errors. */
export const LAUNCHER_CFLAGS: readonly string[] = ["-std=c11", "-static", "-Os", "-s", "-Wall", "-Wextra", "-Werror"];

/** The launcher sources shipped with this package (found from this module's own location). */
export function launcherSource(): LauncherSource {
  // src/launcher/build.ts and dist/launcher/build.js are both two levels below the package root.
  const dir = fileURLToPath(new URL("../../launcher/", import.meta.url)).replace(/\/$/, "");
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".c")).sort();
  } catch (err) {
    throw new LauncherError("LAUNCHER_BUILD", `cannot read the launcher sources in ${dir}`, { cause: err });
  }
  if (names.length === 0) throw new LauncherError("LAUNCHER_BUILD", `no launcher sources (*.c) in ${dir}`);
  return { dir, files: names.map((n) => join(dir, n)) };
}

export interface BuildLauncherOptions {
  /**
   * The compiler as a command prefix: ["gcc"], or a bubblewrap invocation into the build image
   * ending in its gcc. It is run with LAUNCHER_CFLAGS, `-o <outDir>/<tmp>` and the absolute
   * source paths, so a sandbox must show `source.dir` and `outDir` at the same paths.
   */
  cc: readonly string[];
  /** Where the binary is written, as `<outDir>/launcher`. */
  outDir: string;
  /** Keeps built binaries by source hash + compiler identity; a hit skips the compile. */
  cacheDir?: string;
  /** More compiler identity for the cache key (e.g. the build image digest, which pins its libc). */
  identity?: string;
  /** The sources (default: launcherSource()). */
  source?: LauncherSource;
  /** The compiler's environment (default: a fixed PATH and LC_ALL=C, nothing from the caller). */
  env?: Record<string, string>;
}

export interface BuiltLauncher {
  /** `<outDir>/launcher`. */
  path: string;
  /** Hex SHA-256 of the binary. */
  sha256: string;
  size: number;
  /** True when the binary came from the cache. */
  cached: boolean;
  /** The first line of `cc --version`. */
  compiler: string;
}

const DEFAULT_ENV = { PATH: "/usr/local/bin:/usr/bin:/bin", LC_ALL: "C" };

export async function buildLauncher(opts: BuildLauncherOptions): Promise<BuiltLauncher> {
  if (opts.cc.length === 0) throw new LauncherError("LAUNCHER_BUILD", "no compiler command given");
  const source = opts.source ?? launcherSource();
  const env = opts.env ?? DEFAULT_ENV;
  // The compiler's identity: its version, and the macros it predefines with the libc headers
  // included (target, gcc version, __GLIBC__/__GLIBC_MINOR__, or musl's different set).
  const [version, macros] = await Promise.all([
    compilerOutput(opts.cc, ["--version"], env),
    compilerOutput(opts.cc, ["-E", "-dM", "-x", "c", "-"], env, "#include <limits.h>\n#include <unistd.h>\n"),
  ]);
  const compiler = version.split("\n")[0]!.trim();

  const key = createHash("sha256");
  key.update(JSON.stringify({ format: 1, flags: LAUNCHER_CFLAGS, version, macros, identity: opts.identity ?? "" }));
  for (const f of source.files) {
    key.update(`\0${f.slice(source.dir.length + 1)}\0`);
    key.update(await readSource(f));
  }
  // Headers are part of the input too.
  for (const h of readdirSync(source.dir).filter((n) => n.endsWith(".h")).sort()) {
    key.update(`\0${h}\0`);
    key.update(await readSource(join(source.dir, h)));
  }
  const cacheKey = key.digest("hex");

  await mkdir(opts.outDir, { recursive: true });
  const out = join(opts.outDir, "launcher");
  if (opts.cacheDir) {
    const hit = await fromCache(opts.cacheDir, cacheKey);
    if (hit) {
      await placeFile(hit.bytes, out);
      return { path: out, sha256: hit.sha256, size: hit.bytes.length, cached: true, compiler };
    }
  }

  const tmp = tempPath(opts.outDir);
  try {
    const r = await run(opts.cc, [...LAUNCHER_CFLAGS, "-o", tmp, ...source.files], env);
    if (r.code !== 0) {
      throw new LauncherError("LAUNCHER_BUILD", `compiling the launcher with ${opts.cc.join(" ")} failed (exit ${r.code})`, {
        hint: r.stderr.trim().split("\n").slice(-20).join("\n"),
      });
    }
    const bytes = await readFile(tmp);
    await chmod(tmp, 0o755);
    await rename(tmp, out);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (opts.cacheDir) await toCache(opts.cacheDir, cacheKey, bytes, sha256);
    return { path: out, sha256, size: bytes.length, cached: false, compiler };
  } finally {
    await rm(tmp, { force: true });
  }
}

async function readSource(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new LauncherError("LAUNCHER_BUILD", `cannot read launcher source ${path}`, { cause: err });
  }
}

async function compilerOutput(cc: readonly string[], args: string[], env: Record<string, string>, input?: string): Promise<string> {
  const r = await run(cc, args, env, input);
  if (r.code !== 0) {
    throw new LauncherError("LAUNCHER_BUILD", `${[...cc, ...args].join(" ")} failed (exit ${r.code})`, { hint: r.stderr.trim() });
  }
  return r.stdout;
}

function run(
  cc: readonly string[],
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cc[0]!, [...cc.slice(1), ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.on("error", () => {}); // a compiler that exits without reading its input
    child.stdin.end(input ?? "");
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) =>
      reject(new LauncherError("LAUNCHER_BUILD", `cannot run the compiler ${cc.join(" ")}`, { cause: e })),
    );
    child.on("close", (code, signal) =>
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
  });
}

// The cache holds <key> (the binary) and <key>.sha256; a binary whose hash does not match is
// ignored and rebuilt.
async function fromCache(dir: string, key: string): Promise<{ bytes: Buffer; sha256: string } | undefined> {
  try {
    const [bytes, recorded] = await Promise.all([readFile(join(dir, key)), readFile(join(dir, `${key}.sha256`), "utf8")]);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    return sha256 === recorded.trim() ? { bytes, sha256 } : undefined;
  } catch {
    return undefined;
  }
}

async function toCache(dir: string, key: string, bytes: Buffer, sha256: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await placeFile(bytes, join(dir, key));
  await placeFile(Buffer.from(`${sha256}\n`), join(dir, `${key}.sha256`));
}

/** Readers never see half a file. */
function placeFile(bytes: Buffer, path: string): Promise<void> {
  return writeFileAtomic(path, bytes, { mode: 0o755 });
}

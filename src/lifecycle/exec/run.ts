// Running one bin/detect or bin/build in the sandbox: what it sees (binds, env, cwd) and what it
// prints (line by line, with the last lines kept for error messages).
import { mkdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import type { Bind, Exit, Runner, SandboxNetwork, SandboxSpec } from "../../sandbox/index.js";
import type { Env } from "../env/index.js";
import type { BuildPaths, RunDir } from "./paths.js";

/** How buildpack processes are started; the same for detect and build. */
export interface ExecSettings {
  /**
   * The lifecycle's own environment, filtered per CNB-9 before a buildpack sees it: with bubblewrap
   * the build image's config Env (PATH, HOME, CNB_USER_ID...), with --sandbox none the env paketo
   * runs in. Credentials in it never reach a buildpack (CNB-30).
   */
  lifecycleEnv: Readonly<Record<string, string>>;
  /** CNB_USER_ID / CNB_GROUP_ID of the build image (CNB-61). */
  uid: number;
  gid: number;
  /** Network for buildpacks (default "on": outbound only, the host's loopback out of reach; D2). */
  network?: SandboxNetwork;
  /** Extra binds into the sandbox (e.g. a host toolchain in tests). */
  binds?: readonly Bind[];
}

/** What one run may write: the app (build: yes; detect: read-only by intent, CNB-6) and the layers. */
export interface ProcessAccess {
  workspace: "ro" | "rw";
  layers: "none" | "rw";
}

/**
 * The writable HOME of the CNB user (CNB-31, CNB-61): `<work>/home` bound at `$HOME` when the
 * build image has that directory (the root filesystem is read-only, so the mount point must
 * exist). Undefined with --sandbox none (HOME is the container's) or when there is none.
 */
export async function homeBind(paths: BuildPaths, settings: ExecSettings): Promise<Bind | undefined> {
  const home = settings.lifecycleEnv.HOME;
  if (paths.mode === "none" || home === undefined || !home.startsWith("/") || home === "/") return undefined;
  const isDir = await stat(join(paths.rootfs, home)).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) return undefined;
  await mkdir(paths.host.home, { recursive: true });
  return { source: paths.host.home, target: home };
}

/** The sandbox spec of one buildpack process. */
export function processSpec(
  paths: BuildPaths,
  settings: ExecSettings,
  req: { argv: string[]; env: Env; access: ProcessAccess; runDir: RunDir; home?: Bind | undefined; mounts?: readonly Bind[] },
): SandboxSpec {
  const binds: Bind[] = [];
  if (paths.mode !== "none") {
    const { host, sandbox } = paths;
    binds.push({ source: host.workspace, target: sandbox.workspace, readOnly: req.access.workspace === "ro" });
    if (req.access.layers === "rw") binds.push({ source: host.layers, target: sandbox.layers });
    binds.push({ source: host.platform, target: sandbox.platform, readOnly: true });
    if (paths.buildpacksBound) binds.push({ source: host.buildpacks, target: sandbox.buildpacks, readOnly: true });
    if (paths.buildConfigBound) binds.push({ source: host.buildConfig, target: sandbox.buildConfig, readOnly: true });
    if (req.home) binds.push(req.home);
    binds.push({ source: req.runDir.host, target: req.runDir.sandbox });
    binds.push(...(settings.binds ?? []));
    // Build mounts go into the app, so after the app's own bind.
    binds.push(...(req.mounts ?? []));
  }
  return {
    rootfs: paths.rootfs,
    binds,
    uid: settings.uid,
    gid: settings.gid,
    cwd: paths.sandbox.workspace,
    env: req.env,
    network: settings.network ?? "on",
    argv: req.argv,
  };
}

/** Splits a byte stream into lines (UTF-8, `\n` or `\r\n`); the last partial line comes with `end()`. */
export function lineSplitter(onLine: (line: string) => void): { write(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  const emit = (text: string) => {
    const parts = (pending + text).split("\n");
    pending = parts.pop() ?? "";
    for (const p of parts) onLine(p.endsWith("\r") ? p.slice(0, -1) : p);
  };
  return {
    write: (chunk) => emit(decoder.write(chunk)),
    end() {
      emit(decoder.end());
      if (pending !== "") onLine(pending.endsWith("\r") ? pending.slice(0, -1) : pending);
      pending = "";
    },
  };
}

export interface ProcessOutcome {
  exit: Exit;
  /** stdout and stderr merged, line by line in arrival order; capped at `bufferLines` (oldest dropped). */
  lines: string[];
  /** Whether lines were dropped from the start of `lines`. */
  truncated: boolean;
}

/**
 * Runs one process. Each output line goes to `onLine` as it arrives (build streams them into the
 * log); the last `bufferLines` lines are kept (detect shows them for errored buildpacks, build puts
 * the last ones in its error message).
 */
export async function runProcess(runner: Runner, spec: SandboxSpec, opts: { onLine?: (line: string) => void; bufferLines?: number } = {}): Promise<ProcessOutcome> {
  const keep = opts.bufferLines ?? 10_000;
  const lines: string[] = [];
  let truncated = false;
  const onLine = (line: string) => {
    opts.onLine?.(line);
    lines.push(line);
    if (lines.length >= 2 * keep) {
      lines.splice(0, lines.length - keep);
      truncated = true;
    }
  };
  const out = lineSplitter(onLine);
  const err = lineSplitter(onLine);
  const exit = await runner.run(spec, { stdout: (c) => out.write(c), stderr: (c) => err.write(c) });
  out.end();
  err.end();
  if (lines.length > keep) {
    lines.splice(0, lines.length - keep);
    truncated = true;
  }
  return { exit, lines, truncated };
}

/** "exited with code 3" / "was killed by SIGKILL". */
export function describeExit(exit: Exit): string {
  if (exit.code !== null) return `exited with code ${exit.code}`;
  return `was killed by ${exit.signal ?? "a signal"}`;
}

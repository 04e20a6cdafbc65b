import { spawn } from "node:child_process";
import { SandboxError } from "./errors.js";
import { bwrapArgs } from "./bwrap.js";
import type { Exit, ProcessIo, SandboxSpec } from "./spec.js";

/** How buildpack processes are isolated: bubblewrap, or not at all (inside a container). */
export type SandboxMode = "bwrap" | "none";

export interface Runner {
  readonly mode: SandboxMode;
  /** Runs one process to completion. Never throws for a non-zero exit; only when it cannot start. */
  run(spec: SandboxSpec, io?: ProcessIo): Promise<Exit>;
  /** Starts a long-lived process that reads stdin and writes a control stream on fd 3. */
  start(spec: SandboxSpec, io: SessionIo): Session;
}

/** Output of a session: stdout and stderr as for `run`, and fd 3. */
export interface SessionIo extends ProcessIo {
  control: (chunk: Buffer) => void;
}

/** A running process started by `Runner.start`. */
export interface Session {
  /** Writes to its stdin. */
  write(text: string): void;
  /** Closes its stdin (it is expected to exit then). */
  end(): void;
  /** How it ended; rejects when it could not start. */
  readonly exit: Promise<Exit>;
}

function spawnSession(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string | undefined, io: SessionIo, what: string): Session {
  const child = spawn(cmd, args, { env, cwd, stdio: ["pipe", "pipe", "pipe", "pipe"], signal: io.signal });
  child.stdout?.on("data", (c: Buffer) => io.stdout?.(c));
  child.stderr?.on("data", (c: Buffer) => io.stderr?.(c));
  (child.stdio[3] as NodeJS.ReadableStream).on("data", (c: Buffer) => io.control(c));
  child.stdin?.on("error", () => {}); // a process that died: its exit says so
  const exit = new Promise<Exit>((resolve, reject) => {
    child.once("error", (e: NodeJS.ErrnoException) => {
      if (e.name === "AbortError") resolve({ code: null, signal: "SIGTERM" });
      else reject(new SandboxError("SANDBOX_START", `cannot start ${what}: ${e.message}`, { cause: e }));
    });
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  exit.catch(() => {});
  return { write: (text) => void child.stdin?.write(text), end: () => void child.stdin?.end(), exit };
}

function spawnAndWait(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string | undefined, io: ProcessIo, what: string): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"], signal: io.signal });
    child.stdout.on("data", (c: Buffer) => io.stdout?.(c));
    child.stderr.on("data", (c: Buffer) => io.stderr?.(c));
    child.once("error", (e: NodeJS.ErrnoException) => {
      if (e.name === "AbortError") resolve({ code: null, signal: "SIGTERM" });
      else reject(new SandboxError("SANDBOX_START", `cannot start ${what}: ${e.message}`, { cause: e }));
    });
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
}

/** Runs processes inside bubblewrap. */
export function bwrapRunner(opts: { bwrap?: string } = {}): Runner {
  const bin = opts.bwrap ?? "bwrap";
  return {
    mode: "bwrap",
    run: (spec, io = {}) => spawnAndWait(bin, bwrapArgs(spec), {}, undefined, io, `${spec.argv[0]} in the sandbox (${bin})`),
    start: (spec, io) => spawnSession(bin, bwrapArgs(spec), {}, undefined, io, `${spec.argv[0]} in the sandbox (${bin})`),
  };
}

/**
 * Runs processes directly, for use inside a container that is itself the sandbox (`--sandbox none`).
 * Binds must already be where the spec says (the container provides /workspace, /layers, ...);
 * `rootfs`, uid and gid are those of the container.
 */
export function directRunner(): Runner {
  return {
    mode: "none",
    run: (spec, io = {}) => spawnAndWait(spec.argv[0] as string, spec.argv.slice(1), { ...spec.env }, spec.cwd, io, String(spec.argv[0])),
    start: (spec, io) => spawnSession(spec.argv[0] as string, spec.argv.slice(1), { ...spec.env }, spec.cwd, io, String(spec.argv[0])),
  };
}

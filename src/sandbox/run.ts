import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { basename, delimiter, join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { SandboxError } from "./errors.js";
import { bwrapOptions, type NetworkFds, networkWrapper } from "./bwrap.js";
import { type SandboxNet, sandboxHosts, sandboxResolvConf, startSandboxNet } from "./network.js";
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

// The descriptors of a bubblewrap child: 3 carries its options (a session's control stream takes
// 3, which the process inside keeps, and its options move to 8); with a network of its own, 4 and
// 5 carry resolv.conf and hosts, and the outer bubblewrap writes its pid to 6 and waits on 7 for
// the go-ahead once the network is up.
const ARGS_FD = 3;
const SESSION_ARGS_FD = 8;
const CONTROL_FD = 3;
const NET_FDS: NetworkFds = { resolvConf: 4, hosts: 5 };
const WRAPPER_FDS = { info: 6, block: 7 };

/**
 * Starts one bubblewrap sandbox. With `control`, its stdin is a pipe and fd 3 of the process
 * inside is read as a control stream (a session); otherwise stdin is closed.
 */
function spawnBwrap(
  bin: string,
  slirp4netns: string | undefined,
  spec: SandboxSpec,
  io: ProcessIo,
  control?: (chunk: Buffer) => void,
): { child: ChildProcess; exit: Promise<Exit> } {
  const what = `${spec.argv[0]} in the sandbox (${bin})`;
  const own = (spec.network ?? "on") === "on";
  const options = bwrapOptions(spec, own ? { netFds: NET_FDS } : {});
  const argsFd = control ? SESSION_ARGS_FD : ARGS_FD;
  const stdio: StdioOptions = control
    ? ["pipe", "pipe", "pipe", "pipe", ...(own ? (["pipe", "pipe", "pipe", "pipe"] as const) : (["ignore", "ignore", "ignore", "ignore"] as const)), "pipe"]
    : ["ignore", "pipe", "pipe", "pipe", ...(own ? (["pipe", "pipe", "pipe", "pipe"] as const) : [])];
  const command = ["--args", String(argsFd), "--", ...spec.argv];
  const child: ChildProcess = spawn(bin, own ? [...networkWrapper(WRAPPER_FDS, bin), ...command] : command, {
    // Its command line shows the name, as before onPath resolved it.
    argv0: basename(bin),
    env: {},
    stdio,
    ...(io.signal ? { signal: io.signal } : {}),
  });
  const fd = (n: number) => {
    const s = child.stdio[n] as (Readable & Writable) | null;
    s?.on("error", () => {}); // bubblewrap may exit before reading them
    return s as Readable & Writable;
  };
  child.stdout?.on("data", (c: Buffer) => io.stdout?.(c));
  child.stderr?.on("data", (c: Buffer) => io.stderr?.(c));
  if (control) {
    fd(CONTROL_FD).on("data", (c: Buffer) => control(c));
    child.stdin?.on("error", () => {}); // a process that died: its exit says so
  }
  fd(argsFd).end(Buffer.from(options.map((a) => `${a}\0`).join(""), "utf8"));
  let net: SandboxNet | undefined;
  let failed: Error | undefined;
  // The wrapper's child, while it waits for the go-ahead: it has no death signal yet, so if
  // the wrapper ends first (a failure, an abort) it is ended by its pid, never let go on.
  let waiting: number | undefined;
  const endWaiting = () => {
    if (waiting === undefined) return;
    try {
      process.kill(waiting, "SIGKILL");
    } catch {
      // already gone
    }
    waiting = undefined;
  };
  if (own) {
    fd(NET_FDS.resolvConf).end(sandboxResolvConf());
    fd(NET_FDS.hosts).end(sandboxHosts(spec.hostname ?? "paketo"));
    const block = fd(WRAPPER_FDS.block);
    // bubblewrap writes a JSON document and closes the descriptor: read it to its end (closing
    // it early would kill bubblewrap with SIGPIPE and strand its child).
    let info = "";
    const infoFd = fd(WRAPPER_FDS.info);
    infoFd.on("data", (c: Buffer) => {
      info += c.toString("utf8");
    });
    infoFd.once("end", () => {
      const pid = /"child-pid"\s*:\s*(\d+)/.exec(info)?.[1];
      if (!pid) return; // bubblewrap failed before it had a pid: its own error is on stderr
      waiting = Number(pid);
      startSandboxNet(waiting, slirp4netns ? { slirp4netns } : {}).then(
        (n) => {
          net = n;
          if (child.exitCode !== null || child.signalCode !== null || waiting === undefined) n.stop();
          else {
            waiting = undefined;
            block.end("1");
          }
        },
        (e: Error) => {
          failed = e;
          endWaiting();
          child.kill("SIGKILL");
        },
      );
    });
  }
  const exit = new Promise<Exit>((resolve, reject) => {
    child.once("error", (e: NodeJS.ErrnoException) => {
      endWaiting();
      net?.stop();
      if (e.name === "AbortError") resolve({ code: null, signal: "SIGTERM" });
      else reject(new SandboxError("SANDBOX_START", `cannot start ${what}: ${e.message}`, { cause: e }));
    });
    child.once("close", (code, signal) => {
      endWaiting();
      net?.stop();
      if (failed) reject(failed);
      else resolve({ code, signal });
    });
  });
  return { child, exit };
}

/**
 * Runs processes inside bubblewrap. The arguments (the environment among them: `--env` values,
 * tokens) reach bubblewrap through a descriptor (`--args`), so its command line, which any
 * local user can read in /proc/PID/cmdline, and the sandbox's own /proc/1/cmdline show only
 * `bwrap --args N -- COMMAND...`. With network "on", the sandbox runs inside networkWrapper's
 * namespace, and slirp4netns is started for it before the process runs and stopped when it ends.
 */
export function bwrapRunner(opts: { bwrap?: string; slirp4netns?: string } = {}): Runner {
  const bin = onPath(opts.bwrap ?? "bwrap");
  return {
    mode: "bwrap",
    run: (spec, io = {}) => spawnBwrap(bin, opts.slirp4netns, spec, io).exit,
    start: (spec, io) => {
      const { child, exit } = spawnBwrap(bin, opts.slirp4netns, spec, io, io.control);
      exit.catch(() => {});
      return { write: (text) => void child.stdin?.write(text), end: () => void child.stdin?.end(), exit };
    },
  };
}

/**
 * A bare command name as the file it names on the PATH paketo runs with (the lookup checkBwrap's
 * spawn makes), else the name unchanged. bubblewrap is started with an empty environment, and
 * spawn then looks a bare name up in /usr/bin:/bin only: a bubblewrap elsewhere on PATH (the
 * debian-packages layer of paketo's own image, docs/kubernetes.md) would not be found.
 */
export function onPath(name: string, path = process.env.PATH ?? ""): string {
  if (name.includes("/")) return name;
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return name;
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

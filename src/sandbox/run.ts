import { type ChildProcess, spawn, type StdioOptions } from "node:child_process";
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

// The descriptors of a bubblewrap child: 3 carries its options; with a network of its own, 4 and 5
// carry resolv.conf and hosts, and the outer bubblewrap writes its pid to 6 and waits on 7 for
// the go-ahead once the network is up.
const ARGS_FD = 3;
const NET_FDS: NetworkFds = { resolvConf: 4, hosts: 5 };
const WRAPPER_FDS = { info: 6, block: 7 };

/**
 * Runs processes inside bubblewrap. The arguments (the environment among them: `--env` values,
 * tokens) reach bubblewrap through a descriptor (`--args 3`), so its command line, which any
 * local user can read in /proc/PID/cmdline, and the sandbox's own /proc/1/cmdline show only
 * `bwrap --args 3 -- COMMAND...`. With network "on", the sandbox runs inside networkWrapper's
 * namespace, and slirp4netns is started for it before the process runs and stopped when it ends.
 */
export function bwrapRunner(opts: { bwrap?: string; slirp4netns?: string } = {}): Runner {
  const bin = opts.bwrap ?? "bwrap";
  return {
    mode: "bwrap",
    run: (spec, io = {}) =>
      new Promise((resolve, reject) => {
        const what = `${spec.argv[0]} in the sandbox (${bin})`;
        const own = (spec.network ?? "on") === "on";
        const options = bwrapOptions(spec, own ? { netFds: NET_FDS } : {});
        const stdio: StdioOptions = ["ignore", "pipe", "pipe", "pipe", ...(own ? (["pipe", "pipe", "pipe", "pipe"] as const) : [])];
        const command = ["--args", String(ARGS_FD), "--", ...spec.argv];
        const child: ChildProcess = spawn(bin, own ? [...networkWrapper(WRAPPER_FDS, bin), ...command] : command, {
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
        fd(ARGS_FD).end(Buffer.from(options.map((a) => `${a}\0`).join(""), "utf8"));
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
            startSandboxNet(waiting, opts.slirp4netns ? { slirp4netns: opts.slirp4netns } : {}).then(
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
      }),
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
  };
}

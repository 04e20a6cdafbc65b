// The sandbox's own network (network "on"): bubblewrap gives the sandbox a network namespace of
// its own, and slirp4netns (what rootless podman has long used) connects it to the outside
// through a user-mode TCP/IP stack: the sandbox sees a tap device at 10.0.2.100 with a gateway,
// and its connections are made by slirp4netns as ordinary sockets of this user. Connections to
// the gateway are not mapped to the host's loopback (--disable-host-loopback), so a database, a
// local registry or a metadata proxy listening on the host's 127.0.0.1 is out of reach.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import type { Readable, Writable } from "node:stream";
import { SandboxError } from "./errors.js";

/** slirp4netns's built-in DNS forwarder, which answers from the host's own resolver. */
export const SLIRP_DNS = "10.0.2.3";

/** The sandbox's /etc/resolv.conf: the host's search domains and options, with slirp4netns's forwarder as the name server. */
export function sandboxResolvConf(hostResolvConf?: string): string {
  let host = hostResolvConf;
  if (host === undefined) {
    try {
      host = readFileSync("/etc/resolv.conf", "utf8").slice(0, 64 * 1024);
    } catch {
      host = "";
    }
  }
  const kept = host.split("\n").filter((l) => /^\s*(search|domain|options)\s/.test(l));
  return `${[`nameserver ${SLIRP_DNS}`, ...kept].join("\n")}\n`;
}

/** The sandbox's /etc/hosts: its own loopback and hostname, nothing of the host's. */
export function sandboxHosts(hostname: string): string {
  return `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t${hostname}\n`;
}

/** A running slirp4netns serving one sandbox. */
export interface SandboxNet {
  /** Stops it (closing its exit descriptor; it ends too if this process dies). */
  stop(): void;
}

const READY_TIMEOUT_MS = 10_000;

/**
 * Starts slirp4netns for the network namespace of `pid` (the sandbox's first process, as
 * bubblewrap reports it) and resolves once the tap device is configured.
 */
export async function startSandboxNet(pid: number, opts: { slirp4netns?: string } = {}): Promise<SandboxNet> {
  await loopbackUp(pid);
  return spawnSlirp(pid, opts);
}

const LOOPBACK_WAIT_MS = 2_000;

/**
 * Waits until bubblewrap has configured the namespace's loopback (127.0.0.1 routed, as
 * /proc/PID/net/fib_trie shows it). bubblewrap does that after it reports its pid and before it
 * blocks; slirp4netns --configure brings `lo` up too, and when it wins that race bubblewrap's own
 * RTM_NEWADDR fails ("loopback: Failed RTM_NEWADDR") and the sandbox never starts. After the wait
 * slirp4netns starts anyway: a bubblewrap that already failed reports that itself.
 */
async function loopbackUp(pid: number): Promise<void> {
  const until = Date.now() + LOOPBACK_WAIT_MS;
  while (Date.now() < until) {
    const trie = await readFile(`/proc/${pid}/net/fib_trie`, "utf8").catch(() => undefined);
    if (trie === undefined || trie.includes("127.0.0.1")) return; // gone (its exit says why), or ready
    await new Promise((r) => setTimeout(r, 2));
  }
}

function spawnSlirp(pid: number, opts: { slirp4netns?: string }): Promise<SandboxNet> {
  const bin = opts.slirp4netns ?? "slirp4netns";
  const args = [
    "--configure",
    "--mtu=65520",
    "--disable-host-loopback",
    "--ready-fd=3",
    "--exit-fd=4",
    `--userns-path=/proc/${pid}/ns/user`,
    String(pid),
    "tap0",
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
    const ready = child.stdio[3] as Readable;
    const exitFd = child.stdio[4] as Writable;
    exitFd.on("error", () => {});
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr = (stderr + c.toString("utf8")).slice(-4096);
    });
    let settled = false;
    const stop = () => {
      exitFd.end();
      // If it does not take the hint, by its pid.
      const t = setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      }, 2_000);
      t.unref();
    };
    const fail = (why: string, cause?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop();
      const missing = (cause as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
      reject(
        new SandboxError("SANDBOX_NETWORK", missing ? `slirp4netns (${bin}) is not installed, and the sandbox's network needs it` : `cannot give the sandbox its network: ${why}`, {
          cause,
          hint: missing
            ? "install it (apt-get install slirp4netns), or choose --network off, or --network host (which lets buildpacks reach this machine's loopback services)"
            : "choose --network off, or --network host (which lets buildpacks reach this machine's loopback services)",
        }),
      );
    };
    const timer = setTimeout(() => fail(`slirp4netns did not bring the network up within ${READY_TIMEOUT_MS / 1000} s`), READY_TIMEOUT_MS);
    ready.once("data", () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ready.destroy();
      resolve({ stop });
    });
    child.once("error", (e) => fail(e.message, e));
    child.once("exit", (code, signal) => fail(`slirp4netns exited (${signal ?? code}) before the network was up: ${stderr.trim().split("\n").at(-1) ?? ""}`));
  });
}

import type { SandboxSpec } from "./spec.js";

/** Files the sandbox shares read-only from the host with `--network host`, so that name resolution works. */
export const HOST_NETWORK_FILES = ["/etc/resolv.conf", "/etc/hosts"] as const;

/** The descriptors carrying the files a sandbox with its own network ("on") sees at /etc/resolv.conf and /etc/hosts. */
export interface NetworkFds {
  resolvConf: number;
  hosts: number;
}

/**
 * The command that gives a sandbox its own network: an outer bubblewrap that makes a user and a
 * network namespace (and nothing else: it binds the host's / as it is), writes its pid to `info`
 * and waits on `block` until slirp4netns has joined that namespace and brought the network up,
 * then runs the sandbox's bubblewrap inside it. The outer one runs as uid 0 of its namespace, so
 * it never nests another user namespace: /proc/PID/ns/user stays the namespace that owns the
 * network namespace, which slirp4netns must join (the inner bubblewrap nests one to switch to
 * the build user, which is why it cannot be joined directly).
 */
export function networkWrapper(fds: { info: number; block: number }, bwrap: string): string[] {
  return [
    "--unshare-user",
    "--unshare-net",
    "--uid",
    "0",
    "--gid",
    "0",
    "--dev-bind",
    "/",
    "/",
    "--die-with-parent",
    "--info-fd",
    String(fds.info),
    "--block-fd",
    String(fds.block),
    "--",
    bwrap,
  ];
}

/** The bubblewrap command line for a spec: bwrapOptions, then the command. */
export function bwrapArgs(spec: SandboxSpec, opts: BwrapOptions = {}): string[] {
  return [...bwrapOptions(spec, opts), "--", ...spec.argv];
}

export interface BwrapOptions {
  hostNetworkFiles?: readonly string[];
  netFds?: NetworkFds;
}

/**
 * bubblewrap's options for a spec: a fresh user, pid, ipc and uts namespace, the root filesystem
 * read-only, private /proc, /dev and /tmp, the listed binds, and an environment of exactly
 * `spec.env` (plus PWD, which bubblewrap always sets to the working directory). Network "off":
 * a fresh network namespace; "host": the host's; "on": the one networkWrapper made around it,
 * with its own resolv.conf and hosts from `netFds`. The runner passes these options to bubblewrap
 * through a descriptor (`--args`), never on its command line, where any local user could read
 * the environment in /proc/PID/cmdline.
 */
export function bwrapOptions(spec: SandboxSpec, opts: BwrapOptions = {}): string[] {
  const args = [
    "--unshare-user",
    "--unshare-ipc",
    "--unshare-pid",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
    "--new-session",
    "--uid",
    String(spec.uid),
    "--gid",
    String(spec.gid),
    "--hostname",
    spec.hostname ?? "paketo",
    "--ro-bind",
    spec.rootfs,
    "/",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
  ];
  const network = spec.network ?? "on";
  if (network === "host") {
    for (const f of opts.hostNetworkFiles ?? HOST_NETWORK_FILES) args.push("--ro-bind-try", f, f);
  } else if (network === "off") {
    args.push("--unshare-net");
  } else {
    const fds = opts.netFds;
    if (!fds) throw new Error("bwrapOptions: network on runs inside networkWrapper and needs its descriptors (netFds)");
    args.push("--ro-bind-data", String(fds.resolvConf), "/etc/resolv.conf", "--ro-bind-data", String(fds.hosts), "/etc/hosts");
  }
  for (const b of spec.binds) args.push(b.readOnly ? "--ro-bind" : "--bind", b.source, b.target);
  args.push("--clearenv");
  for (const [k, v] of Object.entries(spec.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    args.push("--setenv", k, v);
  }
  args.push("--chdir", spec.cwd);
  return args;
}

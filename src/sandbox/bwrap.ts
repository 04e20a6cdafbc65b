import type { SandboxSpec } from "./spec.js";

/** Files the sandbox shares read-only from the host so that name resolution works when the network is on. */
export const HOST_NETWORK_FILES = ["/etc/resolv.conf", "/etc/hosts"] as const;

/**
 * The bubblewrap command line for a spec: a fresh user, pid, ipc and uts namespace (and network
 * namespace when the network is off), the root filesystem read-only, private /proc, /dev and
 * /tmp, the listed binds, and an environment of exactly `spec.env` (plus PWD, which bubblewrap
 * always sets to the working directory).
 */
export function bwrapArgs(spec: SandboxSpec, opts: { hostNetworkFiles?: readonly string[] } = {}): string[] {
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
  if (spec.network === false) args.push("--unshare-net");
  else for (const f of opts.hostNetworkFiles ?? HOST_NETWORK_FILES) args.push("--ro-bind-try", f, f);
  for (const b of spec.binds) args.push(b.readOnly ? "--ro-bind" : "--bind", b.source, b.target);
  args.push("--clearenv");
  for (const [k, v] of Object.entries(spec.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    args.push("--setenv", k, v);
  }
  args.push("--chdir", spec.cwd, "--", ...spec.argv);
  return args;
}

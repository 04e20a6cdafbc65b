// The ld.so cache (libc-bin's trigger runs `ldconfig`): the root filesystem's own static
// ldconfig, run inside bubblewrap with the staging folder as `/`, unprivileged. Its output does
// not depend on the order files were unpacked in; aux-cache (inode numbers and times) is dropped.
import { execFile } from "node:child_process";
import { StackError } from "../errors.js";
import type { Rootfs } from "../staging-rootfs.js";

const LDCONFIG = "usr/sbin/ldconfig";

export interface LdconfigOptions {
  /** The bubblewrap executable (default "bwrap" on PATH). */
  bwrap?: string;
  signal?: AbortSignal;
}

/** Whether the root has an ldconfig to run. */
export function hasLdconfig(root: Rootfs): boolean {
  return root.exists(LDCONFIG);
}

export async function runLdconfig(root: Rootfs, opts: LdconfigOptions = {}): Promise<void> {
  const bwrap = opts.bwrap ?? "bwrap";
  const args = ["--bind", root.dir, "/", "--proc", "/proc", "--dev", "/dev", "--unshare-all", "--die-with-parent", "--clearenv", `/${LDCONFIG}`];
  await new Promise<void>((resolve, reject) => {
    execFile(bwrap, args, { signal: opts.signal, timeout: 120_000 }, (err, _stdout, stderr) => {
      if (!err) return resolve();
      const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
      reject(
        new StackError("STACK_ASSEMBLY", missing ? `cannot run ldconfig for the build image: ${bwrap} is not installed` : `ldconfig in ${root.dir} failed: ${String(stderr).trim() || err.message}`, {
          cause: err,
          hint: missing
            ? "install bubblewrap (it is also the build sandbox), or create the stack for another architecture, where ldconfig is skipped"
            : "bubblewrap needs unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1)",
        }),
      );
    });
  });
  root.remove("var/cache/ldconfig/aux-cache");
  root.writeFile("etc/ld.so.cache", root.readFile("etc/ld.so.cache"), 0o644);
}

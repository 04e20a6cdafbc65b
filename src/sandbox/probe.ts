import { spawn } from "node:child_process";
import { SandboxError } from "./errors.js";

/**
 * Checks that bubblewrap runs here (unprivileged user namespaces allowed). Fails with a hint to use
 * `--sandbox none` inside a container where they are not.
 */
export async function checkBwrap(bwrap = "bwrap"): Promise<void> {
  const result = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const child = spawn(bwrap, ["--unshare-user", "--ro-bind", "/", "/", "--", "true"], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("error", (e) => resolve({ code: -1, err: e.message }));
    child.once("close", (code) => resolve({ code, err }));
  });
  if (result.code === 0) return;
  const missing = result.err.includes("ENOENT");
  throw new SandboxError(
    "SANDBOX_UNAVAILABLE",
    missing ? `bubblewrap (${bwrap}) is not installed` : `bubblewrap cannot create a sandbox here: ${result.err.trim().split("\n")[0]}`,
    {
      hint: missing
        ? "install it (apt-get install bubblewrap), or run with --sandbox none inside a container"
        : "unprivileged user namespaces are off here (as in most Kubernetes pods); run with --sandbox none inside a container",
    },
  );
}

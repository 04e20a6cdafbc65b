// Test helpers of the stack module. Never imported by product code.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** A self-signed certificate made by the host's openssl, with `subject` as written; returns its path. */
export function makeCert(dir: string, name: string, subject: string, extra: string[] = []): string {
  const out = join(dir, `${name}.crt`);
  execFileSync("openssl", ["req", "-x509", "-newkey", "ed25519", "-nodes", "-keyout", join(dir, `${name}.key`), "-out", out, "-days", "2", "-subj", subject, ...extra], { stdio: "pipe" });
  return out;
}

// OpenPGP checks of InRelease / Release.gpg with gpgv, the verifier apt itself uses.
import { spawn } from "node:child_process";
import { access, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DepsError } from "../errors.js";

export const DEBIAN_ARCHIVE_KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";

export interface SignatureVerifier {
  /** Verifies a clear-signed document and returns only the text the signature covers. */
  clearsigned(doc: Uint8Array, what: string): Promise<string>;
  /** Verifies a detached signature over `data`. */
  detached(data: Uint8Array, signature: Uint8Array, what: string): Promise<void>;
  /**
   * What the verdicts depend on besides the document (gpgv: its keyrings' paths, sizes and times),
   * so a cache may keep a verdict on the same bytes while this is unchanged; without it, none is kept.
   */
  identity?(): Promise<string>;
}

/**
 * The gpgv verifier for `keyrings`, or the reason it cannot run here (gpgv missing, a keyring
 * missing). Callers decide whether running unverified is a warning or an error.
 */
export async function gpgvVerifier(
  keyrings: readonly string[] = [DEBIAN_ARCHIVE_KEYRING],
  command = "gpgv",
): Promise<SignatureVerifier | { unavailable: string }> {
  for (const k of keyrings) {
    try {
      await access(k);
    } catch {
      return { unavailable: `the keyring ${k} does not exist (install debian-archive-keyring)` };
    }
  }
  const ok = await new Promise<boolean>((resolve) => {
    const c = spawn(command, ["--version"], { stdio: "ignore" });
    c.on("error", () => resolve(false));
    c.on("close", (code) => resolve(code === 0));
  });
  if (!ok) return { unavailable: `${command} is not installed (install gpgv)` };
  const base = ["--status-fd", "3", ...keyrings.flatMap((k) => ["--keyring", k])];
  return {
    async identity() {
      const parts = [command];
      for (const k of keyrings) {
        const st = await stat(k);
        parts.push(`${k}:${st.size}:${st.mtimeMs}`);
      }
      return parts.join("\n");
    },
    async clearsigned(doc, what) {
      const r = await runGpgv(command, [...base, "--output", "-"], doc);
      check(r, what);
      return r.stdout.toString("utf8");
    },
    async detached(data, signature, what) {
      const dir = await mkdtemp(join(tmpdir(), "paketo-gpgv-"));
      try {
        const sig = join(dir, "Release.gpg");
        const file = join(dir, "Release");
        await writeFile(sig, signature);
        await writeFile(file, data);
        check(await runGpgv(command, [...base, sig, file], new Uint8Array()), what);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

interface GpgvResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
  status: string;
}

function runGpgv(command: string, args: string[], input: Uint8Array): Promise<GpgvResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const status: Buffer[] = [];
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => out.push(d));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => status.push(d));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout: Buffer.concat(out), stderr, status: Buffer.concat(status).toString("utf8") }),
    );
    child.stdin!.on("error", () => {}); // gpgv may stop reading early; its exit status tells why
    child.stdin!.end(input);
  });
}

/** Good means: exit 0, at least one VALIDSIG, and no BADSIG/ERRSIG/EXPKEYSIG/REVKEYSIG at all. */
function check(r: GpgvResult, what: string): void {
  const lines = r.status.split("\n");
  const bad = lines.find((l) => /^\[GNUPG:\] (BADSIG|ERRSIG|EXPKEYSIG|REVKEYSIG|NODATA)\b/.test(l));
  const valid = lines.some((l) => l.startsWith("[GNUPG:] VALIDSIG "));
  if (r.code === 0 && valid && !bad) return;
  const detail = r.stderr.split("\n").find((l) => /BAD signature|no signature|Can't check|not found|expired|revoked/i.test(l));
  throw new DepsError("DEBIAN_SIGNATURE", `the OpenPGP signature of ${what} does not verify: ${(detail ?? bad ?? `gpgv exit ${r.code}`).replace(/^gpgv: /, "").trim()}`, {
    hint: "the file was altered or signed by a key outside the Debian archive keyring; do not use this mirror until it serves correctly signed files",
  });
}

/**
 * The text of a clear-signed document without checking it: only for when no verifier is
 * available and the caller accepted that (the index loader warns when it does this).
 */
export function clearsignedTextUnverified(doc: string): string {
  const begin = doc.indexOf("-----BEGIN PGP SIGNED MESSAGE-----");
  if (begin < 0) return doc;
  const body = doc.indexOf("\n\n", begin);
  const end = doc.indexOf("\n-----BEGIN PGP SIGNATURE-----", body);
  if (body < 0 || end < 0) return doc;
  return doc
    .slice(body + 2, end + 1)
    .split("\n")
    .map((l) => (l.startsWith("- ") ? l.slice(2) : l))
    .join("\n");
}

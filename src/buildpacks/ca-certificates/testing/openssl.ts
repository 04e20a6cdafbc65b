// Test support: real certificates made with the openssl CLI, a TLS server on 127.0.0.1 that
// presents a certificate signed by a test CA, and a `node` client run as a child process (Node
// reads NODE_EXTRA_CA_CERTS only when it starts).
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function openssl(args: string[], opts: { cwd?: string; input?: string } = {}): string {
  return execFileSync("openssl", args, { cwd: opts.cwd, input: opts.input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], timeout: 20_000 });
}

export interface Pki {
  dir: string;
  caPem: string;
  /** A second, unrelated CA. */
  otherCaPem: string;
  serverPem: string;
  serverKey: string;
  /** The CA's files on disk. */
  caFile: string;
  serverFile: string;
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A self-signed CA (`subject`), a server certificate for 127.0.0.1 it signed, and another CA. */
export function makePki(subject = "/O=Paketo Test/CN=Paketo Test CA"): Pki {
  const dir = mkdtempSync(join(tmpdir(), "ca-certs-pki-"));
  const ca = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"];
  openssl(["req", "-x509", ...EC, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", subject, ...ca], { cwd: dir });
  openssl(["req", "-x509", ...EC, "-keyout", "other.key", "-out", "other.pem", "-days", "2", "-subj", "/CN=Some Other CA", ...ca], { cwd: dir });
  openssl(["req", ...EC, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], { cwd: dir });
  writeFileSync(join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "server.ext"], { cwd: dir });
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return { dir, caPem: read("ca.pem"), otherCaPem: read("other.pem"), serverPem: read("server.pem"), serverKey: read("server.key"), caFile: join(dir, "ca.pem"), serverFile: join(dir, "server.pem") };
}

/** An HTTPS server on 127.0.0.1 (a free port) answering "trusted" with the PKI's server certificate. */
export async function startTlsServer(pki: Pki): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer({ key: pki.serverKey, cert: pki.serverPem }, (_req, res) => res.end("trusted"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const CLIENT = `require("https").get(process.argv[1], (r) => { let b = ""; r.on("data", (d) => (b += d)); r.on("end", () => console.log("OK " + r.statusCode + " " + b)); }).on("error", (e) => console.log("ERR " + e.code));`;

/** Runs `node` as a child with exactly `env` (plus PATH) and GETs `url`: "OK 200 trusted" or "ERR <code>". Killed after 10 s. */
export function nodeGet(url: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["-e", CLIENT, url], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, timeout: 10_000, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err && !stdout) reject(new Error(`node client failed: ${err.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

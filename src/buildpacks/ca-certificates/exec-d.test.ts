// The runtime helper run as the launcher runs an exec.d program: with dash as /bin/sh, the
// bindings under SERVICE_BINDING_ROOT, fd 3 collecting its TOML.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { parse } from "smol-toml";
import { HELPER_SCRIPT } from "./exec-d.js";
import { makePki, nodeGet, openssl, type Pki, startTlsServer } from "./testing/openssl.js";

// The launcher execs the program, whose #!/bin/sh is dash on Debian; run it with dash explicitly.
const dash = spawnSync("sh", ["-c", "command -v dash"], { encoding: "utf8" }).stdout.trim();
let pki: Pki;
let work: string;
let script: string;
before(() => {
  pki = makePki();
  work = mkdtempSync(join(tmpdir(), "ca-certs-execd-"));
  script = join(work, "ca-certificates-helper");
  writeFileSync(script, HELPER_SCRIPT, { mode: 0o755 });
});
after(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

function bindings(name: string, tree: Record<string, Record<string, string>>): string {
  const root = join(work, name);
  for (const [binding, files] of Object.entries(tree)) {
    mkdirSync(join(root, binding), { recursive: true });
    for (const [f, content] of Object.entries(files)) writeFileSync(join(root, binding, f), content);
  }
  return root;
}

function runHelper(env: Record<string, string>) {
  const tmp = mkdtempSync(join(work, "tmp-"));
  const r = spawnSync(dash, [script], { env: { PATH: "/usr/bin:/bin", TMPDIR: tmp, ...env }, stdio: ["ignore", "pipe", "pipe", "pipe"], encoding: "utf8", timeout: 20_000 });
  const toml = String(r.output[3] ?? "");
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, toml, env: parse(toml) as Record<string, string> };
}

test("exec.d helper: bound certificates become a CApath dir, an SSL_CERT_FILE bundle and NODE_EXTRA_CA_CERTS", async () => {
  const systemBundle = join(work, "system.crt");
  writeFileSync(systemBundle, pki.otherCaPem.trimEnd());
  const previousExtra = join(work, "previous-extra.crt");
  writeFileSync(previousExtra, pki.otherCaPem);
  const root = bindings("bindings", {
    corp: { type: " CA-Certificates\n", "chain.pem": `comment\r\n${pki.otherCaPem.replaceAll("\n", "\r\n")}${pki.caPem}`, provider: "corp-it" },
    npm: { type: "npmrc", ".npmrc": "-----BEGIN CERTIFICATE-----\nnot read\n" },
  });
  mkdirSync(join(root, "..data"));
  const r = runHelper({ SERVICE_BINDING_ROOT: root, SSL_CERT_FILE: systemBundle, SSL_CERT_DIR: "/etc/ssl/certs", NODE_EXTRA_CA_CERTS: previousExtra });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "ca-certificates-helper: added 2 CA certificate(s) from bindings to the trust store\n");
  assert.deepEqual(Object.keys(r.env).sort(), ["NODE_EXTRA_CA_CERTS", "SSL_CERT_DIR", "SSL_CERT_FILE"]);
  const [system, certsDir = ""] = (r.env.SSL_CERT_DIR ?? "").split(":");
  assert.equal(system, "/etc/ssl/certs");
  assert.ok(certsDir?.startsWith(work));
  const caHash = openssl(["x509", "-noout", "-subject_hash", "-in", pki.caFile]).trim();
  assert.equal(readlinkSync(join(certsDir, `${caHash}.0`)), "2.pem");
  assert.equal(readFileSync(r.env.SSL_CERT_FILE ?? "", "utf8"), `${pki.otherCaPem.trimEnd()}\n${pki.otherCaPem}${pki.caPem}`);

  assert.match(openssl(["verify", "-no-CAstore", "-no-CApath", "-CAfile", r.env.SSL_CERT_FILE ?? "", pki.serverFile]), /: OK/);
  assert.match(openssl(["verify", "-no-CAstore", "-no-CAfile", "-CApath", certsDir, pki.serverFile]), /: OK/);
  const server = await startTlsServer(pki);
  try {
    assert.equal(await nodeGet(server.url, { NODE_EXTRA_CA_CERTS: r.env.NODE_EXTRA_CA_CERTS ?? "" }), "OK 200 trusted");
    assert.equal(await nodeGet(server.url, { NODE_EXTRA_CA_CERTS: previousExtra }), "ERR UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  } finally {
    await server.close();
  }
});

test("exec.d helper: without openssl in the image there are no hash links, and the bundle still works", () => {
  const bin = join(work, "bin-no-openssl");
  mkdirSync(bin);
  for (const tool of ["mktemp", "tr", "cat", "ln", "mkdir", "sed"]) {
    symlinkSync(spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim(), join(bin, tool));
  }
  const root = bindings("bindings-no-openssl", { corp: { type: "ca-certificates", "ca.pem": pki.caPem } });
  const r = runHelper({ SERVICE_BINDING_ROOT: root, PATH: bin });
  assert.equal(r.status, 0, r.stderr);
  const certsDir = (r.env.SSL_CERT_DIR ?? "").split(":").at(-1) ?? "";
  assert.deepEqual(spawnSync("ls", [certsDir], { encoding: "utf8" }).stdout, "1.pem\n");
  assert.match(openssl(["verify", "-no-CAstore", "-no-CApath", "-CAfile", r.env.SSL_CERT_FILE ?? "", pki.serverFile]), /: OK/);
});

test("exec.d helper: no bindings, nothing to do; a damaged file stops the launch naming the binding and file", () => {
  const empty = runHelper({});
  assert.equal(empty.status, 0);
  assert.equal(empty.toml, "");
  const none = runHelper({ SERVICE_BINDING_ROOT: bindings("only-npmrc", { npm: { type: "npmrc", ".npmrc": "x" } }) });
  assert.equal(none.status, 0);
  assert.equal(none.toml, "");

  const body = pki.caPem.split("\n");
  const cases: [string, RegExp][] = [
    [`${body.slice(0, 3).join("\n")}\n`, /binding corp: bad\.pem: a certificate is not closed/],
    [`${body[0]}\n${body[1]}\n%%%\n${body.slice(2).join("\n")}`, /binding corp: bad\.pem: line 3: the certificate's base64 is damaged/],
    ["-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", /binding corp: bad\.pem: line 1: only certificates can be trusted, not -----BEGIN PRIVATE KEY-----/],
    ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", /binding corp: bad\.pem: line 3: not an X\.509 certificate/],
    ["no pem here\n", /binding corp: bad\.pem: no PEM certificate in it/],
  ];
  for (const [bad, message] of cases) {
    const root = bindings(`bad-${Math.random().toString(36).slice(2)}`, { corp: { type: "ca-certificates", "bad.pem": bad } });
    const r = runHelper({ SERVICE_BINDING_ROOT: root });
    assert.equal(r.status, 1, bad);
    assert.match(r.stderr, message);
    assert.match(r.stderr, /^ca-certificates-helper: /);
    assert.equal(r.toml, "", "nothing is applied");
  }
});

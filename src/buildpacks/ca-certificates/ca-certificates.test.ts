import assert from "node:assert/strict";
import { readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { applyEnvDir } from "../../lifecycle/index.js";
import { caCertificates, SYSTEM_BUNDLE } from "./buildpack.js";
import { makePki, nodeGet, openssl, type Pki, startTlsServer } from "./testing/openssl.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const buildpackToml = readFileSync(join(root, "src/buildpacks/ca-certificates/buildpack.toml"), "utf8");
const plan = [{ name: "ca-certificates" }];
let pki: Pki;
let system: string;
before(() => {
  pki = makePki();
  system = join(pki.dir, "system-bundle.crt");
  // A stand-in for the OS bundle: one CA the OS "ships" (not the test CA).
  openssl(["x509", "-in", pki.dir + "/other.pem", "-out", system]);
});
after(() => rmSync(pki.dir, { recursive: true, force: true }));
const bp = () => caCertificates({ systemBundle: system });

/** The env a later buildpack (`build`) or the app (`launch`) gets from the layer, by the lifecycle's own env-file rules. */
function envFrom(files: Record<string, string>, scope: "build" | "launch", base: Record<string, string> = {}): Record<string, string> {
  const dir = (d: string) => Object.entries(files).flatMap(([p, content]) => (p.startsWith(`${d}/`) && !p.slice(d.length + 1).includes("/") ? [{ name: p.slice(d.length + 1), content }] : []));
  return { ...applyEnvDir(applyEnvDir(base, dir("env"), "override"), dir(`env.${scope}`), "override") };
}

test("ca-certificates: detect passes with a ca-certificates binding or the runtime helper asked for, and fails otherwise", async () => {
  const detect = (opts: Parameters<typeof runDetect>[1]) => runDetect(bp(), { buildpackToml, ...opts });
  const none = await detect({ bindings: { other: { type: "npmrc", entries: { ".npmrc": "" } } } });
  assert.equal(none.outcome, "fail");
  assert.match(none.stdout, /no binding of type ca-certificates, and the runtime certificate helper is not enabled/);
  const bound = await detect({ bindings: { corp: { type: "CA-Certificates", entries: { "ca.pem": pki.caPem } } } });
  assert.ok(bound.outcome === "pass", bound.stderr);
  assert.deepEqual(bound.plan, { provides: [{ name: "ca-certificates" }], requires: [{ name: "ca-certificates", metadata: {} }], or: [] });
  assert.equal((await detect({ bindings: { corp: { type: "ca-certificates" } } })).outcome, "fail", "a binding without files brings nothing");
  assert.equal((await detect({ env: { BP_ENABLE_RUNTIME_CERT_BINDING: "true" } })).outcome, "pass");
  assert.equal((await detect({ env: { BP_RUNTIME_CERT_BINDING_DISABLED: "false" } })).outcome, "pass", "explicitly not disabled");
  assert.equal((await detect({ env: { BP_ENABLE_RUNTIME_CERT_BINDING: "true", BP_RUNTIME_CERT_BINDING_DISABLED: "true" } })).outcome, "fail", "DISABLED wins");
  const bad = await detect({ env: { BP_ENABLE_RUNTIME_CERT_BINDING: "sure" } });
  assert.equal(bad.outcome, "error");
  assert.match(bad.stderr, /BP_ENABLE_RUNTIME_CERT_BINDING=sure is not a boolean/);
});

test("ca-certificates: the layer holds one PEM per certificate, hash links, the bundles, and build and launch env", async () => {
  const bindings = {
    corp: { type: "ca-certificates", entries: { "root.pem": pki.caPem, "chain.crt": `${pki.otherCaPem}\n${pki.caPem}` } },
  };
  const b = await runBuild(bp(), { buildpackToml, bindings, plan, keep: true });
  try {
    assert.equal(b.outcome, "success", b.stderr);
    const layer = b.layers["ca-certificates"];
    assert.ok(layer);
    assert.deepEqual(layer.types, { build: true, launch: true, cache: false });
    const dir = join(b.dir, "layers/paketo-buildpacks_ca-certificates/ca-certificates");
    const certsDir = join(dir, "certs");
    const caHash = openssl(["x509", "-noout", "-subject_hash", "-in", pki.caFile]).trim();
    const otherHash = openssl(["x509", "-noout", "-subject_hash", "-in", join(pki.dir, "other.pem")]).trim();
    // The CA appears in both files: kept once (chain.crt comes first by name).
    assert.deepEqual(
      Object.keys(layer.files).filter((f) => f.startsWith("certs/")).sort(),
      [`certs/${caHash}.0`, `certs/${otherHash}.0`, "certs/corp_chain_1.pem", "certs/corp_chain_2.pem"].sort(),
    );
    assert.equal(readlinkSync(join(certsDir, `${caHash}.0`)), "corp_chain_2.pem", "relative links, valid wherever the layer is");
    assert.equal(readlinkSync(join(certsDir, `${otherHash}.0`)), "corp_chain_1.pem");
    assert.equal(layer.files["extra-ca-certificates.crt"], openssl(["x509", "-in", join(pki.dir, "other.pem")]) + openssl(["x509", "-in", pki.caFile]));
    assert.equal(layer.files["ca-certificates.crt"], readFileSync(system, "utf8") + layer.files["extra-ca-certificates.crt"]);
    assert.deepEqual(
      Object.fromEntries(Object.entries(layer.files).filter(([f]) => f.startsWith("env"))),
      {
        "env.build/NODE_EXTRA_CA_CERTS.override": join(dir, "ca-certificates.crt"),
        "env.build/SSL_CERT_DIR.append": certsDir,
        "env.build/SSL_CERT_DIR.delim": ":",
        "env.build/SSL_CERT_FILE.override": join(dir, "ca-certificates.crt"),
        "env.launch/NODE_EXTRA_CA_CERTS.default": join(dir, "extra-ca-certificates.crt"),
        "env.launch/SSL_CERT_DIR.append": certsDir,
        "env.launch/SSL_CERT_DIR.delim": ":",
        "env.launch/SSL_CERT_FILE.default": SYSTEM_BUNDLE,
      },
    );
    assert.match(b.stdout, /Added 2 additional CA certificate\(s\) to the trust store\n {4}CN=Some Other CA \(binding corp: chain\.crt\)\n {4}O=Paketo Test, CN=Paketo Test CA \(binding corp: chain\.crt\)\n/);

    // OpenSSL trusts the server's certificate through the build's SSL_CERT_FILE, and through the CApath dir alone.
    const build = envFrom(layer.files, "build", { SSL_CERT_DIR: "/etc/ssl/certs" });
    assert.equal(build.SSL_CERT_DIR, `/etc/ssl/certs:${certsDir}`);
    assert.match(openssl(["verify", "-CAfile", build.SSL_CERT_FILE as string, pki.serverFile]), /: OK/);
    assert.match(openssl(["verify", "-no-CAfile", "-no-CAstore", "-CApath", certsDir, pki.serverFile]), /: OK/);
    assert.throws(() => openssl(["verify", "-no-CAfile", "-no-CAstore", "-no-CApath", pki.serverFile]), /unable to get local issuer certificate/, "and fails without them");

    // Node.js trusts it through NODE_EXTRA_CA_CERTS, at build and at launch; without it, it does not.
    const server = await startTlsServer(pki);
    try {
      const launch = envFrom(layer.files, "launch");
      assert.equal(launch.SSL_CERT_FILE, SYSTEM_BUNDLE);
      assert.equal(await nodeGet(server.url, { NODE_EXTRA_CA_CERTS: build.NODE_EXTRA_CA_CERTS as string }), "OK 200 trusted");
      assert.equal(await nodeGet(server.url, { NODE_EXTRA_CA_CERTS: launch.NODE_EXTRA_CA_CERTS as string }), "OK 200 trusted");
      assert.match(await nodeGet(server.url, {}), /^ERR (UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/);
    } finally {
      await server.close();
    }
  } finally {
    rmSync(b.dir, { recursive: true, force: true });
  }
});

test("ca-certificates: BP_EMBED_CERTS=false keeps the certificates to the build; SSL_CERT_FILE at build is the source bundle", async () => {
  const bindings = { corp: { type: "ca-certificates", entries: { "ca.pem": pki.caPem } } };
  const b = await runBuild(bp(), { buildpackToml, bindings, plan, env: { BP_EMBED_CERTS: "false", SSL_CERT_FILE: pki.caFile } });
  const layer = b.layers["ca-certificates"];
  assert.ok(layer);
  assert.deepEqual(layer.types, { build: true, launch: false, cache: false });
  assert.deepEqual(Object.keys(layer.files).filter((f) => f.startsWith("env.launch")), []);
  assert.equal(layer.files["ca-certificates.crt"], pki.caPem + openssl(["x509", "-in", pki.caFile]), "SSL_CERT_FILE's bundle, not the system one, then the bound certs");
  assert.match(b.stdout, /trusted during the build only/);
});

test("ca-certificates: a damaged PEM in a binding fails the build, naming the binding file", async () => {
  const bindings = { corp: { type: "ca-certificates", entries: { "good.pem": pki.caPem, "bad.pem": "-----BEGIN CERTIFICATE-----\nMIIB\n" } } };
  const b = await runBuild(bp(), { buildpackToml, bindings, plan });
  assert.equal(b.outcome, "error");
  assert.match(b.stderr, /ERROR: binding corp: bad\.pem: line 1: the CERTIFICATE block is not closed/);
});

test("ca-certificates: the runtime helper is an executable exec.d program in a launch layer", async () => {
  const b = await runBuild(bp(), { buildpackToml, plan, env: { BP_ENABLE_RUNTIME_CERT_BINDING: "true" } });
  assert.equal(b.outcome, "success", b.stderr);
  assert.equal(b.layers["ca-certificates"], undefined, "no build-time binding, no trust-store layer");
  const helper = b.layers["ca-certificates-helper"];
  assert.ok(helper);
  assert.deepEqual(helper.types, { build: false, launch: true, cache: false });
  assert.deepEqual(helper.executables, ["exec.d/ca-certificates-helper"]);
  assert.match(helper.files["exec.d/ca-certificates-helper"] ?? "", /^#!\/bin\/sh\n/);
  assert.match(b.stdout, /Contributing ca-certificates-helper: .*needs \/bin\/sh in the run image/);
  const off = await runBuild(bp(), { buildpackToml, plan, bindings: { c: { type: "ca-certificates", entries: { "ca.pem": pki.caPem } } } });
  assert.equal(off.layers["ca-certificates-helper"], undefined, "off by default");
});

// Signed builds end to end: `paketo build --sign --require-signed-builder` against a loopback
// registry with a small builder of our stack (one bash buildpack that writes a CycloneDX SBOM),
// checked by the reference cosign CLI: `cosign verify` and `cosign verify-attestation` for the
// CycloneDX and SPDX SBOMs and the SLSA provenance. Two builds of the same app give the same
// digest and the same provenance. Key-level and registry-level cases are src/sign/sign.test.ts.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { cli } from "../platform/creator/testing/e2e.js";
import { makeStack } from "../platform/creator/testing/e2e.js";
import { cosign } from "../testing/go-tools.js";
import { run, startRegistry, type TestRegistry, writeTree } from "../testing/index.js";
import { e2eTemp } from "./testing/harness.js";

const tmp = e2eTemp("signing");
const PASSWORD = "signing test";
const env = () => ({ ...process.env, PAKETO_STORE: join(tmp.path, "store"), DOCKER_CONFIG: join(tmp.path, "docker-config"), COSIGN_PASSWORD: PASSWORD });
const c = cli(env);
let registry: TestRegistry;
let cosignBin: string;
let reg: string;
const key = () => join(tmp.path, "k.key");
const pub = () => join(tmp.path, "k.pub");

const SBOM = JSON.stringify({
  bomFormat: "CycloneDX",
  specVersion: "1.5",
  version: 1,
  components: [{ type: "library", name: "left-pad", version: "1.3.0", purl: "pkg:npm/left-pad@1.3.0" }],
});

function cosignRun(args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    return { code: 0, stdout: run(cosignBin, args, { env: env() }), stderr: "" };
  } catch (e) {
    return { code: 1, stdout: "", stderr: (e as Error).message };
  }
}

const insecure = () => ["--insecure-registry", registry.host];

before(async () => {
  registry = await startRegistry();
  reg = registry.host;
  cosignBin = cosign();
  await c.ok(["key", "generate", "--output-prefix", join(tmp.path, "k")]);
  await c.ok(["key", "generate", "--output-prefix", join(tmp.path, "other")]);
  await makeStack(c, tmp.path);
  await c.ok(["copy", "stack:run", `docker://${reg}/stack/run:1`, ...insecure()]);
  writeTree(join(tmp.path, "bp"), {
    "buildpack.toml": 'api = "0.10"\n[buildpack]\nid = "test/hello"\nversion = "1.2.3"\nname = "Hello"\nsbom-formats = ["application/vnd.cyclonedx+json"]\n',
    "bin/detect": { content: "#!/usr/bin/env bash\n[ -f hello.txt ] || exit 100\n", mode: 0o755 },
    "bin/build": {
      content: `#!/usr/bin/env bash\nset -e\nprintf '[[processes]]\\ntype = "web"\\ncommand = ["cat", "hello.txt"]\\ndefault = true\\n' > "$1/launch.toml"\ncat > "$1/launch.sbom.cdx.json" <<'EOF'\n${SBOM}\nEOF\n`,
      mode: 0o755,
    },
  });
  writeFileSync(
    join(tmp.path, "builder.toml"),
    `[[buildpacks]]\nuri = "${join(tmp.path, "bp")}"\n\n[[order]]\n[[order.group]]\nid = "test/hello"\nversion = "1.2.3"\n\n[build]\nimage = "stack:build"\n\n[[run.images]]\nimage = "${reg}/stack/run:1"\n`,
  );
  await c.ok(["builder", "create", "builder:1", "--config", join(tmp.path, "builder.toml"), ...insecure()]);
  await c.ok(["copy", "builder:1", `docker://${reg}/builder:signed`, ...insecure()]);
  // Another builder (another digest: a signature covers every tag of its digest).
  writeFileSync(join(tmp.path, "builder2.toml"), `description = "unsigned"\n${readFileSync(join(tmp.path, "builder.toml"), "utf8")}`);
  await c.ok(["builder", "create", "builder:2", "--config", join(tmp.path, "builder2.toml"), ...insecure()]);
  await c.ok(["copy", "builder:2", `docker://${reg}/builder:unsigned`, ...insecure()]);
  await c.ok(["sign", `docker://${reg}/builder:signed`, "--key", key(), ...insecure()]);
  await c.ok(["sign", `docker://${reg}/stack/run:1`, "--key", key(), ...insecure()]);
  writeTree(join(tmp.path, "app"), { "hello.txt": "hello, signed world\n" });
});

after(async () => {
  await registry?.stop();
  tmp.cleanup();
});

describe("signed builds", { concurrency: true }, () => {
  test("build --sign: cosign verifies the signature and the CycloneDX, SPDX and SLSA attestations; a second build gives the same digest and provenance", async () => {
    const build = (name: string) =>
      c.paketo(["build", `docker://${reg}/app/${name}:1`, "--builder", `docker://${reg}/builder:signed`, "--path", join(tmp.path, "app"), "--env", "GREETING_SECRET=hunter2", "--sign", "--require-signed-builder", "--key", key(), ...insecure()]);
    const [a, b] = await Promise.all([build("one"), build("two")]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    assert.match(a.stderr, /Signatures verified: .*builder:signed, .*stack\/run:1/);
    assert.match(a.stderr, /Signed .* and attested its SBOM and provenance/);
    const digest = a.stdout.trim().split("\n").pop() as string;
    assert.equal(b.stdout.trim().split("\n").pop(), digest, "two builds of the same app give the same image digest");

    const image = `${reg}/app/one:1`;
    const common = ["--key", pub(), "--insecure-ignore-tlog=true", "--allow-http-registry", "--allow-insecure-registry"];
    const v = cosignRun(["verify", ...common, image]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, new RegExp(digest));
    const predicates: Record<string, { predicate: Record<string, unknown> }> = {};
    for (const type of ["cyclonedx", "spdxjson", "slsaprovenance1"]) {
      const r = cosignRun(["verify-attestation", "--type", type, ...common, image]);
      assert.equal(r.code, 0, `cosign verify-attestation --type ${type}: ${r.stderr}`);
      const envelope = JSON.parse(r.stdout.trim().split("\n")[0] as string) as { payload: string };
      predicates[type] = JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8"));
    }
    // The SBOMs: the buildpack's component, by purl, in both formats.
    assert.match(JSON.stringify(predicates.cyclonedx), /pkg:npm\/left-pad@1\.3\.0/);
    assert.match(JSON.stringify(predicates.spdxjson), /pkg:npm\/left-pad@1\.3\.0/);
    // The provenance: builder, buildpack and version, source digest, env names without values,
    // the run image by digest, the SBOM's dependencies; no time.
    const prov = JSON.stringify(predicates.slsaprovenance1);
    const p = predicates.slsaprovenance1?.predicate as { buildDefinition: { externalParameters: { env: string[] }; resolvedDependencies: Array<{ uri?: string; name?: string; digest?: Record<string, string> }> }; runDetails: { builder: { id: string } } };
    assert.match(p.runDetails.builder.id, new RegExp(`^oci://${reg}/builder:signed@sha256:[0-9a-f]{64}$`));
    assert.deepEqual(p.buildDefinition.externalParameters.env, ["GREETING_SECRET"]);
    assert.doesNotMatch(prov, /hunter2/);
    const deps = p.buildDefinition.resolvedDependencies;
    assert.ok(deps.some((d) => d.uri === "urn:cnb:buildpack:test/hello@1.2.3"), prov);
    assert.ok(deps.some((d) => d.name === "source" && /^[0-9a-f]{64}$/.test(d.digest?.sha256 ?? "")), prov);
    assert.ok(deps.some((d) => d.name === "run-image" && /^[0-9a-f]{64}$/.test(d.digest?.sha256 ?? "")), prov);
    assert.ok(deps.some((d) => d.uri === "pkg:npm/left-pad@1.3.0"), prov);
    assert.doesNotMatch(prov, /startedOn|finishedOn|20[2-9]\d-\d\d-\d\dT/);

    // The second build's provenance is the same predicate.
    const second = cosignRun(["verify-attestation", "--type", "slsaprovenance1", ...common, `${reg}/app/two:1`]);
    assert.equal(second.code, 0, second.stderr);
    const p2 = JSON.parse(Buffer.from((JSON.parse(second.stdout.trim().split("\n")[0] as string) as { payload: string }).payload, "base64").toString("utf8"));
    assert.deepEqual(p2.predicate, predicates.slsaprovenance1?.predicate);

    // paketo verify checks the same, and requires the attestations asked for.
    const pv = await c.paketo(["verify", `docker://${image}`, "--key", pub(), "--attestation", "cyclonedx", "--attestation", "spdxjson", "--attestation", "slsaprovenance1", "--json", ...insecure()]);
    assert.equal(pv.code, 0, pv.stderr);
    assert.deepEqual(JSON.parse(pv.stdout).attestations.sort(), ["https://cyclonedx.org/bom", "https://slsa.dev/provenance/v1", "https://spdx.dev/Document"]);
    // Attesting again with the same key keeps the same SBOM statements once; the provenance
    // `paketo attest` can give (no source digest, no env) is another statement, added.
    await c.ok(["attest", `docker://${image}`, "--key", key(), "--builder", p.runDetails.builder.id.slice("oci://".length), ...insecure()]);
    const again = await c.paketo(["verify", `docker://${image}`, "--key", pub(), "--json", ...insecure()]);
    assert.deepEqual(JSON.parse(again.stdout).attestations.sort(), ["https://cyclonedx.org/bom", "https://slsa.dev/provenance/v1", "https://slsa.dev/provenance/v1", "https://spdx.dev/Document"]);
  });

  test("--require-signed-builder refuses an unsigned builder and one signed by another key, and --sign a store destination or a wrong password, before building", async () => {
    const unsigned = await c.paketo(["build", `docker://${reg}/app/never:1`, "--builder", `docker://${reg}/builder:unsigned`, "--path", join(tmp.path, "app"), "--require-signed-builder", "--key", pub(), ...insecure()]);
    assert.equal(unsigned.code, 1);
    assert.match(unsigned.stderr, /builder:unsigned \(sha256:[0-9a-f]{64}\) is not signed/);
    const other = await c.paketo(["build", `docker://${reg}/app/never:1`, "--builder", `docker://${reg}/builder:signed`, "--path", join(tmp.path, "app"), "--require-signed-builder", "--key", join(tmp.path, "other.pub"), ...insecure()]);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /its signature does not verify with the key/);
    // --sign fails before building too: a destination that cannot hold a signature, a wrong password.
    const store = await c.paketo(["build", "app:1", "--builder", `docker://${reg}/builder:signed`, "--path", join(tmp.path, "app"), "--sign", "--key", key(), ...insecure()]);
    assert.equal(store.code, 1);
    assert.match(store.stderr, /--sign: app:1 is in the local store/);
    const password = await c.paketo(["build", `docker://${reg}/app/never:1`, "--builder", `docker://${reg}/builder:signed`, "--path", join(tmp.path, "app"), "--sign", "--key", key(), ...insecure()], { COSIGN_PASSWORD: "wrong" });
    assert.equal(password.code, 1);
    assert.match(password.stderr, /cannot decrypt .*k\.key: wrong password\nhint: set COSIGN_PASSWORD/);
    assert.doesNotMatch(unsigned.stderr + other.stderr + store.stderr + password.stderr, /Detecting|DETECTING|===> /);
  });

  test("attest on an image without an SBOM attests its provenance; cosign verify-attestation accepts it", async () => {
    await c.ok(["copy", "stack:run", `docker://${reg}/plain:1`, ...insecure()]);
    const r = await c.paketo(["attest", `docker://${reg}/plain:1`, "--key", key(), "--source", tmp.path, ...insecure()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: no SBOM attested/);
    const v = cosignRun(["verify-attestation", "--type", "slsaprovenance1", "--key", pub(), "--insecure-ignore-tlog=true", "--allow-http-registry", "--allow-insecure-registry", `${reg}/plain:1`]);
    assert.equal(v.code, 0, v.stderr);
    const none = cosignRun(["verify-attestation", "--type", "cyclonedx", "--key", pub(), "--insecure-ignore-tlog=true", "--allow-http-registry", "--allow-insecure-registry", `${reg}/plain:1`]);
    assert.notEqual(none.code, 0);
    assert.equal(readFileSync(pub(), "utf8").startsWith("-----BEGIN PUBLIC KEY-----"), true);
  });
});

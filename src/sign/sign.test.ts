// Signatures in cosign's formats, against a real registry and the reference cosign CLI (built from
// its Go module, src/testing/go-tools.ts): cosign accepts what paketo signs, paketo accepts what
// cosign signs, and paketo refuses wrong keys, tampered payloads and moved tags.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { emptyImage, layerFromBytes, layerFromTarBytes, mutate, transport } from "../oci/index.js";
import { startRegistry, tarOf, tempDir, type TestRegistry } from "../testing/index.js";
import { cosign } from "../testing/go-tools.js";
import {
  attachPayload,
  decryptPrivateKey,
  encryptPrivateKey,
  generateKeyPair,
  loadPrivateKey,
  loadPublicKey,
  publicKeyOf,
  resolveSubject,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  SignError,
  signBytes,
  signImage,
  simpleSigningPayload,
  storedPayloads,
  readSidecar,
  verifyBytes,
  verifyImage,
} from "./index.js";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../bin/paketo");
const PASSWORD = "correct horse";

let tmp: ReturnType<typeof tempDir>;
let registry: TestRegistry;
let cosignBin: string;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return new Promise((done, fail) => {
    const all: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: join(tmp.path, "docker-config"), PAKETO_STORE: join(tmp.path, "store"), COSIGN_PASSWORD: PASSWORD, ...env };
    for (const [k, v] of Object.entries(all)) if (v === undefined) delete all[k];
    const child = spawn(cmd, args, {
      env: all,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

const paketo = (args: string[], env?: NodeJS.ProcessEnv) => exec(process.execPath, [BIN, ...args], env);
const COSIGN_REGISTRY_FLAGS = ["--allow-http-registry", "--allow-insecure-registry"];
const cosignVerify = (image: string, pub: string, extra: string[] = []) =>
  exec(cosignBin, ["verify", "--key", pub, "--insecure-ignore-tlog=true", ...COSIGN_REGISTRY_FLAGS, ...extra, image]);

function ok(r: Ran, what: string): Ran {
  assert.equal(r.code, 0, `${what} failed:\n${r.stderr}\n${r.stdout}`);
  return r;
}

/** A small image of its own per test (a one-file layer), pushed to `repo:tag`; its digest. */
async function pushImage(repo: string, content: string, tag = "1"): Promise<string> {
  const img = mutate.appendLayers(emptyImage(), layerFromTarBytes(await tarOf({ "hello.txt": content })));
  const { digest } = await transport.write(`docker://${registry.host}/${repo}:${tag}`, { kind: "image", image: img }, { storeRoot: join(tmp.path, "store"), env: process.env, insecureRegistries: [registry.host] });
  return digest;
}

const opts = () => ({ storeRoot: join(tmp.path, "store"), env: process.env, insecureRegistries: [registry.host] });

before(async () => {
  tmp = tempDir("paketo-sign-");
  registry = await startRegistry();
  cosignBin = cosign();
  ok(await paketo(["key", "generate", "--output-prefix", join(tmp.path, "paketo")]), "paketo key generate");
  ok(await paketo(["key", "generate", "--output-prefix", join(tmp.path, "other")]), "paketo key generate");
  ok(await paketo(["key", "generate", "--algorithm", "ed25519", "--output-prefix", join(tmp.path, "ed")]), "paketo key generate ed25519");
  ok(await exec(cosignBin, ["generate-key-pair", "--output-key-prefix", join(tmp.path, "cosign")]), "cosign generate-key-pair");
});

after(async () => {
  await registry?.stop();
  tmp?.cleanup();
});

describe("keys", { concurrency: true }, () => {
  test("an encrypted key round-trips; a wrong password or doctored scrypt costs are refused", async () => {
    const der = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "der" });
    const body = await encryptPrivateKey(der, "pw");
    assert.deepEqual(await decryptPrivateKey(body, "pw", "k"), der);
    await assert.rejects(decryptPrivateKey(body, "nope", "k"), (e: SignError) => e.code === "SIGN_KEY" && /wrong password/.test(e.message));
    const doc = JSON.parse(body.toString());
    doc.kdf.params.N = 1 << 24;
    await assert.rejects(decryptPrivateKey(Buffer.from(JSON.stringify(doc)), "pw", "k"), (e: SignError) => e.code === "SIGN_KEY" && /scrypt parameters/.test(e.message));
  });

  test("generated ECDSA and Ed25519 pairs sign and verify; PKCS#8 and public PEM load", async () => {
    for (const alg of ["ecdsa-p256", "ed25519"] as const) {
      const pair = await generateKeyPair(alg, "");
      assert.match(pair.privateKeyPem, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
      const k = await loadPrivateKey(pair.privateKeyPem, "", "k");
      assert.equal(k.algorithm, alg);
      const sig = signBytes(k, Buffer.from("payload"));
      const pub = loadPublicKey(pair.publicKeyPem, "p");
      assert.ok(verifyBytes(pub, Buffer.from("payload"), sig));
      assert.ok(!verifyBytes(pub, Buffer.from("payloaD"), sig));
      const plain = await loadPrivateKey(k.key.export({ type: "pkcs8", format: "pem" }).toString(), undefined, "plain");
      assert.ok(verifyBytes(publicKeyOf(plain), Buffer.from("x"), signBytes(plain, Buffer.from("x"))));
    }
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    assert.throws(() => loadPublicKey(rsa, "rsa.pub"), (e: SignError) => e.code === "SIGN_KEY" && /rsa key/.test(e.message));
  });

  test("paketo reads cosign's encrypted key, and cosign reads paketo's", async () => {
    const k = await loadPrivateKey(readFileSync(join(tmp.path, "cosign.key"), "utf8"), PASSWORD, "cosign.key");
    assert.equal(k.algorithm, "ecdsa-p256");
    const blob = join(tmp.path, "blob.txt");
    writeFileSync(blob, "some blob");
    const sig = ok(await exec(cosignBin, ["sign-blob", "--key", join(tmp.path, "paketo.key"), "--tlog-upload=false", "-y", blob]), "cosign sign-blob with paketo's key").stdout.trim();
    const pub = loadPublicKey(readFileSync(join(tmp.path, "paketo.pub"), "utf8"), "paketo.pub");
    assert.ok(verifyBytes(pub, Buffer.from("some blob"), Buffer.from(sig.split("\n").pop() as string, "base64")));
  });

  test("key generate never overwrites and needs COSIGN_PASSWORD", async () => {
    const again = await paketo(["key", "generate", "--output-prefix", join(tmp.path, "paketo")]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /paketo\.key exists; paketo never overwrites a key/);
    const r = await exec(process.execPath, [BIN, "key", "generate", "--output-prefix", join(tmp.path, "nopw")], { COSIGN_PASSWORD: undefined });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /COSIGN_PASSWORD is not set/);
  });
});

describe("signatures", { concurrency: true }, () => {
  test("cosign verify accepts paketo's signature; the image digest is unchanged", async () => {
    const digest = await pushImage("team/signed", "signed by paketo");
    const image = `${registry.host}/team/signed:1`;
    const r = ok(await paketo(["sign", `docker://${image}`, "--key", join(tmp.path, "paketo.key"), "--insecure-registry", registry.host]), "paketo sign");
    assert.equal(r.stdout.trim(), `sha256-${digest.slice(7)}.sig`);
    const after = await resolveSubject({ transport: "docker", ref: image }, opts());
    assert.equal(after.digest, digest);
    const v = ok(await cosignVerify(image, join(tmp.path, "paketo.pub")), "cosign verify");
    assert.match(v.stdout, new RegExp(digest));
    // Signing again with the same key adds nothing.
    ok(await paketo(["sign", `docker://${image}`, "--key", join(tmp.path, "paketo.key"), "--insecure-registry", registry.host]), "paketo sign again");
    const sig = await readSidecar(after, "sig", opts());
    assert.equal((await storedPayloads(sig!, "sig")).length, 1);
    // cosign refuses it with another key (the test's own check that cosign checks anything).
    assert.notEqual((await cosignVerify(image, join(tmp.path, "other.pub"))).code, 0);
  });

  test("cosign verify accepts an Ed25519 signature by paketo, with its signed annotations", async () => {
    await pushImage("team/ed", "ed25519");
    const image = `${registry.host}/team/ed:1`;
    ok(await paketo(["sign", `docker://${image}`, "--key", join(tmp.path, "ed.key"), "-a", "team=web", "--insecure-registry", registry.host]), "paketo sign ed25519");
    ok(await cosignVerify(image, join(tmp.path, "ed.pub"), ["-a", "team=web"]), "cosign verify ed25519");
    assert.notEqual((await cosignVerify(image, join(tmp.path, "ed.pub"), ["-a", "team=db"])).code, 0, "cosign checks the signed annotations");
    ok(await paketo(["verify", `docker://${image}`, "--key", join(tmp.path, "ed.pub"), "--insecure-registry", registry.host]), "paketo verify ed25519");
  });

  test("paketo verify accepts cosign's signature, and paketo signs with cosign's key", async () => {
    const digest = await pushImage("team/by-cosign", "signed by cosign");
    const image = `${registry.host}/team/by-cosign`;
    ok(await exec(cosignBin, ["sign", "--key", join(tmp.path, "cosign.key"), "--tlog-upload=false", "-y", ...COSIGN_REGISTRY_FLAGS, `${image}@${digest}`]), "cosign sign");
    const v = ok(await paketo(["verify", `docker://${image}:1`, "--key", join(tmp.path, "cosign.pub"), "--insecure-registry", registry.host, "--json"]), "paketo verify");
    assert.equal(JSON.parse(v.stdout).digest, digest);
    assert.equal(JSON.parse(v.stdout).signatures, 1);
    const w = await paketo(["verify", `docker://${image}:1`, "--key", join(tmp.path, "paketo.pub"), "--insecure-registry", registry.host]);
    assert.equal(w.code, 1);
    assert.match(w.stderr, /error: .*its signature does not verify with the key\nhint: it was signed with another key/);
    // cosign's key signs with paketo; both signatures stay, and both tools accept the result.
    ok(await paketo(["sign", `docker://${image}:1`, "--key", join(tmp.path, "cosign.key"), "--insecure-registry", registry.host]), "paketo sign with cosign.key");
    ok(await cosignVerify(`${image}:1`, join(tmp.path, "cosign.pub")), "cosign verify");
  });

  test("a wrong key, a tampered payload and a moved tag are each refused with their own error", async () => {
    const first = await pushImage("team/tamper", "first");
    const image = `${registry.host}/team/tamper:1`;
    const name = { transport: "docker" as const, ref: image };
    const key = await loadPrivateKey(readFileSync(join(tmp.path, "paketo.key"), "utf8"), PASSWORD, "paketo.key");
    const pub = loadPublicKey(readFileSync(join(tmp.path, "paketo.pub"), "utf8"), "paketo.pub");
    const otherPub = loadPublicKey(readFileSync(join(tmp.path, "other.pub"), "utf8"), "other.pub");
    await signImage(name, key, opts());
    assert.equal((await verifyImage(name, pub, opts())).signatures, 1);
    // Another key.
    await assert.rejects(verifyImage(name, otherPub, opts()), (e: SignError) => e.code === "SIGN_BAD_SIGNATURE");
    // The tag moved to another image: it has no signature...
    const second = await pushImage("team/tamper", "second");
    assert.notEqual(first, second);
    await assert.rejects(verifyImage(name, pub, opts()), (e: SignError) => e.code === "SIGN_UNSIGNED" && e.message.includes(second));
    const cli = await paketo(["verify", `docker://${image}`, "--key", join(tmp.path, "paketo.pub"), "--insecure-registry", registry.host]);
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /is not signed: there is no sha256-[0-9a-f]{64}\.sig beside it/);
    // ...and the first image's signature copied to it signs another digest.
    const firstSub = await resolveSubject({ transport: "docker", ref: `${registry.host}/team/tamper@${first}` }, opts());
    const stolen = (await storedPayloads((await readSidecar(firstSub, "sig", opts()))!, "sig"))[0]!;
    const secondSub = await resolveSubject(name, opts());
    await attachPayload(secondSub, "sig", stolen, opts());
    await assert.rejects(verifyImage(name, pub, opts()), (e: SignError) => e.code === "SIGN_WRONG_IMAGE" && e.message.includes(first));
    assert.notEqual((await cosignVerify(image, join(tmp.path, "paketo.pub"))).code, 0);
    // A payload changed under its signature (here: made to name the second image).
    const forged = simpleSigningPayload(secondSub.repository, secondSub.digest);
    const tampered = mutate.appendLayers(emptyImage(), {
      layer: layerFromBytes(forged, SIMPLE_SIGNING_MEDIA_TYPE),
      annotations: { [SIGNATURE_ANNOTATION]: stolen.annotations[SIGNATURE_ANNOTATION] as string },
    });
    await transport.write(`docker://${registry.host}/team/tamper:sha256-${secondSub.digest.slice(7)}.sig`, { kind: "image", image: tampered }, opts());
    await assert.rejects(verifyImage(name, pub, opts()), (e: SignError) => e.code === "SIGN_BAD_SIGNATURE" && /changed since/.test(e.hint ?? ""));
    assert.notEqual((await cosignVerify(image, join(tmp.path, "paketo.pub"))).code, 0);
  });

  test("an image in an OCI layout is signed beside it, by tag", async () => {
    const dir = join(tmp.path, "layout");
    const img = mutate.appendLayers(emptyImage(), layerFromTarBytes(Buffer.alloc(1024)));
    const { digest } = await transport.write(`oci:${dir}:v1`, { kind: "image", image: img }, opts());
    const r = ok(await paketo(["sign", `oci:${dir}:v1`, "--key", join(tmp.path, "paketo.key")]), "paketo sign oci");
    assert.equal(r.stdout.trim(), `sha256-${digest.slice(7)}.sig`);
    ok(await paketo(["verify", `oci:${dir}:v1`, "--key", join(tmp.path, "paketo.pub")]), "paketo verify oci");
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
    assert.deepEqual(index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"]).sort(), [r.stdout.trim(), "v1"]);
    const untagged = await paketo(["sign", `oci:${dir}`, "--key", join(tmp.path, "paketo.key")]);
    assert.equal(untagged.code, 1);
    assert.match(untagged.stderr, /name the image by tag/);
  });
});

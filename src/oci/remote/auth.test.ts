import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { inspect } from "node:util";
import { type CountingProxy, startCountingProxy, startRegistry, type TestRegistry, tarOf, tempDir, writeTree } from "../../testing/index.js";
import { emptyImage } from "../empty.js";
import type { Image } from "../image.js";
import { appendLayers } from "../mutate/index.js";
import { layerFromTarBytes } from "../static-layer.js";
import * as remote from "./index.js";
import { Redactor } from "../../errors/index.js";

const USER = "alice";
const PASSWORD = "s3cret-Pa55word";
const WRONG = "wrong-Pa55word-xyz";

async function smallImage(text: string): Promise<Image> {
  return appendLayers(emptyImage(), layerFromTarBytes(await tarOf({ "f.txt": text })));
}

function dockerConfig(dir: string, cfg: unknown): string {
  writeTree(dir, { "config.json": JSON.stringify(cfg) });
  return dir;
}

/** Asserts the error is one clear line and that no secret leaks anywhere in it. */
function noSecrets(e: unknown, ...secrets: string[]) {
  const everything = `${inspect(e, { depth: 20 })}\n${JSON.stringify(e)}\n${String((e as Error).stack)}`;
  for (const s of secrets) {
    assert.ok(!everything.includes(s), "the secret must not appear in the error");
    assert.ok(!everything.includes(Buffer.from(`${USER}:${s}`).toString("base64")), "nor its base64");
  }
}

describe("registry with htpasswd basic auth", () => {
  let reg: TestRegistry;
  let home: { path: string; cleanup: () => void };
  before(async () => {
    reg = await startRegistry({ auth: { username: USER, password: PASSWORD } });
    home = tempDir();
  });
  after(async () => {
    await reg?.stop();
    home?.cleanup();
  });
  const nobody = () => remote.configKeychain({ env: {}, home: home.path });

  test("explicit credentials push and pull", async () => {
    const img = await smallImage("opts");
    const opts = { auth: { username: USER, password: PASSWORD }, keychain: nobody() };
    await remote.write(`${reg.host}/app:opts`, img, opts);
    const back = await remote.image(`${reg.host}/app:opts`, opts);
    assert.equal(await back.digest(), await img.digest());
  });

  test("without credentials: an auth error that says how to log in", async () => {
    await assert.rejects(remote.write(`${reg.host}/app:anon`, await smallImage("anon"), { keychain: nobody() }), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, "OCI_REGISTRY_AUTH");
      assert.match(e.message, /: 401 (UNAUTHORIZED: authentication required|Unauthorized)$/);
      assert.match(e.hint ?? "", /--creds/);
      return true;
    });
  });

  test("a wrong password gives one clear error without the password", async () => {
    const img = await smallImage("wrong");
    await assert.rejects(remote.write(`${reg.host}/app:wrong`, img, { auth: { username: USER, password: WRONG }, keychain: nobody() }), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, "OCI_REGISTRY_AUTH");
      assert.equal(e.message, `pushing ${reg.host}/app:wrong: 401 UNAUTHORIZED: authentication required`);
      assert.ok(!e.message.includes("\n"));
      assert.match(e.hint ?? "", /refused/);
      noSecrets(e, WRONG, PASSWORD);
      return true;
    });
  });

  test("a registry error that echoes the credentials it was sent shows neither the password nor the Basic token", async () => {
    const proxy = await startCountingProxy(reg.host);
    try {
      proxy.inject({
        method: "PUT",
        path: /\/manifests\//,
        fault: {
          status: 400,
          body: (req) => {
            const auth = String(req.headers.authorization);
            const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
            return JSON.stringify({ errors: [{ code: "DENIED", message: `refused ${auth} for ${decoded} (password ${decoded.split(":")[1]})` }] });
          },
        },
      });
      const redactor = new Redactor();
      await assert.rejects(
        remote.write(`${proxy.host}/app:echo`, await smallImage("echo"), { auth: { username: USER, password: PASSWORD }, keychain: nobody(), redactor }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, "OCI_REGISTRY");
          assert.match(e.message, /: 400 DENIED: refused Basic <redacted> for <redacted> \(password <redacted>\)$/);
          noSecrets(e, PASSWORD);
          return true;
        },
      );
      // What the CLI prints goes through the same redactor: it learnt every form sent.
      const basic = Buffer.from(`${USER}:${PASSWORD}`).toString("base64");
      assert.equal(redactor.redact(`x ${PASSWORD} ${basic} ${encodeURIComponent(PASSWORD)} y`), "x <redacted> <redacted> <redacted> y");
    } finally {
      await proxy.stop();
    }
  });

  test("credentials from DOCKER_CONFIG/config.json auths", async () => {
    const dir = dockerConfig(join(home.path, "docker-auths"), {
      auths: { [reg.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString("base64") } },
    });
    const keychain = remote.configKeychain({ env: { DOCKER_CONFIG: dir }, home: home.path });
    const img = await smallImage("docker-config");
    await remote.write(`${reg.host}/app:cfg`, img, { keychain });
    assert.equal(await (await remote.image(`${reg.host}/app:cfg`, { keychain })).digest(), await img.digest());
  });

  test("the default keychain reads $DOCKER_CONFIG", async () => {
    const dir = dockerConfig(join(home.path, "docker-default"), {
      auths: { [`http://${reg.host}/`]: { username: USER, password: PASSWORD } },
    });
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = dir;
    try {
      const img = await smallImage("default-keychain");
      await remote.write(`${reg.host}/app:default`, img);
      assert.equal(await remote.exists(`${reg.host}/app:default`), true);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
  });

  test("credentials from a credHelpers helper on PATH", async () => {
    const bin = join(home.path, "bin");
    const log = join(home.path, "helper.log");
    writeTree(bin, {
      "docker-credential-paketotest": {
        mode: 0o755,
        content: `#!/bin/sh
read server
echo "$1 $server" >> "${log}"
if [ "$server" = "${reg.host}" ]; then
  printf '{"ServerURL":"%s","Username":"${USER}","Secret":"${PASSWORD}"}' "$server"
else
  echo "credentials not found in native keychain"
  exit 1
fi
`,
      },
    });
    const dir = dockerConfig(join(home.path, "docker-helper"), { credHelpers: { [reg.host]: "paketotest" } });
    const env = { DOCKER_CONFIG: dir, PATH: `${bin}:${process.env.PATH}` };
    const keychain = remote.configKeychain({ env, home: home.path });
    const img = await smallImage("helper");
    await remote.write(`${reg.host}/app:helper`, img, { keychain });
    assert.equal(readFileSync(log, "utf8").trim(), `get ${reg.host}`, "asked once, for this host");
    // A helper that has nothing for a host means anonymous, not an error.
    assert.equal(await remote.configKeychain({ env, home: home.path }).resolve("other.example:5000"), undefined);
  });

  test("a credsStore helper that is not installed is a clear error", async () => {
    const dir = dockerConfig(join(home.path, "docker-store"), { credsStore: "not-installed-anywhere" });
    const keychain = remote.configKeychain({ env: { DOCKER_CONFIG: dir, PATH: "/nonexistent" }, home: home.path });
    await assert.rejects(remote.image(`${reg.host}/app:opts`, { keychain }), (e: Error & { code?: string }) => {
      assert.equal(e.code, "OCI_CREDENTIALS");
      assert.match(e.message, /credential helper docker-credential-not-installed-anywhere \(credsStore in .*config\.json\) is not on PATH/);
      return true;
    });
  });
});

describe("registry with bearer tokens", () => {
  let reg: TestRegistry;
  let proxy: CountingProxy;
  let home: { path: string; cleanup: () => void };
  before(async () => {
    reg = await startRegistry({ auth: { username: USER, password: PASSWORD }, token: true });
    proxy = await startCountingProxy(reg.host);
    home = tempDir();
  });
  after(async () => {
    await proxy?.stop();
    await reg?.stop();
    home?.cleanup();
  });
  const creds = () => ({ auth: { username: USER, password: PASSWORD }, keychain: remote.configKeychain({ env: {}, home: home.path }) });

  test("push with credentials gets a push token; anonymous pull gets a pull token", async () => {
    const img = await smallImage("token");
    reg.tokenRequests.length = 0;
    await remote.write(`${reg.host}/tok:1`, img, creds());
    assert.equal(reg.tokenRequests.length, 1, "one token for the whole push");
    assert.deepEqual(reg.tokenRequests[0]?.scopes, ["repository:tok:pull,push"]);
    assert.equal(reg.tokenRequests[0]?.account, USER);
    reg.tokenRequests.length = 0;
    const back = await remote.image(`${reg.host}/tok:1`, { keychain: remote.anonymousKeychain });
    assert.equal(await back.digest(), await img.digest());
    assert.equal(reg.tokenRequests[0]?.account, undefined);
  });

  test("anonymous push is refused with an auth error", async () => {
    await assert.rejects(remote.write(`${reg.host}/tok:anon`, await smallImage("anon"), { keychain: remote.anonymousKeychain }), (e: Error & { code?: string }) => {
      assert.equal(e.code, "OCI_REGISTRY_AUTH");
      assert.match(e.message, /401/);
      return true;
    });
  });

  test("a wrong password fails at the token endpoint, without the password", async () => {
    await assert.rejects(
      remote.write(`${reg.host}/tok:wrong`, await smallImage("wrong"), { auth: { username: USER, password: WRONG }, keychain: remote.anonymousKeychain }),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "OCI_REGISTRY_AUTH");
        assert.match(e.message, new RegExp(`^authenticating to ${reg.host} \\(scope repository:tok:pull,push\\): 401 UNAUTHORIZED: invalid username or password$`));
        noSecrets(e, WRONG, PASSWORD);
        return true;
      },
    );
  });

  test("a cross-repository mount widens the token scope to the source repository", async () => {
    const base = await smallImage("base for mount");
    await remote.write(`${proxy.host}/mbase:1`, base, creds());
    const pulled = await remote.image(`${proxy.host}/mbase:1`, creds());
    const app = appendLayers(pulled, layerFromTarBytes(await tarOf({ "app.txt": "on top" })));
    reg.tokenRequests.length = 0;
    proxy.reset();
    await remote.write(`${proxy.host}/mapp:1`, app, creds());
    assert.deepEqual(reg.tokenRequests.map((r) => r.scopes), [["repository:mapp:pull,push", "repository:mbase:pull"]]);
    const mounts = proxy.requests.filter((r) => r.method === "POST" && r.path.includes("mount="));
    assert.equal(mounts.length, 1);
    assert.equal(mounts[0]?.status, 201);
  });

  test("/v2/ anonymous, the repository behind a token realm: --creds still reach the token request", async () => {
    proxy.reset();
    // A registry whose API root is open while its repositories ask for a Bearer token.
    proxy.inject({ method: "GET", path: /^\/v2\/$/, fault: { status: 200, body: () => "{}" } });
    reg.tokenRequests.length = 0;
    const img = await smallImage("anonymous root");
    await remote.write(`${proxy.host}/tok:open-root`, img, creds());
    assert.ok(reg.tokenRequests.length > 0, "a token was asked for");
    assert.ok(reg.tokenRequests.every((r) => r.account === USER), `every token request carried the credentials: ${JSON.stringify(reg.tokenRequests)}`);
    // Without credentials the hint says none were found, which is then true.
    proxy.inject({ method: "GET", path: /^\/v2\/$/, fault: { status: 200, body: () => "{}" } });
    await assert.rejects(remote.write(`${proxy.host}/tok:open-root-anon`, img, { keychain: remote.anonymousKeychain }), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, "OCI_REGISTRY_AUTH");
      assert.match(e.hint ?? "", /none were found/);
      return true;
    });
  });

  test("a registry error that echoes the Bearer token it was sent does not show it", async () => {
    proxy.reset();
    proxy.inject({
      method: "PUT",
      path: /\/manifests\//,
      fault: { status: 403, body: (req) => JSON.stringify({ errors: [{ code: "DENIED", message: `token ${String(req.headers.authorization).slice(7)} may not push` }] }) },
    });
    await assert.rejects(remote.write(`${proxy.host}/tok:echo`, await smallImage("echo token"), creds()), (e: Error & { code?: string }) => {
      assert.equal(e.code, "OCI_REGISTRY_AUTH");
      const sent = proxy.requests.find((r) => r.method === "PUT" && r.path.includes("/manifests/"))?.authorization?.slice(7) ?? "";
      assert.ok(sent.length > 20, "a bearer token was sent");
      assert.ok(!e.message.includes(sent), e.message);
      assert.match(e.message, /403 DENIED: token <redacted> may not push$/);
      return true;
    });
  });

  test("an identity token from config.json is exchanged with an OAuth2 POST", async () => {
    const dir = join(home.path, "docker-identity");
    writeTree(dir, { "config.json": JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${USER}:`).toString("base64"), identitytoken: PASSWORD } } }) });
    reg.tokenRequests.length = 0;
    const img = await smallImage("identity");
    await remote.write(`${reg.host}/tok:identity`, img, { keychain: remote.configKeychain({ env: { DOCKER_CONFIG: dir }, home: home.path }) });
    assert.equal(reg.tokenRequests[0]?.method, "POST");
    assert.equal(reg.tokenRequests[0]?.account, USER);
  });
});

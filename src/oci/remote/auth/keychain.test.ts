import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir, writeTree } from "../../../testing/index.js";
import { authFiles, configKeychain, normaliseAuthKey, parseCredentials } from "./keychain.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

test("parseCredentials splits at the first colon", () => {
  assert.deepEqual(parseCredentials("u:p:with:colons"), { username: "u", password: "p:with:colons" });
  assert.throws(() => parseCredentials("nocolon"), (e: Error & { code?: string }) => e.code === "OCI_CREDENTIALS" && !e.message.includes("nocolon"));
});

test("auth keys normalise like docker's: scheme, /v1/ and docker.io aliases", () => {
  assert.equal(normaliseAuthKey("https://index.docker.io/v1/"), "docker.io");
  assert.equal(normaliseAuthKey("registry-1.docker.io"), "docker.io");
  assert.equal(normaliseAuthKey("http://127.0.0.1:5000/"), "127.0.0.1:5000");
  assert.equal(normaliseAuthKey("reg.example:443/team/app"), "reg.example:443/team/app");
});

test("files are consulted in podman's and docker's order", () => {
  assert.deepEqual(authFiles({ REGISTRY_AUTH_FILE: "/a.json", XDG_RUNTIME_DIR: "/run/u", DOCKER_CONFIG: "/d" }, "/home/u"), [
    "/a.json",
    "/run/u/containers/auth.json",
    "/d/config.json",
  ]);
  assert.deepEqual(authFiles({}, "/home/u"), ["/home/u/.docker/config.json"]);
});

test("entries: base64 auth, username/password, identity and registry tokens; first file wins", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  writeTree(tmp.path, {
    "podman/auth.json": JSON.stringify({ auths: { "first.example": { auth: b64("podman:pw:1") } } }),
    "docker/config.json": JSON.stringify({
      auths: {
        "first.example": { auth: b64("docker:pw") },
        "https://second.example/v1/": { username: "u2", password: "p2" },
        "https://index.docker.io/v1/": { auth: b64("hub:hubpw") },
        "tok.example": { auth: b64("<token>:"), identitytoken: "refresh-me" },
        "reg.example": { registrytoken: "bearer-me" },
        "repo.example/team/app": { auth: b64("narrow:n") },
        "repo.example": { auth: b64("wide:w") },
        "empty.example": {},
      },
    }),
  });
  const kc = configKeychain({ env: { REGISTRY_AUTH_FILE: join(tmp.path, "podman/auth.json"), DOCKER_CONFIG: join(tmp.path, "docker") }, home: tmp.path });
  assert.deepEqual(await kc.resolve("first.example"), { username: "podman", password: "pw:1" });
  assert.deepEqual(await kc.resolve("second.example"), { username: "u2", password: "p2" });
  assert.deepEqual(await kc.resolve("docker.io", "library/node"), { username: "hub", password: "hubpw" });
  assert.deepEqual(await kc.resolve("tok.example"), { username: "<token>", identityToken: "refresh-me" });
  assert.deepEqual(await kc.resolve("reg.example"), { registryToken: "bearer-me" });
  assert.deepEqual(await kc.resolve("repo.example", "team/app"), { username: "narrow", password: "n" });
  assert.deepEqual(await kc.resolve("repo.example", "other/app"), { username: "wide", password: "w" });
  assert.equal(await kc.resolve("empty.example"), undefined);
  assert.equal(await kc.resolve("unknown.example"), undefined);
});

test("a broken config file is an error naming the file, not the content", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  writeTree(tmp.path, { "d/config.json": '{"auths": {"x": {"auth": "c2VjcmV0' });
  const kc = configKeychain({ env: { DOCKER_CONFIG: join(tmp.path, "d") }, home: tmp.path });
  await assert.rejects(kc.resolve("x"), (e: Error & { code?: string }) => {
    assert.equal(e.code, "OCI_CREDENTIALS");
    assert.match(e.message, /cannot read credentials file .*config\.json/);
    assert.ok(!e.message.includes("c2VjcmV0"));
    return true;
  });
});

test("helpers: credHelpers per host, credsStore as default, Docker Hub asked by its v1 URL", async (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  const log = join(tmp.path, "calls.log");
  const helper = (name: string, user: string) => ({
    mode: 0o755,
    content: `#!/bin/sh\nread server\necho "${name} $server" >> "${log}"\ncase "$server" in\n  *nothing*) echo "credentials not found in native keychain"; exit 1;;\n  *token*) printf '{"Username":"<token>","Secret":"idtok"}';;\n  *) printf '{"Username":"${user}","Secret":"pw-${name}"}';;\nesac\n`,
  });
  writeTree(tmp.path, {
    "bin/docker-credential-one": helper("one", "u1"),
    "bin/docker-credential-store": helper("store", "us"),
    "bin/docker-credential-broken": { mode: 0o755, content: "#!/bin/sh\necho 'secret-ish output' >&2\nexit 3\n" },
    "d/config.json": JSON.stringify({ credsStore: "store", credHelpers: { "a.example": "one", "b.example": "broken" } }),
  });
  const env = { DOCKER_CONFIG: join(tmp.path, "d"), PATH: `${join(tmp.path, "bin")}:/usr/bin:/bin` };
  const kc = configKeychain({ env, home: tmp.path });
  assert.deepEqual(await kc.resolve("a.example"), { username: "u1", password: "pw-one" });
  assert.deepEqual(await kc.resolve("c.example"), { username: "us", password: "pw-store" });
  assert.deepEqual(await kc.resolve("docker.io"), { username: "us", password: "pw-store" });
  assert.deepEqual(await kc.resolve("token.example"), { identityToken: "idtok" });
  assert.equal(await kc.resolve("nothing.example"), undefined);
  await assert.rejects(kc.resolve("b.example"), (e: Error & { code?: string }) => {
    assert.equal(e.code, "OCI_CREDENTIALS");
    assert.match(e.message, /docker-credential-broken \(credHelpers in .*\) exited with status 3 for b\.example/);
    assert.ok(!e.message.includes("secret-ish"));
    return true;
  });
  // cached: asking again does not run the helper again
  await kc.resolve("a.example");
  const { readFileSync } = await import("node:fs");
  const calls = readFileSync(log, "utf8").trim().split("\n");
  assert.deepEqual(calls, ["one a.example", "store c.example", "store https://index.docker.io/v1/", "store token.example", "store nothing.example"]);
});

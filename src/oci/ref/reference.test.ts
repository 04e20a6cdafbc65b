import assert from "node:assert/strict";
import { test } from "node:test";
import { parseReference, parseRepository } from "./index.js";

const D = `sha256:${"ab".repeat(32)}`;

test("a bare name is docker.io/library/NAME:latest", () => {
  const r = parseReference("node");
  assert.equal(r.registry, "docker.io");
  assert.equal(r.repository, "library/node");
  assert.equal(r.tag, "latest");
  assert.equal(r.digest, undefined);
  assert.equal(String(r), "docker.io/library/node:latest");
  assert.equal(r.identifier(), "latest");
});

test("a two-component name without a host stays on docker.io, without library/", () => {
  const r = parseReference("acme/app:1.2");
  assert.equal(r.registry, "docker.io");
  assert.equal(r.repository, "acme/app");
  assert.equal(r.tag, "1.2");
});

test("docker.io aliases normalise, and get library/ for one-component names", () => {
  for (const host of ["docker.io", "index.docker.io", "registry-1.docker.io"]) {
    const r = parseReference(`${host}/node:20`);
    assert.equal(String(r), "docker.io/library/node:20");
  }
});

test("the first component is a host when it has a dot, a port, is localhost, or has uppercase", () => {
  assert.equal(parseReference("127.0.0.1:5000/app").registry, "127.0.0.1:5000");
  assert.equal(parseReference("localhost/app").registry, "localhost");
  assert.equal(parseReference("localhost:5000/team/app:dev").repository, "team/app");
  assert.equal(parseReference("registry.internal/app").registry, "registry.internal");
  assert.equal(parseReference("Registry/app").registry, "Registry");
  assert.equal(parseReference("[::1]:5000/app").registry, "[::1]:5000");
  assert.equal(parseReference("team/app").registry, "docker.io");
});

test("tags and digests", () => {
  const byDigest = parseReference(`127.0.0.1:5000/app@${D}`);
  assert.equal(byDigest.tag, undefined);
  assert.equal(byDigest.digest, D);
  assert.equal(byDigest.identifier(), D);
  const both = parseReference(`127.0.0.1:5000/app:v1@${D}`);
  assert.equal(both.tag, "v1");
  assert.equal(both.identifier(), D, "the digest wins");
  assert.equal(String(both), `127.0.0.1:5000/app:v1@${D}`);
  assert.equal(String(both.context()), "127.0.0.1:5000/app");
  assert.equal(String(both.withTag("v2")), "127.0.0.1:5000/app:v2");
  assert.equal(String(parseReference("127.0.0.1:5000/app:v1").withDigest(D as never)), `127.0.0.1:5000/app:v1@${D}`);
});

test("invalid references name the input and the reason", () => {
  const cases: Array<[string, RegExp]> = [
    ["", /it is empty/],
    ["App", /must be lowercase/],
    ["127.0.0.1:5000/App", /must be lowercase/],
    ["a//b", /not a valid repository path component/],
    ["app:bad tag", /not a valid tag|not a valid repository/],
    [`app@sha256:123`, /not a valid digest/],
    ["app:-x", /not a valid tag/],
    ["https://127.0.0.1:5000/app", /without a URL scheme/],
    ["host_name.example/app", /not a valid registry host/],
    [` app`, /spaces/],
    ["app-/x", /not a valid repository path component/],
    [`x.io/${"a".repeat(260)}`, /longer than 255/],
  ];
  for (const [s, why] of cases) {
    assert.throws(
      () => parseReference(s),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "OCI_INVALID_REFERENCE", s);
        assert.ok(e.message.startsWith(`invalid image reference ${JSON.stringify(s)}: `), e.message);
        assert.match(e.message, why);
        return true;
      },
    );
  }
});

test("path components allow . _ __ and runs of -", () => {
  assert.equal(parseReference("x.io/a.b_c__d--e/f").repository, "a.b_c__d--e/f");
  assert.equal(parseReference("x.io/app:V1.0_rc-1").tag, "V1.0_rc-1");
});

test("parseRepository refuses tags and digests", () => {
  assert.equal(String(parseRepository("127.0.0.1:5000/team/app")), "127.0.0.1:5000/team/app");
  assert.throws(() => parseRepository("127.0.0.1:5000/app:1"), /no tag or digest/);
});

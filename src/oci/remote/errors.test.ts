import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { parseChallenges, pickChallenge } from "./auth/challenge.js";
import { isLoopback } from "./client.js";
import { errorFromResponse, isRetryableNetworkError, parseDiagnostics, redactUrl, shortDigest, unreachable } from "./errors.js";
import { backoffDelay, parseRetryAfter } from "./retry.js";

test("WWW-Authenticate challenges parse, quoted and not, several per header", () => {
  const cs = parseChallenges('Bearer realm="https://auth.example/token",service="reg.example",scope="repository:a/b:pull,push" , error="insufficient_scope"');
  assert.deepEqual(cs, [
    { scheme: "bearer", params: { realm: "https://auth.example/token", service: "reg.example", scope: "repository:a/b:pull,push", error: "insufficient_scope" } },
  ]);
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: "basic", params: { realm: "Registry Realm" } }]);
  const both = parseChallenges(['Basic realm="x"', 'Bearer realm="https://t/", service=s']);
  assert.equal(pickChallenge(both)?.scheme, "bearer");
  assert.equal(pickChallenge(both)?.params.service, "s");
  assert.deepEqual(parseChallenges('Bearer realm="a\\"b"')[0]?.params.realm, 'a"b');
  assert.deepEqual(parseChallenges(undefined), []);
});

test("registry error bodies become one line: status, code, message", async () => {
  const body = JSON.stringify({ errors: [{ code: "DENIED", message: "requested access\nto the resource is denied", detail: { secret: "x" } }, { code: "OTHER", message: "more" }] });
  const e = await errorFromResponse({ status: 403, body: Readable.from([Buffer.from(body)]) }, "pushing blob sha256:ab… to r/app", {
    registry: "r",
    sentCredentials: true,
    method: "PUT",
  });
  assert.equal(e.code, "OCI_REGISTRY_AUTH");
  assert.equal(e.message, "pushing blob sha256:ab… to r/app: 403 DENIED: requested access to the resource is denied (and 1 more)");
  assert.equal(e.status, 403);
  assert.deepEqual(e.diagnostics.map((d) => d.code), ["DENIED", "OTHER"]);
  const plain = await errorFromResponse({ status: 502, body: Readable.from([Buffer.from("<html>bad gateway</html>")]) }, "x", {
    registry: "r",
    sentCredentials: false,
    method: "GET",
  });
  assert.equal(plain.message, "x: 502 Bad Gateway");
  assert.equal(plain.temporary, true);
  const nf = await errorFromResponse({ status: 404, body: Readable.from([]) }, "reading manifest of r/a:1", {
    registry: "r",
    sentCredentials: false,
    method: "HEAD",
    notFound: "manifest",
  });
  assert.equal(nf.code, "OCI_IMAGE_NOT_FOUND");
  assert.deepEqual(parseDiagnostics("not json"), []);
});

test("URLs in messages lose userinfo and query strings", () => {
  assert.equal(redactUrl("https://user:pw@storage.example/blobs/x?X-Amz-Signature=abc&token=t"), "https://storage.example/blobs/x?…");
  assert.equal(redactUrl("http://127.0.0.1:5000/v2/"), "http://127.0.0.1:5000/v2/");
});

test("network errors: resets and timeouts are retried, refusals are not", () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(isRetryableNetworkError(err("ECONNRESET")), true);
  assert.equal(isRetryableNetworkError(err("UND_ERR_SOCKET")), true);
  assert.equal(isRetryableNetworkError(err("UND_ERR_HEADERS_TIMEOUT")), true);
  assert.equal(isRetryableNetworkError(new Error("socket hang up")), true);
  assert.equal(isRetryableNetworkError(err("ECONNREFUSED")), false);
  assert.equal(isRetryableNetworkError(new AggregateError([err("ECONNREFUSED")])), false);
  const u = unreachable("127.0.0.1:5999", "reading manifest of 127.0.0.1:5999/app:latest", new AggregateError([err("ECONNREFUSED")]));
  assert.equal(u.message, "registry 127.0.0.1:5999 is unreachable (connection refused) while reading manifest of 127.0.0.1:5999/app:latest");
  assert.equal(u.temporary, false);
  assert.equal(unreachable("r", "x", err("ETIMEDOUT")).temporary, true);
});

test("backoff grows exponentially with jitter, is capped, and honours Retry-After", () => {
  const b = { initialMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 };
  assert.equal(backoffDelay(1, b, undefined, () => 1), 100);
  assert.equal(backoffDelay(3, b, undefined, () => 1), 400);
  assert.equal(backoffDelay(3, b, undefined, () => 0), 200);
  assert.equal(backoffDelay(10, b, undefined, () => 1), 1000);
  assert.equal(backoffDelay(1, b, 3000), 3000);
  assert.equal(backoffDelay(1, b, 60_000), 5000);
  assert.equal(parseRetryAfter("7"), 7000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6000);
  assert.equal(parseRetryAfter("soon"), undefined);
});

test("loopback hosts are recognised for plain http", () => {
  for (const h of ["127.0.0.1:5000", "127.1.2.3", "localhost:5000", "[::1]:5000", "localhost"]) assert.equal(isLoopback(h), true, h);
  for (const h of ["10.0.0.1:5000", "registry.example", "127.0.0.1.example:5000"]) assert.equal(isLoopback(h), false, h);
});

test("shortDigest keeps 12 hex characters", () => {
  assert.equal(shortDigest(`sha256:${"a".repeat(64)}`), "sha256:aaaaaaaaaaaa…");
});

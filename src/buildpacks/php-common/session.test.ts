import assert from "node:assert/strict";
import { test } from "node:test";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { sessionHandler, sessionIni } from "./session.js";

test("session ini from a binding: redis host/port/password, memcached servers and SASL; defaults on loopback", () => {
  assert.equal(sessionIni("redis", { name: "r", entries: { host: "10.0.0.5", port: "6380", password: "p w&" } }), '; sessions in Redis (binding r)\nsession.save_handler = redis\nsession.save_path = "tcp://10.0.0.5:6380?auth=p%20w%26"\n');
  assert.match(sessionIni("redis", { name: "r", entries: {} }), /session\.save_path = "tcp:\/\/127\.0\.0\.1:6379"/);
  assert.throws(() => sessionIni("redis", { name: "r", entries: { port: "x" } }), /binding r: port "x" is not a number/);
  const m = sessionIni("memcached", { name: "m", entries: { servers: "a:11211,b:11211", username: "u", password: "s" } });
  assert.match(m, /session\.save_handler = memcached\nsession\.save_path = "a:11211,b:11211"/);
  assert.match(m, /memcached\.sess_sasl_username = "u"/);
});

test("the redis handler detects on its binding, asks php-dist for the extension, and adds its ini to PHP_INI_SCAN_DIR", async () => {
  const bp = sessionHandler("redis");
  assert.equal((await runDetect(bp)).outcome, "fail");
  const bindings = { sessions: { type: "php-redis-session", entries: { hostname: "cache", port: "6379" } } };
  const d = await runDetect(bp, { bindings });
  assert.equal(d.outcome, "pass");
  assert.match(JSON.stringify(d.outcome === "pass" ? d.plan : {}), /"extensions":\["redis"\]/);
  const b = await runBuild(bp, { bindings, plan: [] });
  assert.equal(b.outcome, "success", b.stderr);
  const layer = b.layers["php-redis-session"];
  assert.ok(layer?.types.launch);
  assert.match(layer?.files["php-redis-session.ini"] ?? "", /save_path = "tcp:\/\/cache:6379"/);
  assert.ok(Object.keys(layer?.files ?? {}).some((f) => f.startsWith("env") && f.includes("PHP_INI_SCAN_DIR")), JSON.stringify(Object.keys(layer?.files ?? {})));
});

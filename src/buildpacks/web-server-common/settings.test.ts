import assert from "node:assert/strict";
import { test } from "node:test";
import type { Binding } from "../../buildpack-api/index.js";
import { generatedConfig, htpasswdBinding, webServer } from "./settings.js";

const binding = (name: string, type: string, entries: Record<string, string>): Binding => ({ name, type, provider: undefined, path: `/b/${name}`, entries });

test("BP_WEB_SERVER: nginx, httpd, unset; anything else is one error", () => {
  assert.equal(webServer({ BP_WEB_SERVER: "nginx" }), "nginx");
  assert.equal(webServer({ BP_WEB_SERVER: "httpd" }), "httpd");
  assert.equal(webServer({}), undefined);
  assert.throws(() => webServer({ BP_WEB_SERVER: "caddy" }), /BP_WEB_SERVER=caddy is not a web server paketo has/);
});

test("generated settings: the root relative to the app or absolute, booleans, location path, include file inside the app", () => {
  const c = generatedConfig({}, "/workspace", []);
  assert.deepEqual(c, { root: "/workspace/public", pushState: false, forceHttps: false, locationPath: "/", includeFile: undefined, basicAuth: undefined });
  const all = generatedConfig(
    { BP_WEB_SERVER_ROOT: "build", BP_WEB_SERVER_ENABLE_PUSH_STATE: "true", BP_WEB_SERVER_FORCE_HTTPS: "1", BP_WEB_SERVER_LOCATION_PATH: "/app/", BP_WEB_SERVER_INCLUDE_FILE_PATH: "conf/proxy.conf" },
    "/workspace",
    [binding("auth", "HTPASSWD", { ".htpasswd": "u:x" })],
  );
  assert.deepEqual(all, { root: "/workspace/build", pushState: true, forceHttps: true, locationPath: "/app/", includeFile: "/workspace/conf/proxy.conf", basicAuth: { binding: "auth" } });
  assert.equal(generatedConfig({ BP_WEB_SERVER_ROOT: "/srv/www/" }, "/workspace", []).root, "/srv/www/");
  assert.throws(() => generatedConfig({ BP_WEB_SERVER_ENABLE_PUSH_STATE: "yes" }, "/w", []), /BP_WEB_SERVER_ENABLE_PUSH_STATE=yes is not a boolean/);
  assert.throws(() => generatedConfig({ BP_WEB_SERVER_INCLUDE_FILE_PATH: "../etc/x.conf" }, "/w", []), /BP_WEB_SERVER_INCLUDE_FILE_PATH=\.\.\/etc\/x\.conf is not a path inside the app/);
  assert.throws(() => generatedConfig({ BP_WEB_SERVER_LOCATION_PATH: "app" }, "/w", []), /BP_WEB_SERVER_LOCATION_PATH=app is not a location path/);
});

test("the htpasswd binding: one, with its .htpasswd entry", () => {
  assert.equal(htpasswdBinding([binding("ca", "ca-certificates", {})]), undefined);
  assert.throws(() => htpasswdBinding([binding("a", "htpasswd", { ".htpasswd": "" }), binding("b", "htpasswd", { ".htpasswd": "" })]), /2 bindings of type htpasswd \(a, b\): one is allowed/);
  assert.throws(() => htpasswdBinding([binding("a", "htpasswd", { htpasswd: "" })]), /binding a \(type htpasswd\) has no \.htpasswd entry/);
});

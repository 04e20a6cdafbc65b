// The httpd buildpack through the buildpack test harness. Debian's apache2 cannot run on this
// (older) host, so the install is a stand-in: an `apache2` shell script that lists Debian's
// compiled-in modules (-l) and plays the configuration test (-t), refusing LoadModule of a
// built-in as apache2 does. The real server runs in src/e2e/web-servers.test.ts.
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { DebianPackagesOptions } from "../../buildpack-api/debian/index.js";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { buildpackToml } from "../node-common/testing/index.js";
import type { GeneratedConfig } from "../web-server-common/settings.js";
import { fakeInstall as stand } from "../web-server-common/testing.js";
import { httpd } from "./buildpack.js";
import { dropBuiltInLoads, generateConf, parseBuiltIns } from "./conf.js";

const toml = buildpackToml("httpd");
const LISTING = "Compiled in modules:\n  core.c\n  mod_so.c\n  mod_watchdog.c\n  http_core.c\n  mod_log_config.c\n  mod_logio.c\n  mod_version.c\n  mod_unixd.c\n";

const FAKE_APACHE2 = `#!/bin/sh
# stands for Debian's apache2: -l lists the built-in modules, -t tests the configuration
for a in "$@"; do [ "$a" = -l ] && { printf '${LISTING.replaceAll("\n", "\\n")}'; exit 0; }; done
while [ $# -gt 0 ]; do case "$1" in -f) conf="$2"; shift ;; esac; shift; done
n=$(grep -n "^ *LoadModule log_config_module" "$conf" | cut -d: -f1)
[ -z "$n" ] || { echo "AH00526: Syntax error on line $n of $conf:"; echo "module log_config_module is built-in and can't be loaded"; exit 1; }
n=$(grep -n "^ *Bogus" "$conf" | cut -d: -f1)
[ -z "$n" ] || { echo "AH00526: Syntax error on line $n of $conf:"; echo "Invalid command 'Bogus', perhaps misspelled or defined by a module not included in the server configuration"; exit 1; }
echo "Syntax OK"
`;

function fakeInstall(calls: DebianPackagesOptions[]) {
  return stand(calls, { "usr/sbin/apache2": FAKE_APACHE2 }, { "apache2-bin": "2.4.71-1~deb13u1" });
}

const ENV = { PATH: "/usr/bin:/bin" };
const SAMPLE_CONF = 'ServerRoot "${SERVER_ROOT}"\nListen "${PORT}"\nLoadModule mpm_event_module modules/mod_mpm_event.so\nLoadModule log_config_module modules/mod_log_config.so\n  LoadModule unixd_module "modules/mod_unixd.so"\nDocumentRoot "${APP_ROOT}/htdocs"\n';

test("LoadModule of modules Debian compiles in is commented out; others stay", () => {
  const built = parseBuiltIns(LISTING);
  assert.ok(built.has("mod_log_config.c") && built.has("mod_unixd.c") && !built.has("mod_mpm_event.c"));
  const { text, dropped } = dropBuiltInLoads(SAMPLE_CONF, built);
  assert.deepEqual(dropped, ["log_config_module", "unixd_module"]);
  assert.match(text, /^LoadModule mpm_event_module modules\/mod_mpm_event\.so$/m);
  assert.match(text, /^# LoadModule log_config_module modules\/mod_log_config\.so {3}\(built into Debian's apache2\)$/m);
  assert.match(text, /^ {2}# LoadModule unixd_module "modules\/mod_unixd\.so"/m);
  assert.equal(text.split("\n").length, SAMPLE_CONF.split("\n").length);
});

const CONFIG: GeneratedConfig = { root: "/workspace/public", pushState: false, forceHttps: false, locationPath: "/", includeFile: undefined, basicAuth: undefined };

test("generated httpd.conf: root under APP_ROOT, push state and https rewrites, basic auth from the binding root at launch", () => {
  const plain = generateConf(CONFIG, "/workspace");
  assert.match(plain, /^DocumentRoot "\$\{APP_ROOT\}\/public"$/m);
  assert.match(plain, /^Listen "\$\{PORT\}"$/m);
  assert.match(plain, /Require all granted/);
  assert.doesNotMatch(plain, /rewrite|Rewrite|Auth/);
  const all = generateConf({ ...CONFIG, root: "/srv/site", pushState: true, forceHttps: true, basicAuth: { binding: "auth" } }, "/workspace");
  assert.match(all, /^DocumentRoot "\/srv\/site"$/m);
  assert.match(all, /^LoadModule rewrite_module modules\/mod_rewrite\.so$/m);
  assert.match(all, /^LoadModule auth_basic_module modules\/mod_auth_basic\.so$/m);
  assert.match(all, /RewriteCond %\{REQUEST_FILENAME\} !-f\n {2}RewriteCond %\{REQUEST_FILENAME\} !-d\n {2}RewriteRule \^ index\.html \[L\]/);
  assert.match(all, /RewriteRule \^ https:\/\/%\{HTTP_HOST\}%\{REQUEST_URI\} \[L,R=301\]/);
  assert.match(all, /Require valid-user/);
  assert.match(all, /AuthUserFile "\$\{SERVICE_BINDING_ROOT\}\/auth\/\.htpasswd"/);
});

describe("httpd buildpack", { concurrency: true }, () => {
  const bp = (calls: DebianPackagesOptions[] = []) => httpd({ install: fakeInstall(calls) });
  test("detect: httpd.conf or BP_WEB_SERVER=httpd", async () => {
    const d = await runDetect(bp(), { buildpackToml: toml, app: { "httpd.conf": "" } });
    assert.ok(d.outcome === "pass", d.stderr);
    assert.deepEqual(d.plan.requires, [{ name: "httpd", metadata: { launch: true } }]);
    assert.equal((await runDetect(bp(), { buildpackToml: toml, app: {}, env: { BP_WEB_SERVER: "httpd" } })).outcome, "pass");
    assert.equal((await runDetect(bp(), { buildpackToml: toml, app: { "nginx.conf": "" } })).outcome, "fail");
  });

  test("the app's httpd.conf: Debian's apache2-bin, a server root, built-in LoadModule lines out, tested, run in the foreground", async () => {
    const calls: DebianPackagesOptions[] = [];
    const b = await runBuild(bp(calls), { buildpackToml: toml, app: { "httpd.conf": SAMPLE_CONF, "htdocs/index.html": "" }, env: { ...ENV, BP_HTTPD_VERSION: "2.4.*" }, keep: true });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.deepEqual(calls[0]?.packages, [{ name: "apache2-bin", version: "2.4.*", source: "BP_HTTPD_VERSION" }, "media-types"]);
      assert.deepEqual(calls[0]?.links, { "usr/sbin/httpd": "apache2", "server-root/modules": "/usr/lib/apache2/modules", "server-root/conf/mime.types": "/etc/mime.types" });
      const conf = b.layers.conf;
      assert.ok(conf);
      assert.match(conf.files["httpd.conf"] ?? "", /^# LoadModule log_config_module/m);
      const layers = join(b.dir, "layers/paketo-buildpacks_httpd");
      assert.equal(conf.files["env.launch/web/SERVER_ROOT.override"], join(layers, "httpd/server-root"));
      assert.equal(conf.files["env.launch/web/APP_ROOT.override"], join(b.dir, "workspace"));
      assert.equal(conf.files["env.launch/web/PORT.default"], "8080");
      assert.deepEqual(b.launch?.processes.map((p) => [p.type, p.command, p.default]), [
        ["web", ["httpd", "-C", "PidFile /tmp/httpd.pid", "-C", "ErrorLog /proc/self/fd/2", "-C", "DefaultRuntimeDir /tmp", "-f", join(layers, "conf/httpd.conf"), "-k", "start", "-DFOREGROUND"], true],
      ]);
      assert.match(b.stdout, /LoadModule taken out for modules built into Debian's apache2: log_config_module, unixd_module/);
      assert.match(b.stdout, /httpd\.conf: httpd's configuration test passed/);
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });

  test("a broken httpd.conf fails the build with httpd's message naming httpd.conf; the basic-auth binding needs its .htpasswd", async () => {
    const b = await runBuild(bp(), { buildpackToml: toml, app: { "httpd.conf": `${SAMPLE_CONF}Bogus on\n` }, env: ENV });
    assert.equal(b.outcome, "error");
    assert.match(b.stderr, /ERROR: httpd\.conf fails httpd's configuration test:\nAH00526: Syntax error on line 7 of httpd\.conf:\nInvalid command 'Bogus'/);
    const auth = await runBuild(bp(), { buildpackToml: toml, app: {}, env: { ...ENV, BP_WEB_SERVER: "httpd" }, bindings: { auth: { type: "htpasswd", entries: { other: "x" } } } });
    assert.match(auth.stderr, /binding auth \(type htpasswd\) has no \.htpasswd entry/);
    const ok = await runBuild(bp(), { buildpackToml: toml, app: {}, env: { ...ENV, BP_WEB_SERVER: "httpd" }, bindings: { auth: { type: "htpasswd", entries: { ".htpasswd": "u:x" } } }, keep: true });
    try {
      assert.equal(ok.outcome, "success", ok.stderr);
      assert.equal(ok.layers.conf?.files["env.launch/web/SERVICE_BINDING_ROOT.default"], "/bindings");
      assert.match(ok.layers.conf?.files["httpd.conf"] ?? "", /AuthUserFile "\$\{SERVICE_BINDING_ROOT\}\/auth\/\.htpasswd"/);
    } finally {
      await rm(ok.dir, { recursive: true, force: true });
    }
  });
});

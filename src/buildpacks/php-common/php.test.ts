// The PHP buildpacks' pure parts: settings, extension names and packages, Composer constraints,
// the generated configurations and start script, composer.lock's SBOM. The builds themselves
// run in src/e2e/php.test.ts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { matchesSpec } from "../../buildpack-api/debian/index.js";
import { composerSbom } from "../composer-install/sbom.js";
import { installOptions } from "../composer-install/buildpack.js";
import { fpmConf } from "../php-fpm/buildpack.js";
import { httpdConf } from "../php-httpd/buildpack.js";
import { nginxConf, PORT_PLACEHOLDER } from "../php-nginx/buildpack.js";
import { startScript } from "../php-start/buildpack.js";
import { extensionName, extensionPackage, iniExtensions, requestedExtensions } from "./extensions.js";
import { composerJsonPath, composerLockPath, httpsRedirect, phpServer, readComposerJson, webDir } from "./settings.js";
import { composerToSemver } from "./version.js";

test("BP_PHP_SERVER and BP_PHP_WEB_DIR: defaults per server, inside the app, one error otherwise", () => {
  assert.equal(phpServer({}), "php-server");
  assert.equal(phpServer({ BP_PHP_SERVER: "php-server" }), "php-server");
  assert.equal(phpServer({ BP_PHP_SERVER: "nginx" }), "nginx");
  assert.throws(() => phpServer({ BP_PHP_SERVER: "caddy" }), /BP_PHP_SERVER=caddy is not a server/);
  assert.equal(webDir({}, "/workspace", "php-server"), "/workspace");
  assert.equal(webDir({}, "/workspace", "httpd"), "/workspace/htdocs");
  assert.equal(webDir({ BP_PHP_WEB_DIR: "public" }, "/workspace", "nginx"), "/workspace/public");
  assert.throws(() => webDir({ BP_PHP_WEB_DIR: "../etc" }, "/workspace", "nginx"), /BP_PHP_WEB_DIR=\.\.\/etc is outside the app/);
  assert.equal(httpsRedirect({}), true);
  assert.equal(httpsRedirect({ BP_PHP_ENABLE_HTTPS_REDIRECT: "false" }), false);
  assert.throws(() => httpsRedirect({ BP_PHP_ENABLE_HTTPS_REDIRECT: "maybe" }), /not true or false/);
  assert.equal(composerJsonPath({ COMPOSER: "sub/app.json" }, "/workspace"), "/workspace/sub/app.json");
  assert.equal(composerLockPath("/workspace/sub/app.json"), "/workspace/sub/app.lock");
});

test("extension names and Debian packages: built-ins and php8.x-common need none; mysqli is in php8.4-mysql", () => {
  assert.equal(extensionName("bz2.so"), "bz2");
  assert.equal(extensionName('"/usr/lib/php/20240924/php_curl.so"'), "curl");
  assert.equal(extensionName("GD"), "gd");
  assert.equal(extensionPackage("bz2", "8.4"), "php8.4-bz2");
  assert.equal(extensionPackage("pdo_mysql", "8.4"), "php8.4-mysql");
  assert.equal(extensionPackage("simplexml", "8.4"), "php8.4-xml");
  assert.equal(extensionPackage("pdo_sqlite", "8.4"), "php8.4-sqlite3");
  assert.equal(extensionPackage("json", "8.4"), undefined);
  assert.equal(extensionPackage("fileinfo", "8.4"), undefined);
  assert.deepEqual(iniExtensions("; comment\nextension=bz2.so\n  extension = \"curl\" ; trailing\nzend_extension=opcache\nmemory_limit=1G\n;extension=gd.so\n"), ["bz2", "curl", "opcache"]);
  const wanted = requestedExtensions([{ rel: ".php.ini.d/ext.ini", text: "extension=bz2.so\n" }], { require: { php: ">=8.1", "ext-bz2": "*", "ext-gd": "*", "acme/x": "^1" } }, "composer.json");
  assert.deepEqual(wanted, [
    { name: "bz2", where: ".php.ini.d/ext.ini", loadedByApp: true },
    { name: "gd", where: "composer.json", loadedByApp: false },
  ]);
});

test("Composer constraints as ranges over Debian's upstream version", () => {
  const v = "8.4.28-1~deb13u1";
  for (const c of [">=8.1", "^8.2", "~8.1", "8.4.*", "^7.4 || ^8.0", "^7.4|^8.0", ">=8.0, <9", ">= 8.0 <9.0", "8.*"]) assert.ok(matchesSpec(v, composerToSemver(c)), c);
  for (const c of ["^7.4", "~8.1.0", "<8.4", "8.3.*", ">=8.5"]) assert.ok(!matchesSpec(v, composerToSemver(c)), c);
  assert.equal(composerToSemver("~8.1"), ">=8.1 <9");
});

test("composer.json: absent is undefined, broken JSON is one error naming the file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "php-test-"));
  try {
    assert.equal(await readComposerJson(join(dir, "composer.json"), dir), undefined);
    writeFileSync(join(dir, "composer.json"), '{ "require": { "php": "^8", } }');
    await assert.rejects(readComposerJson(join(dir, "composer.json"), dir), (e: Error & { code?: string }) => e.code === "PHP_COMPOSER" && /^composer\.json is not valid JSON/.test(e.message));
    assert.deepEqual(installOptions({}), ["--no-progress", "--no-dev"]);
    assert.deepEqual(installOptions({ BP_COMPOSER_INSTALL_OPTIONS: " --prefer-dist  --optimize-autoloader " }), ["--prefer-dist", "--optimize-autoloader"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("generated configurations: FPM's socket, the app's snippets, the redirect only when asked", () => {
  const fpm = fpmConf({ pid: "/tmp/p.pid", socket: "/tmp/s.sock", includes: ["/workspace/.php.fpm.d/a.conf"] });
  assert.match(fpm, /^listen = \/tmp\/s\.sock$/m);
  assert.match(fpm, /^daemonize = no$/m);
  assert.ok(fpm.indexOf("include = /workspace/.php.fpm.d/a.conf") > fpm.indexOf("[www]"), "the app's files extend the pool");
  const base = { root: "/workspace/htdocs", mimeTypes: "/l/mime.types", fastcgiParams: "/l/fastcgi_params", socket: "/tmp/s.sock", http: ["/w/a-http.conf"], server: ["/w/b-server.conf"] };
  const on = nginxConf({ ...base, redirect: true });
  assert.match(on, new RegExp(`listen ${PORT_PLACEHOLDER} default_server;`));
  assert.match(on, /server unix:\/tmp\/s\.sock;/);
  assert.match(on, /\$http_x_forwarded_proto = "http"/);
  assert.ok(on.indexOf("include /w/a-http.conf;") < on.indexOf("server {"), "*-http.conf in the http block");
  assert.ok(on.indexOf("include /w/b-server.conf;") > on.indexOf("server {"), "*-server.conf in the server block");
  assert.doesNotMatch(nginxConf({ ...base, redirect: false }), /x_forwarded_proto/);
  const h = httpdConf({ serverRoot: "/l/server-root", root: "/workspace/htdocs", socket: "/tmp/s.sock", redirect: true, admin: "ops@example.com", includes: ["/workspace/.httpd.conf.d/x.conf"] });
  assert.match(h, /Listen "\$\{PORT\}"/);
  assert.match(h, /SetHandler "proxy:unix:\/tmp\/s\.sock\|fcgi:\/\/localhost"/);
  assert.match(h, /ServerAdmin ops@example\.com/);
  assert.match(h, /RewriteCond %\{HTTP:X-Forwarded-Proto\} =http/);
  assert.match(h, /Include "\/workspace\/\.httpd\.conf\.d\/x\.conf"/);
});

test("the start script is valid bash and stops FPM when the server exits, with the server's status", () => {
  const dir = mkdtempSync(join(tmpdir(), "php-start-"));
  try {
    const script = join(dir, "start");
    writeFileSync(script, startScript("/workspace"));
    execFileSync("bash", ["-n", script]);
    // Stand-ins for php-fpm and httpd on PATH: FPM waits, the server exits 3 at once.
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "php-fpm"), `#!/bin/sh\necho fpm "$@" > ${dir}/fpm.args\nexec sleep 30\n`, { mode: 0o755 });
    writeFileSync(join(bin, "httpd"), "#!/bin/sh\nexit 3\n", { mode: 0o755 });
    let status = 0;
    try {
      execFileSync("bash", [script], { env: { PATH: `${bin}:/usr/bin:/bin`, PHP_FPM_PATH: "/l/fpm.conf", PHP_HTTPD_PATH: "/l/httpd.conf" }, timeout: 10_000, stdio: "ignore" });
    } catch (e) {
      status = (e as { status: number }).status;
    }
    assert.equal(status, 3, "the server's exit status, not a timeout");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("composer.lock's packages as SBOM components with pkg:composer purls", () => {
  const doc = composerSbom(
    JSON.stringify({
      packages: [{ name: "vlucas/phpdotenv", version: "v5.3.0", license: ["BSD-3-Clause"], dist: { shasum: "" }, source: { reference: "b3eac5c" } }],
      "packages-dev": [{ name: "Acme/Tool", version: "1.0.0", dist: { shasum: "0123456789abcdef0123456789abcdef01234567" } }],
    }),
    { name: "paketo-buildpacks/composer-install", version: "0.1.0" },
    "0",
  );
  assert.deepEqual(doc.components.map((c) => c.purl), ["pkg:composer/vlucas/phpdotenv@v5.3.0", "pkg:composer/acme/tool@1.0.0"]);
  assert.deepEqual(doc.components[0]?.licenses, ["BSD-3-Clause"]);
  assert.equal(doc.components[0]?.hashes, undefined, "an empty shasum is no hash");
  assert.deepEqual(doc.components[1]?.hashes, [{ alg: "SHA-1", content: "0123456789abcdef0123456789abcdef01234567" }]);
  assert.throws(() => composerSbom("{", { name: "x", version: "1" }, "0"), /composer\.lock is not valid JSON/);
});

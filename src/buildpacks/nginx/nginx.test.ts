// The nginx buildpack's detect and build through the buildpack test harness. Debian's nginx cannot
// run on this (older) host, so the install is a stand-in that lays out a layer with a small `nginx`
// shell script playing the configuration test: it reads the configuration the way nginx does,
// through the configuration folder's links. The real server runs in src/e2e/web-servers.test.ts.
import assert from "node:assert/strict";
import { readFile, readlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { DebianPackagesOptions, PackageRequest } from "../../buildpack-api/debian/index.js";
import { runBuild, runDetect } from "../../buildpack-api/testing/index.js";
import { buildpackToml } from "../node-common/testing/index.js";
import { fakeInstall as stand } from "../web-server-common/testing.js";
import { nginx } from "./buildpack.js";

const toml = buildpackToml("nginx");

const FAKE_NGINX = `#!/bin/sh
# stands for nginx -t: the configuration through the links of its folder
while [ $# -gt 0 ]; do
  case "$1" in -c) conf="$2"; shift ;; esac
  shift
done
grep -q "listen 8080" "$conf" || { echo "nginx: [emerg] no rendered port in $conf" >&2; exit 1; }
if grep -n "unknown_directive" "$conf" >/dev/null; then
  echo "nginx: [emerg] unknown directive \\"unknown_directive\\" in $conf:$(grep -n unknown_directive "$conf" | cut -d: -f1)" >&2
  echo "nginx: configuration file $conf test failed" >&2
  exit 1
fi
for inc in $(sed -n 's/^ *include \\([^ ;*]*\\);.*/\\1/p' "$conf"); do
  case "$inc" in /*) f="$inc" ;; *) f="$(dirname "$conf")/$inc" ;; esac
  [ -e "$f" ] || { echo "nginx: [emerg] open() \\"$f\\" failed (2: No such file or directory)" >&2; exit 1; }
done
`;

function fakeInstall(calls: DebianPackagesOptions[]) {
  return stand(calls, { "usr/sbin/nginx": FAKE_NGINX, "etc/nginx/mime.types": "types { text/html html; }\n", "etc/nginx/fastcgi_params": "\n" }, { nginx: "1.26.3-3+deb13u12" });
}

const ENV = { PATH: "/usr/bin:/bin" };
const SAMPLE = {
  "nginx.conf": "worker_processes 1;\ndaemon off;\nerror_log stderr;\nevents { worker_connections 1024; }\nhttp {\n  include mime.types;\n  server {\n    listen {{port}};\n    root public;\n  }\n}\n",
  "mime.types": "types { text/html html; }\n",
  "public/index.html": "<html>hi</html>\n",
};

describe("nginx detect", { concurrency: true }, () => {
  const bp = nginx({ install: fakeInstall([]) });
  test("an nginx.conf, or BP_WEB_SERVER=nginx, or BP_NGINX_CONF_LOCATION; otherwise not", async () => {
    const d = await runDetect(bp, { buildpackToml: toml, app: SAMPLE });
    assert.ok(d.outcome === "pass", d.stderr);
    assert.deepEqual(d.plan.provides, [{ name: "nginx" }]);
    assert.deepEqual(d.plan.requires, [{ name: "nginx", metadata: { launch: true } }]);
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "public/index.html": "" }, env: { BP_WEB_SERVER: "nginx" } })).outcome, "pass");
    assert.equal((await runDetect(bp, { buildpackToml: toml, app: { "conf/site.conf": "" }, env: { BP_NGINX_CONF_LOCATION: "conf/site.conf" } })).outcome, "pass");
    const none = await runDetect(bp, { buildpackToml: toml, app: { "index.html": "" }, env: { BP_WEB_SERVER: "httpd" } });
    assert.equal(none.outcome, "fail");
    const bad = await runDetect(bp, { buildpackToml: toml, app: {}, env: { BP_WEB_SERVER: "apache" } });
    assert.equal(bad.outcome, "error");
    assert.match(bad.stderr, /BP_WEB_SERVER=apache is not a web server paketo has/);
  });
});

describe("nginx build", { concurrency: true }, () => {
  test("the app's nginx.conf: installed from Debian, templates rendered at launch through the configuration folder, tested at build", async () => {
    const calls: DebianPackagesOptions[] = [];
    const b = await runBuild(nginx({ install: fakeInstall(calls) }), { buildpackToml: toml, app: SAMPLE, env: { ...ENV, BP_NGINX_VERSION: "1.26" }, plan: [{ name: "nginx", metadata: { launch: true } }], keep: true });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.deepEqual(calls[0]?.packages, [{ name: "nginx", version: "1.26", source: "BP_NGINX_VERSION" }]);
      assert.ok(calls[0]?.exclude?.includes("iproute2"));
      const conf = b.layers.conf;
      assert.ok(conf);
      assert.deepEqual(conf.types, { launch: true, build: false, cache: false });
      assert.match(conf.files["templates/nginx.conf"] ?? "", /\nhttp \{ client_body_temp_path \/tmp\/paketo-nginx\/client_body; .*\n {2}include mime\.types;/);
      assert.match(conf.files["templates/nginx.conf"] ?? "", /access_log \/dev\/stdout;/);
      assert.ok(conf.executables.includes("exec.d/render-nginx-conf"));
      const ws = join(b.dir, "workspace");
      assert.deepEqual(conf.links, {
        "nginx/mime.types": join(ws, "mime.types"),
        "nginx/nginx.conf": "/tmp/paketo-nginx/nginx.conf",
        "nginx/public": join(ws, "public"),
        "nginx/fastcgi_params": join(b.dir, "layers/paketo-buildpacks_nginx/nginx/etc/nginx/fastcgi_params"),
      });
      assert.equal(conf.files["env.launch/web/PORT.default"], "8080");
      assert.deepEqual(
        b.launch?.processes.map((p) => [p.type, p.command, p.default]),
        [["web", ["nginx", "-p", ws, "-c", join(b.dir, "layers/paketo-buildpacks_nginx/conf/nginx/nginx.conf"), "-e", "stderr", "-g", "pid /tmp/paketo-nginx/nginx.pid;"], true]],
      );
      assert.match(b.stdout, /nginx\.conf: nginx's configuration test passed/);
      assert.match(b.stdout, /web \(default\): nginx -p /);
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });

  test("a broken configuration fails the build with the server's own message, naming the app's file", async () => {
    const app = { ...SAMPLE, "nginx.conf": SAMPLE["nginx.conf"].replace("root public;", "root public;\n    unknown_directive on;") };
    const b = await runBuild(nginx({ install: fakeInstall([]) }), { buildpackToml: toml, app, env: ENV, plan: [{ name: "nginx", metadata: { launch: true } }] });
    assert.equal(b.outcome, "error");
    assert.match(b.stderr, /ERROR: nginx\.conf fails nginx's configuration test:\nnginx: \[emerg\] unknown directive "unknown_directive" in \.\/nginx\.conf:10\n/, "the app's own line number");
    assert.doesNotMatch(b.stderr, /paketo-nginx-test-/, "the private test folder is not shown");
  });

  test("BP_WEB_SERVER=nginx generates the configuration; an htpasswd binding turns on basic auth read at launch", async () => {
    const b = await runBuild(nginx({ install: fakeInstall([]) }), {
      buildpackToml: toml,
      app: { "dist/index.html": "" },
      env: { ...ENV, BP_WEB_SERVER: "nginx", BP_WEB_SERVER_ROOT: "dist", BP_WEB_SERVER_ENABLE_PUSH_STATE: "true", BP_WEB_SERVER_FORCE_HTTPS: "true" },
      bindings: { auth: { type: "htpasswd", entries: { ".htpasswd": "user:$apr1$x$y\n" } } },
      plan: [{ name: "nginx", metadata: { launch: true } }],
      keep: true,
    });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      const t = b.layers.conf?.files["templates/nginx.conf"] ?? "";
      assert.match(t, new RegExp(`root ${join(b.dir, "workspace/dist").replaceAll("/", "\\/")};`));
      assert.match(t, /try_files \$uri \$uri\/ \/index\.html;/);
      assert.match(t, /return 301 https:/);
      assert.match(t, /auth_basic_user_file \{\{env "SERVICE_BINDING_ROOT"\}\}\/auth\/\.htpasswd;/);
      assert.match(t, new RegExp(`include ${join(b.dir, "layers/paketo-buildpacks_nginx/nginx/etc/nginx/mime.types").replaceAll("/", "\\/")};`));
      assert.equal(b.layers.conf?.files["env.launch/web/SERVICE_BINDING_ROOT.default"], "/bindings");
      assert.match(b.stdout, /the generated nginx\.conf: nginx's configuration test passed/);
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
  });

  test("{{module}} asks Debian for the module's package; an app's own modules/<name>.so wins; bad settings are one error", async () => {
    const calls: DebianPackagesOptions[] = [];
    const conf = `{{module "ngx_stream_module"}}\n{{module "ngx_mine_module"}}\n${SAMPLE["nginx.conf"]}`;
    const b = await runBuild(nginx({ install: fakeInstall(calls) }), { buildpackToml: toml, app: { ...SAMPLE, "nginx.conf": conf, "modules/ngx_mine_module.so": "" }, env: ENV, keep: true });
    try {
      assert.equal(b.outcome, "success", b.stderr + b.stdout);
      assert.deepEqual(calls[0]?.packages.map((p) => (typeof p === "string" ? p : (p as PackageRequest).name)), ["nginx", "libnginx-mod-stream"]);
      const t = b.layers.conf?.files["templates/nginx.conf"] ?? "";
      assert.match(t, /^load_module \/.*\/layers\/paketo-buildpacks_nginx\/nginx\/usr\/lib\/nginx\/modules\/ngx_stream_module\.so;\nload_module \/.*\/workspace\/modules\/ngx_mine_module\.so;/);
      assert.equal(await readlink(join(b.dir, "layers/paketo-buildpacks_nginx/conf/nginx/nginx.conf")), "/tmp/paketo-nginx/nginx.conf");
      assert.ok(await readFile(join(b.dir, "layers/paketo-buildpacks_nginx/conf/exec.d/render-nginx-conf"), "utf8"));
    } finally {
      await rm(b.dir, { recursive: true, force: true });
    }
    const bad = await runBuild(nginx({ install: fakeInstall([]) }), { buildpackToml: toml, app: { "public/x": "" }, env: { ...ENV, BP_WEB_SERVER: "nginx", BP_NGINX_STUB_STATUS_PORT: "99999" } });
    assert.match(bad.stderr, /BP_NGINX_STUB_STATUS_PORT=99999 is not a port number/);
    const tpl = await runBuild(nginx({ install: fakeInstall([]) }), { buildpackToml: toml, app: { "nginx.conf": "{{range .X}}" }, env: ENV });
    assert.match(tpl.stderr, /nginx\.conf:1: \{\{range \.X\}\} is not a template action paketo renders/);
  });
});

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { tempDir } from "../../testing/index.js";
import type { GeneratedConfig } from "../web-server-common/settings.js";
import { addUnprivilegedDefaults, checkActions, envOf, generateConf, globalDirectives, includedConfs, modulePackage, modulesOf, renderScript, resolveModules, RUN_DIR, stripComments } from "./conf.js";

const SAMPLE = `worker_processes 1;
daemon off;
error_log stderr;
events { worker_connections 1024; }
http {
  access_log /dev/stdout cnb; # the log
  include mime.types;
  include conf.d/*.conf;
  server {
    listen {{port}};
    root public;
  }
}
`;

test("comments are blanked, not removed, so offsets stay; quotes protect #", () => {
  const t = 'a # b\nset $x "#not"; # c\n';
  const s = stripComments(t);
  assert.equal(s.length, t.length);
  assert.equal(s, 'a    \nset $x "#not";    \n');
});

test("template actions: port, env, module and tempDir pass; anything else names file and line", () => {
  checkActions(SAMPLE + '{{env "GZIP"}} {{ module "ngx_stream_module" }} {{tempDir}}', "nginx.conf");
  assert.throws(() => checkActions("a\n  {{if .X}}", "conf/nginx.conf"), /conf\/nginx\.conf:2: \{\{if \.X\}\} is not a template action paketo renders/);
  assert.deepEqual(modulesOf('{{module "ngx_stream_module"}}\n{{ module "ngx_foo_module" }}'), ["ngx_stream_module", "ngx_foo_module"]);
  assert.equal(resolveModules('{{module "ngx_stream_module"}}', (n) => `/m/${n}.so`), "load_module /m/ngx_stream_module.so;");
  assert.deepEqual(envOf('gzip {{env "GZIP"}}; {{env "X_1"}}'), ["GZIP", "X_1"]);
  assert.equal(modulePackage("ngx_stream_module"), "libnginx-mod-stream");
  assert.equal(modulePackage("ngx_http_image_filter_module"), "libnginx-mod-http-image-filter");
  assert.equal(modulePackage("foo"), undefined);
  assert.deepEqual(includedConfs(SAMPLE + "# include off.conf;\ninclude \"quoted.conf\";\n"), ["conf.d/*.conf", "quoted.conf"]);
});

test("an unprivileged server: temp paths and an access log added to the http block unless set; -g daemon and pid unless set", () => {
  const { files, added } = addUnprivilegedDefaults([{ rel: "nginx.conf", text: SAMPLE }]);
  assert.deepEqual(added, [
    `client_body_temp_path ${RUN_DIR}/client_body;`,
    `proxy_temp_path ${RUN_DIR}/proxy;`,
    `fastcgi_temp_path ${RUN_DIR}/fastcgi;`,
    `uwsgi_temp_path ${RUN_DIR}/uwsgi;`,
    `scgi_temp_path ${RUN_DIR}/scgi;`,
  ]);
  assert.match(files[0]?.text ?? "", /\nhttp \{ client_body_temp_path \/tmp\/paketo-nginx\/client_body; proxy_temp_path [^\n]*scgi;\n {2}access_log/);
  assert.equal(files[0]?.text.split("\n").length, SAMPLE.split("\n").length, "lines stay where they were");
  const none = addUnprivilegedDefaults([{ rel: "a.conf", text: "# http { in a comment\nhttp{ access_log off; proxy_temp_path /x; }" }]);
  assert.ok(!none.added.includes("access_log /dev/stdout;") && !none.added.some((l) => l.startsWith("proxy_temp_path")));
  assert.match(none.files[0]?.text ?? "", /^# http \{ in a comment\nhttp\{ client_body/);
  assert.deepEqual(addUnprivilegedDefaults([{ rel: "n.conf", text: "events {}" }]).added, [], "no http block: nothing added");
  assert.equal(globalDirectives([SAMPLE]), `pid ${RUN_DIR}/nginx.pid;`);
  assert.equal(globalDirectives(["events {}"]), `daemon off; pid ${RUN_DIR}/nginx.pid;`);
  assert.equal(globalDirectives(["pid /run/x.pid;\ndaemon off;"]), "");
});

const CONFIG: GeneratedConfig = { root: "/workspace/public", pushState: false, forceHttps: false, locationPath: "/", includeFile: undefined, basicAuth: undefined };

test("generated nginx.conf: root, push state, https redirect, basic auth, include, stub status", () => {
  const plain = generateConf(CONFIG, { mimeTypes: "/l/etc/nginx/mime.types", stubStatusPort: undefined });
  assert.match(plain, /listen \{\{port\}\} default_server;\n {4}server_name _;\n {4}root \/workspace\/public;/);
  assert.match(plain, /include \/l\/etc\/nginx\/mime\.types;/);
  assert.doesNotMatch(plain, /try_files|return 301|auth_basic|stub_status/);
  assert.deepEqual(addUnprivilegedDefaults([{ rel: "nginx.conf", text: plain }]).added, [], "temp paths and the access log are in it already");
  const all = generateConf(
    { ...CONFIG, root: "/workspace/my build", pushState: true, forceHttps: true, locationPath: "/app", includeFile: "/workspace/extra.conf", basicAuth: { binding: "auth" } },
    { mimeTypes: "/m", stubStatusPort: 8083 },
  );
  assert.match(all, /root "\/workspace\/my build";/);
  assert.match(all, /location \/app \{\n.*\n.*\n {6}try_files \$uri \$uri\/ \/app\/index\.html;/);
  assert.match(all, /if \(\$http_x_forwarded_proto != "https"\) \{\n {6}return 301 https:\/\/\$host\$request_uri;/);
  assert.match(all, /auth_basic_user_file \{\{env "SERVICE_BINDING_ROOT"\}\}\/auth\/\.htpasswd;/);
  assert.match(all, /include \/workspace\/extra\.conf;/);
  assert.match(all, /listen 8083;\n {4}location \/stub_status \{\n {6}stub_status;/);
  checkActions(all, "generated");
});

test("the launch script renders {{port}} and {{env}} with sh and awk into nested folders", (t) => {
  const tmp = tempDir();
  t.after(tmp.cleanup);
  mkdirSync(join(tmp.path, "t/conf.d"), { recursive: true });
  writeFileSync(join(tmp.path, "t/nginx.conf"), 'listen {{port}}; gzip {{env "GZIP"}}; x {{ env "UNSET" }}; t {{tempDir}}/a; keep {{other}} $host;\n');
  writeFileSync(join(tmp.path, "t/conf.d/a.conf"), "listen {{ port }};{{port}}\n");
  const script = renderScript([
    { template: join(tmp.path, "t/nginx.conf"), rel: "nginx.conf" },
    { template: join(tmp.path, "t/conf.d/a.conf"), rel: "conf.d/a.conf" },
  ]);
  writeFileSync(join(tmp.path, "render"), script);
  const out = join(tmp.path, "out");
  execFileSync("sh", [join(tmp.path, "render"), out], { env: { PATH: "/usr/bin:/bin", PORT: "9090", GZIP: "on" } });
  assert.equal(readFileSync(join(out, "nginx.conf"), "utf8"), "listen 9090; gzip on; x ; t /tmp/a; keep {{other}} $host;\n");
  assert.equal(readFileSync(join(out, "conf.d/a.conf"), "utf8"), "listen 9090;9090\n");
  assert.match(script, new RegExp(`out="\\$\\{1:-${RUN_DIR}\\}"`));
});

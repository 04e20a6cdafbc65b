// php-httpd: httpd.conf for PHP-FPM behind Apache httpd (BP_PHP_SERVER=httpd): BP_PHP_WEB_DIR
// served, *.php proxied to FPM's socket (mod_proxy_fcgi), the app's .httpd.conf.d/*.conf included,
// BP_PHP_ENABLE_HTTPS_REDIRECT, BP_PHP_SERVER_ADMIN. httpd reads ${PORT} itself at launch; modules
// Debian compiles into apache2 are not loaded; httpd's own test checks the file at build.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { defineBuildpack, fail, layerEnv, pass } from "../../buildpack-api/index.js";
import { dropBuiltInLoads, parseBuiltIns } from "../httpd/conf.js";
import { runServer } from "../web-server-common/run.js";
import { configLayer } from "../php-common/config-layer.js";
import { PhpError } from "../php-common/errors.js";
import { FPM_SOCKET, httpsRedirect, onPath, phpServer, snippets, webDir } from "../php-common/settings.js";

const MODULES = ["mpm_event", "authz_core", "dir", "mime", "log_config", "unixd", "proxy", "proxy_fcgi", "rewrite", "setenvif"];

export function httpdConf(o: { serverRoot: string; root: string; socket: string; redirect: boolean; admin: string; includes: readonly string[] }): string {
  return `# Apache httpd in front of PHP-FPM, as paketo runs it: unprivileged, in the foreground
ServerRoot "${o.serverRoot}"
Listen "\${PORT}"
${MODULES.map((m) => `LoadModule ${m}_module modules/mod_${m}.so`).join("\n")}

ServerName localhost
ServerAdmin ${o.admin}
PidFile /tmp/httpd.pid
DefaultRuntimeDir /tmp
ErrorLog /proc/self/fd/2
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog /proc/self/fd/1 common
TypesConfig conf/mime.types
ServerTokens Prod

DocumentRoot "${o.root}"
DirectoryIndex index.php index.html index.htm

<Directory />
  AllowOverride None
  Require all denied
</Directory>

<Directory "${o.root}">
  Options SymLinksIfOwnerMatch
  AllowOverride All
  Require all granted
${o.redirect ? `
  # BP_PHP_ENABLE_HTTPS_REDIRECT: a request a proxy received over plain HTTP goes to https
  RewriteEngine On
  RewriteCond %{HTTP:X-Forwarded-Proto} =http
  RewriteRule .* https://%{HTTP_HOST}%{REQUEST_URI} [L,R=301]
` : ""}</Directory>

<Files ".ht*">
  Require all denied
</Files>

<FilesMatch "\\.php$">
  <If "-f %{REQUEST_FILENAME}">
    SetHandler "proxy:unix:${o.socket}|fcgi://localhost"
  </If>
</FilesMatch>
${o.includes.map((i) => `Include "${i}"`).join("\n")}
`;
}

export const phpHttpd = () =>
  defineBuildpack({
    detect: async (ctx) => {
      if (phpServer(ctx.env) !== "httpd") return fail("BP_PHP_SERVER is not httpd");
      return pass({ provides: [], requires: [{ name: "php-fpm", metadata: { launch: true } }, { name: "httpd", metadata: { build: true, launch: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const apache2 = await onPath(ctx.env, "apache2");
      if (!apache2) throw new PhpError("PHP_CONFIG", "apache2 is not on the build's PATH: the httpd buildpack must run before php-httpd");
      const serverRoot = join(dirname(dirname(dirname(apache2))), "server-root");
      const root = webDir(ctx.env, ctx.appDir, "httpd");
      const env = { ...ctx.env, PORT: "8080" };
      const listing = await runServer(["apache2", "-l"], { cwd: ctx.appDir, env });
      const source = httpdConf({
        serverRoot,
        root,
        socket: FPM_SOCKET,
        redirect: httpsRedirect(ctx.env),
        admin: ctx.env.BP_PHP_SERVER_ADMIN || "admin@localhost",
        includes: await snippets(ctx.appDir, ".httpd.conf.d", /\.conf$/),
      });
      const { text } = dropBuiltInLoads(source, parseBuiltIns(listing.output));
      const dir = await configLayer(ctx, "php-httpd-config", { files: () => ({ "httpd.conf": { text } }), env: (p) => layerEnv().override("PHP_HTTPD_PATH", join(p, "httpd.conf")) });
      const path = join(dir, "httpd.conf");
      log.process("Configuring Apache httpd for PHP-FPM");
      log.subprocess(`PHP_HTTPD_PATH -> "${path}" (web dir ${root})`);
      // httpd's own test of the file as launched, from a private copy (the layer may be the previous image's)
      const testDir = await mkdtemp(join(tmpdir(), "paketo-php-httpd-"));
      await writeFile(join(testDir, "httpd.conf"), text);
      const t = await runServer(["apache2", "-f", join(testDir, "httpd.conf"), "-t"], { cwd: ctx.appDir, env });
      await rm(testDir, { recursive: true, force: true });
      if (t.code !== 0) {
        throw new PhpError("PHP_CONFIG", `the httpd configuration for PHP-FPM fails httpd's test (with the app's .httpd.conf.d):\n${t.output.trim()}`, { hint: "fix the line httpd names" });
      }
      log.subprocess("httpd's configuration test passed");
      return {};
    },
  });

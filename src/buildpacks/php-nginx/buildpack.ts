// php-nginx: nginx.conf for PHP-FPM behind nginx (BP_PHP_SERVER=nginx): BP_PHP_WEB_DIR served,
// *.php passed to FPM's socket, the app's .nginx.conf.d/*-http.conf in the http block and
// *-server.conf in the server block, BP_PHP_ENABLE_HTTPS_REDIRECT. The port is a placeholder
// php-start fills from PORT at launch; nginx's own test checks the file at build.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { defineBuildpack, fail, layerEnv, pass } from "../../buildpack-api/index.js";
import { RUN_DIR } from "../nginx/conf.js";
import { runServer } from "../web-server-common/run.js";
import { configLayer } from "../php-common/config-layer.js";
import { PhpError } from "../php-common/errors.js";
import { FPM_SOCKET, httpsRedirect, isFile, onPath, phpServer, snippets, webDir } from "../php-common/settings.js";

/** Replaced by the port at launch (php-start). */
export const PORT_PLACEHOLDER = "__PAKETO_PORT__";
const TEMP = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"];

export function nginxConf(o: { root: string; mimeTypes: string; fastcgiParams: string; socket: string; redirect: boolean; http: readonly string[]; server: readonly string[] }): string {
  return `# nginx in front of PHP-FPM, as paketo runs it: unprivileged, in the foreground, logging to stdout/stderr
worker_processes auto;
daemon off;
pid ${RUN_DIR}/nginx.pid;
error_log stderr;

events {
  worker_connections 1024;
}

http {
  include ${o.mimeTypes};
  default_type application/octet-stream;
  access_log /dev/stdout;
  sendfile on;
  keepalive_timeout 65;
  server_tokens off;
${TEMP.map((t) => `  ${t}_temp_path ${RUN_DIR}/${t};`).join("\n")}

  upstream php_fpm {
    server unix:${o.socket};
  }
${o.http.map((f) => `  include ${f};`).join("\n")}

  server {
    listen ${PORT_PLACEHOLDER} default_server;
    server_name _;
    root ${o.root};
    index index.php index.html index.htm;
${o.redirect ? `
    # BP_PHP_ENABLE_HTTPS_REDIRECT: a request a proxy received over plain HTTP goes to https
    if ($http_x_forwarded_proto = "http") {
      return 301 https://$host$request_uri;
    }
` : ""}
    location / {
      try_files $uri $uri/ /index.php$is_args$args;
    }

    location ~ [^/]\\.php(/|$) {
      fastcgi_split_path_info ^(.+?\\.php)(/.*)$;
      if (!-f $document_root$fastcgi_script_name) {
        return 404;
      }
      include ${o.fastcgiParams};
      fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;
      fastcgi_param PATH_INFO $fastcgi_path_info;
      fastcgi_index index.php;
      fastcgi_pass php_fpm;
    }

    location ~ /\\. {
      deny all;
    }
${o.server.map((f) => `    include ${f};`).join("\n")}
  }
}
`;
}

export const phpNginx = () =>
  defineBuildpack({
    detect: async (ctx) => {
      if (phpServer(ctx.env) !== "nginx") return fail("BP_PHP_SERVER is not nginx");
      return pass({ provides: [], requires: [{ name: "php-fpm", metadata: { launch: true } }, { name: "nginx", metadata: { build: true, launch: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const nginx = await onPath(ctx.env, "nginx");
      if (!nginx) throw new PhpError("PHP_CONFIG", "nginx is not on the build's PATH: the nginx buildpack must run before php-nginx");
      const etc = join(dirname(dirname(dirname(nginx))), "etc/nginx");
      const stock = async (n: string) => ((await isFile(join(etc, n))) ? join(etc, n) : `/etc/nginx/${n}`);
      const root = webDir(ctx.env, ctx.appDir, "nginx");
      const text = nginxConf({
        root,
        mimeTypes: await stock("mime.types"),
        fastcgiParams: await stock("fastcgi_params"),
        socket: FPM_SOCKET,
        redirect: httpsRedirect(ctx.env),
        http: await snippets(ctx.appDir, ".nginx.conf.d", /-http\.conf$/),
        server: await snippets(ctx.appDir, ".nginx.conf.d", /-server\.conf$/),
      });
      const dir0 = await configLayer(ctx, "php-nginx-config", { files: () => ({ "nginx.conf": { text } }), env: (p) => layerEnv().override("PHP_NGINX_PATH", join(p, "nginx.conf")) });
      const path = join(dir0, "nginx.conf");
      log.process("Configuring nginx for PHP-FPM");
      log.subprocess(`PHP_NGINX_PATH -> "${path}" (web dir ${root})`);

      // nginx's own test of the file as launched (port 8080, a private pid and temp folder).
      const dir = await mkdtemp(join(tmpdir(), "paketo-php-nginx-"));
      try {
        await writeFile(join(dir, "nginx.conf"), text.replaceAll(PORT_PLACEHOLDER, "8080").replaceAll(RUN_DIR, dir));
        const t = await runServer(["nginx", "-t", "-q", "-p", ctx.appDir, "-e", "stderr", "-c", join(dir, "nginx.conf")], { cwd: ctx.appDir, env: { ...ctx.env } });
        if (t.code !== 0) {
          throw new PhpError("PHP_CONFIG", `the nginx configuration for PHP-FPM fails nginx's test (with the app's .nginx.conf.d):\n${t.output.split(dir).join(RUN_DIR).trim()}`, {
            hint: "fix the snippet nginx names; *-http.conf go into the http block, *-server.conf into the server block",
          });
        }
        log.subprocess("nginx's configuration test passed");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return {};
    },
  });

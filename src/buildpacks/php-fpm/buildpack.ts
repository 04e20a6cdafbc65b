// php-fpm: PHP-FPM's configuration for PHP behind nginx or httpd (BP_PHP_SERVER): one pool on a
// unix socket in /tmp, logs to stderr, in the foreground, with the app's .php.fpm.d/*.conf
// included into the pool. php-start runs it; PHP_FPM_PATH names the file at launch.
import { join, relative } from "node:path";
import { defineBuildpack, fail, layerEnv, pass } from "../../buildpack-api/index.js";
import { configLayer } from "../php-common/config-layer.js";
import { FPM_SOCKET, phpServer, snippets } from "../php-common/settings.js";

export function fpmConf(o: { pid: string; socket: string; includes: readonly string[] }): string {
  return [
    "; PHP-FPM, as paketo runs it: in the foreground, unprivileged, logging to stderr",
    "[global]",
    `pid = ${o.pid}`,
    "error_log = /proc/self/fd/2",
    "log_limit = 8192",
    "daemonize = no",
    "",
    "[www]",
    `listen = ${o.socket}`,
    "pm = dynamic",
    "pm.max_children = 5",
    "pm.start_servers = 2",
    "pm.min_spare_servers = 1",
    "pm.max_spare_servers = 3",
    "clear_env = no",
    "catch_workers_output = yes",
    "decorate_workers_output = no",
    "",
    ...o.includes.map((i) => `include = ${i}`),
    "",
  ].join("\n");
}

export const phpFpm = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const server = phpServer(ctx.env);
      if (server === "php-server") return fail("BP_PHP_SERVER is not nginx or httpd");
      return pass({ provides: [{ name: "php-fpm" }], requires: [{ name: "php", metadata: { launch: true } }, { name: "php-fpm", metadata: { launch: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const user = await snippets(ctx.appDir, ".php.fpm.d", /\.conf$/);
      const text = fpmConf({ pid: "/tmp/php-fpm.pid", socket: FPM_SOCKET, includes: user });
      const dir = await configLayer(ctx, "php-fpm-config", { files: () => ({ "php-fpm.conf": { text } }), env: (p) => layerEnv().override("PHP_FPM_PATH", join(p, "php-fpm.conf")) });
      const path = join(dir, "php-fpm.conf");
      log.process("Configuring PHP-FPM");
      log.subprocess(`PHP_FPM_PATH -> "${path}" (listening on ${FPM_SOCKET})`);
      if (user.length) log.subprocess(`including ${user.map((u) => relative(ctx.appDir, u)).join(", ")}`);
      return {};
    },
  });

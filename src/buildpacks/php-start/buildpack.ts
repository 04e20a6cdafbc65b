// php-start: the `web` process for PHP-FPM behind nginx or httpd: one script that starts FPM and
// the server in the foreground (as the image's non-root user), forwards SIGTERM/SIGINT to both and
// stops the other when one exits, with its exit status. php-fpm, php-nginx and php-httpd name
// their configuration files in PHP_FPM_PATH, PHP_NGINX_PATH, PHP_HTTPD_PATH at launch.
import { join } from "node:path";
import { defineBuildpack, fail, pass, type Process } from "../../buildpack-api/index.js";
import { configLayer } from "../php-common/config-layer.js";
import { logProcesses } from "../node-start/start.js";
import { PORT_PLACEHOLDER } from "../php-nginx/buildpack.js";
import { phpServer } from "../php-common/settings.js";
import { RUN_DIR } from "../nginx/conf.js";

export function startScript(appDir: string): string {
  return `#!/usr/bin/env bash
# PHP-FPM and its web server together (paketo php-start)
set -euo pipefail
export PORT="\${PORT:-8080}"
pids=()
stop() { kill -TERM "\${pids[@]}" 2>/dev/null || true; }
trap stop TERM INT
php-fpm --nodaemonize --fpm-config "\${PHP_FPM_PATH:?names php-fpm.conf}" &
pids+=($!)
if [ -n "\${PHP_NGINX_PATH:-}" ]; then
  mkdir -p ${RUN_DIR}
  sed "s/${PORT_PLACEHOLDER}/\${PORT}/g" "$PHP_NGINX_PATH" > ${RUN_DIR}/nginx.conf
  nginx -p ${appDir} -e stderr -c ${RUN_DIR}/nginx.conf &
elif [ -n "\${PHP_HTTPD_PATH:-}" ]; then
  httpd -f "$PHP_HTTPD_PATH" -DFOREGROUND &
else
  echo "php-start: neither PHP_NGINX_PATH nor PHP_HTTPD_PATH is set" >&2
  stop
  exit 1
fi
pids+=($!)
status=0
wait -n "\${pids[@]}" || status=$?
stop
wait || true
exit "$status"
`;
}

export const phpStart = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const server = phpServer(ctx.env);
      if (server === "php-server") return fail("BP_PHP_SERVER is not nginx or httpd");
      return pass({ provides: [], requires: [{ name: "php-fpm", metadata: { launch: true } }, { name: server, metadata: { launch: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const text = startScript(ctx.appDir);
      const script = join(await configLayer(ctx, "php-start", { files: () => ({ start: { text, mode: 0o755 } }) }), "start");
      const web: Process = { type: "web", command: ["bash", script], default: true };
      logProcesses(log, [web]);
      return { processes: [web] };
    },
  });

// php-builtin-server: PHP's own web server (`php -S`) serving BP_PHP_WEB_DIR (default: the app),
// when BP_PHP_SERVER is unset or php-server and the web dir has a *.php file.
import { readdir } from "node:fs/promises";
import { relative } from "node:path";
import { defineBuildpack, fail, pass, type Process } from "../../buildpack-api/index.js";
import { logProcesses } from "../node-start/start.js";
import { phpServer, webDir } from "../php-common/settings.js";

export const phpBuiltinServer = () =>
  defineBuildpack({
    detect: async (ctx) => {
      if (phpServer(ctx.env) !== "php-server") return fail(`BP_PHP_SERVER=${ctx.env.BP_PHP_SERVER}`);
      const dir = webDir(ctx.env, ctx.appDir, "php-server");
      const php = (await readdir(dir).catch(() => [] as string[])).some((n) => n.endsWith(".php"));
      if (!php) return fail(`no *.php file in ${relative(ctx.appDir, dir) || "the app"} (BP_PHP_WEB_DIR)`);
      return pass({ provides: [], requires: [{ name: "php", metadata: { launch: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const dir = webDir(ctx.env, ctx.appDir, "php-server");
      // PORT at launch, 8080 without it: the image runs as a non-root user, who cannot bind 80.
      const web: Process = { type: "web", command: ["bash", "-c", `exec php -S 0.0.0.0:"\${PORT:-8080}" -t ${shellQuote(dir)}`], default: true };
      logProcesses(log, [web]);
      return { processes: [web] };
    },
  });

export function shellQuote(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

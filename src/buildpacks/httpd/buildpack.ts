// Apache httpd from Debian's apache2 packages (D10), with the app's httpd.conf or one generated
// from the BP_WEB_SERVER* settings. A server root whose `modules` are Debian's module folder and
// whose conf/mime.types is Debian's; LoadModule lines for modules Debian compiles in are taken
// out; httpd's own configuration test runs at build; `web` runs httpd in the foreground.
import { readFile, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, type Process } from "../../buildpack-api/index.js";
import type { installDebianPackages, PackageRequest } from "../../buildpack-api/debian/index.js";
import { runServer } from "../web-server-common/run.js";
import { logProcesses } from "../node-start/start.js";
import { WebServerError } from "../web-server-common/errors.js";
import { generatedConfig, isFile, LAUNCH_BINDING_ROOT, webServer } from "../web-server-common/settings.js";
import { dropBuiltInLoads, generateConf, parseBuiltIns } from "./conf.js";

export interface HttpdDeps {
  install: typeof installDebianPackages;
}

/** What apache2-bin's dependencies pull in that a server never runs: Perl (apxs, scripts) and debconf. */
const EXCLUDE = ["perl", "perl-base", "perl-modules-5.40", "libperl5.40", "debconf", "cdebconf"];
/** The server root: Debian's module folder and MIME types where Paketo's httpd configs look for them. */
const LINKS = { "usr/sbin/httpd": "apache2", "server-root/modules": "/usr/lib/apache2/modules", "server-root/conf/mime.types": "/etc/mime.types" };
/** Directives given before the configuration (-C): an unprivileged server's pid file and logs; the app's own settings win. */
const BEFORE = ["-C", "PidFile /tmp/httpd.pid", "-C", "ErrorLog /proc/self/fd/2", "-C", "DefaultRuntimeDir /tmp"];


export const httpd = (deps: HttpdDeps) =>
  defineBuildpack({
    detect: async (ctx) => {
      if (webServer(ctx.env) !== "httpd" && !(await isFile(join(ctx.appDir, "httpd.conf")))) {
        // PHP-FPM behind httpd: php-httpd writes the configuration and requires httpd.
        if (ctx.env.BP_PHP_SERVER === "httpd") return pass({ provides: [{ name: "httpd" }] });
        return fail("no httpd.conf and BP_WEB_SERVER is not httpd");
      }
      return pass({ provides: [{ name: "httpd" }], requires: [{ name: "httpd", metadata: { launch: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const generate = webServer(ctx.env) === "httpd";
      const appConf = join(ctx.appDir, "httpd.conf");
      const phpOnly = !generate && ctx.env.BP_PHP_SERVER === "httpd" && !(await isFile(appConf));
      const generated = generate ? generatedConfig(ctx.env, ctx.appDir, ctx.platform.bindings) : undefined;
      if (generate && (await isFile(appConf))) log.warning("httpd.conf is not used: BP_WEB_SERVER=httpd generates the configuration");

      log.process("Resolving Apache HTTP Server version");
      const version = ctx.env.BP_HTTPD_VERSION || undefined;
      log.subprocess(version ? `BP_HTTPD_VERSION ${version}` : "no BP_HTTPD_VERSION: the version Debian's release offers");
      const request: PackageRequest = { name: "apache2-bin", ...(version ? { version, source: "BP_HTTPD_VERSION" } : {}) };
      // For php-httpd (which writes the configuration and the process): the packages only, at build too when asked.
      const build = phpOnly && ctx.plan.select("httpd").some((e) => e.metadata.build === true);
      const debs = await deps.install(ctx, { layer: "httpd", build, packages: [request, "media-types"], exclude: EXCLUDE, links: LINKS });
      log.subprocess(`Apache HTTP Server ${debs.version("apache2-bin")}${phpOnly ? " (the configuration and the process come from a later buildpack)" : ""}`);
      if (phpOnly) return {};
      const serverRoot = join(debs.path, "server-root");
      const env = { ...debs.envFor(ctx.env), SERVER_ROOT: serverRoot, APP_ROOT: ctx.appDir, PORT: "8080", SERVICE_BINDING_ROOT: ctx.env.SERVICE_BINDING_ROOT ?? LAUNCH_BINDING_ROOT };
      const listing = await runServer(["apache2", "-l"], { cwd: ctx.appDir, env });
      if (listing.code !== 0) throw new WebServerError("WEB_SERVER_CONF_FILE", `apache2 -l failed: ${listing.output.trim()}`);
      const builtIns = parseBuiltIns(listing.output);

      const source = generated ? generateConf(generated, ctx.appDir) : await readFile(appConf, "utf8");
      const { text, dropped } = dropBuiltInLoads(source, builtIns);
      if (dropped.length) log.subprocess(`LoadModule taken out for modules built into Debian's apache2: ${dropped.join(", ")}`);
      const layer = await ctx.layers.uncached("conf", { launch: true });
      const conf = join(layer.path, "httpd.conf");
      await writeFile(conf, text);
      let launchEnv = layerEnv()
        .override("SERVER_ROOT", serverRoot, { scope: { process: "web" } })
        .override("APP_ROOT", ctx.appDir, { scope: { process: "web" } })
        .default("PORT", "8080", { scope: { process: "web" } });
      if (generated?.basicAuth) launchEnv = launchEnv.default("SERVICE_BINDING_ROOT", LAUNCH_BINDING_ROOT, { scope: { process: "web" } });
      await layer.writeEnv(launchEnv);

      const shown = generate ? "the generated httpd.conf" : "httpd.conf";
      const t = await runServer(["apache2", ...BEFORE, "-f", conf, "-t"], { cwd: ctx.appDir, env });
      if (t.code !== 0) {
        const said = t.output.split(conf).join(shown).trim();
        throw new WebServerError("WEB_SERVER_CONF_FILE", `${shown} fails httpd's configuration test:\n${said}`, { hint: "fix the configuration; `httpd -t` reports the line" });
      }
      log.subprocess(`${shown}: httpd's configuration test passed`);

      const web: Process = { type: "web", command: ["httpd", ...BEFORE, "-f", conf, "-k", "start", "-DFOREGROUND"], default: true };
      logProcesses(log, [web]);
      log.debug.subprocess(`server root ${relative(ctx.appDir, serverRoot)}`);
      return { processes: [web] };
    },
  });

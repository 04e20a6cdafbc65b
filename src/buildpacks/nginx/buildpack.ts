// nginx from Debian's packages (D10), with the app's nginx.conf (a template, as Paketo renders it)
// or one generated from the BP_WEB_SERVER* settings. The configuration is tested with nginx's own
// test at build; at launch an exec.d renders {{port}} and {{env}} and `web` runs nginx directly,
// in the foreground, as the image's non-root user.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, isAbsolute, join, normalize, relative } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, type BuildContext, type Process } from "../../buildpack-api/index.js";
import type { DebianLayer, installDebianPackages, PackageRequest } from "../../buildpack-api/debian/index.js";
import { debian } from "../../deps/index.js";
import { runServer } from "../web-server-common/run.js";
import { logProcesses } from "../node-start/start.js";
import { WebServerError } from "../web-server-common/errors.js";
import { generatedConfig, isFile, LAUNCH_BINDING_ROOT, webServer } from "../web-server-common/settings.js";
import {
  addUnprivilegedDefaults,
  checkActions,
  envOf,
  generateConf,
  globalDirectives,
  includedConfs,
  modulePackage,
  modulesOf,
  renderScript,
  resolveModules,
  RUN_DIR,
} from "./conf.js";
import { buildMounts } from "../common/build-mounts.js";
import { buildFarm } from "./farm.js";

export interface NginxDeps {
  install: typeof installDebianPackages;
}

/** Debian's packages nginx does not need to run: init-script and debconf dependencies. */
const EXCLUDE = ["iproute2", "debconf", "cdebconf", "perl-base"];
/** Debian's site layout and stock page: the app's configuration replaces them. */
const EXCLUDE_PATHS = ["etc/nginx/sites-available/**", "etc/nginx/sites-enabled/**", "etc/nginx/modules-enabled/**", "etc/nginx/conf.d/**", "etc/nginx/nginx.conf", "usr/share/nginx/html/**", "var/**"];
/** Debian's stock files an app's nginx.conf may include by relative name. */
const STOCK = ["mime.types", "fastcgi.conf", "fastcgi_params", "proxy_params", "scgi_params", "uwsgi_params", "koi-utf", "koi-win", "win-utf", "snippets"];

export function confLocation(ctx: { appDir: string; env: Readonly<Record<string, string>> }): string {
  const v = ctx.env.BP_NGINX_CONF_LOCATION || "nginx.conf";
  return isAbsolute(v) ? normalize(v) : join(ctx.appDir, v);
}


export const nginx = (deps: NginxDeps) =>
  defineBuildpack({
    detect: async (ctx) => {
      const server = webServer(ctx.env);
      const conf = confLocation(ctx);
      if (server !== "nginx" && !(await isFile(conf))) {
        // PHP-FPM behind nginx: php-nginx writes the configuration and requires nginx.
        if (ctx.env.BP_PHP_SERVER === "nginx") return pass({ provides: [{ name: "nginx" }] });
        return fail(`no ${relative(ctx.appDir, conf) || conf} and BP_WEB_SERVER is not nginx`);
      }
      return pass({ provides: [{ name: "nginx" }], requires: [{ name: "nginx", metadata: { launch: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const generate = webServer(ctx.env) === "nginx";
      const conf = confLocation(ctx);
      if (!generate && !(await isFile(conf))) return installOnly(ctx, deps);
      const confDir = generate ? ctx.appDir : dirname(conf);
      const mainRel = generate ? "nginx.conf" : basename(conf);
      const generated = generate ? generatedConfig(ctx.env, ctx.appDir, ctx.platform.bindings) : undefined;
      const stubStatusPort = port(ctx.env.BP_NGINX_STUB_STATUS_PORT, "BP_NGINX_STUB_STATUS_PORT");
      if (generate && (await isFile(conf))) log.warning(`${relative(ctx.appDir, conf)} is not used: BP_WEB_SERVER=nginx generates the configuration`);
      if (generated?.includeFile && !(await isFile(generated.includeFile))) {
        throw new WebServerError("WEB_SERVER_CONFIG", `BP_WEB_SERVER_INCLUDE_FILE_PATH=${ctx.env.BP_WEB_SERVER_INCLUDE_FILE_PATH}: no such file in the app`);
      }

      // The app's templates: the main file and the .conf files it includes.
      const files = generate ? [] : await readTemplates(confDir, mainRel, ctx.appDir);
      for (const f of files) checkActions(f.text, relative(ctx.appDir, join(confDir, f.rel)));
      const modules = [...new Set(files.flatMap((f) => modulesOf(f.text)))];
      const appModule = async (name: string) => ((await isFile(join(ctx.appDir, "modules", `${name}.so`))) ? join(ctx.appDir, "modules", `${name}.so`) : undefined);
      const fromDebian: string[] = [];
      for (const m of modules) {
        if (await appModule(m)) continue;
        const pkg = modulePackage(m);
        if (!pkg) throw new WebServerError("WEB_SERVER_TEMPLATE", `{{module "${m}"}}: not a module name (ngx_<name>_module), and the app has no modules/${m}.so`);
        fromDebian.push(pkg);
      }

      log.process("Resolving Nginx Server version");
      const version = ctx.env.BP_NGINX_VERSION || undefined;
      log.subprocess(version ? `BP_NGINX_VERSION ${version}` : "no BP_NGINX_VERSION: the version Debian's release offers");
      const request: PackageRequest = { name: "nginx", ...(version ? { version, source: "BP_NGINX_VERSION" } : {}) };
      const debs = await deps.install(ctx, { layer: "nginx", packages: [request, ...fromDebian], exclude: EXCLUDE, excludePaths: EXCLUDE_PATHS });
      log.subprocess(`Nginx Server ${debs.version("nginx")}`);

      // The templates as launched: modules resolved, unprivileged defaults added.
      const moduleDir = join(debs.path, "usr/lib/nginx/modules");
      let templates: Array<{ rel: string; text: string }> = generated
        ? [{ rel: mainRel, text: generateConf(generated, { mimeTypes: await debs.locate("/etc/nginx/mime.types"), stubStatusPort }) }]
        : [];
      for (const f of files) {
        const paths = new Map<string, string>();
        for (const m of modulesOf(f.text)) paths.set(m, (await appModule(m)) ?? join(moduleDir, `${m}.so`));
        templates.push({ rel: f.rel, text: resolveModules(f.text, (n) => paths.get(n) as string) });
      }
      const amended = addUnprivilegedDefaults(templates);
      if (amended.added.length) log.subprocess(`Adding to the http block for an unprivileged server: ${amended.added.join(" ")}`);
      else if (!generate && !templates.some((t) => /(^|[\s;}])http\s*\{/.test(t.text))) log.warning("no http block found in the configuration: temp paths and the access log are left as configured");
      // Only files that need rendering or were amended become templates; the rest stay the app's own.
      templates = amended.files.filter((t, i) => generate || t.rel === mainRel || t.text !== files[i]?.text || /\{\{/.test(t.text));
      const globals = globalDirectives(amended.files.map((t) => t.text));

      // The launch layer: templates, the exec.d that renders them, the configuration folder.
      const layer = await ctx.layers.uncached("conf", { launch: true });
      for (const t of templates) {
        await mkdir(dirname(join(layer.path, "templates", t.rel)), { recursive: true });
        await writeFile(join(layer.path, "templates", t.rel), t.text);
      }
      const script = renderScript(templates.map((t) => ({ template: join(layer.path, "templates", t.rel), rel: t.rel })));
      await layer.writeExecD([{ name: "render-nginx-conf", content: script }]);
      const fallback = new Map<string, string>();
      for (const name of STOCK) {
        const p = await debs.locate(`/etc/nginx/${name}`);
        if (p.startsWith(debs.path)) fallback.set(name, p);
      }
      const skip = new Set(buildMounts(ctx.env).map((m) => m.target));
      await buildFarm({ farm: join(layer.path, "nginx"), confDir, renderDir: RUN_DIR, templates: templates.map((t) => t.rel), fallback, skip });
      const env = layerEnv()
        .default("PORT", "8080", { scope: { process: "web" } })
        .default("APP_ROOT", ctx.appDir, { scope: { process: "web" } });
      await layer.writeEnv(generated?.basicAuth ? env.default("SERVICE_BINDING_ROOT", LAUNCH_BINDING_ROOT, { scope: { process: "web" } }) : env);

      const args = ["-p", ctx.appDir, "-c", join(layer.path, "nginx", mainRel), "-e", "stderr", ...(globals ? ["-g", globals] : [])];
      await configTest(ctx, debs, { script: join(layer.path, "exec.d", "render-nginx-conf"), templates: templates.map((t) => t.rel), confDir, mainRel, args, fallback, shown: generate ? "the generated nginx.conf" : relative(ctx.appDir, conf) });

      const web: Process = { type: "web", command: ["nginx", ...args], default: true };
      logProcesses(log, [web]);
      return { processes: [web] };
    },
  });

/**
 * nginx for another buildpack that writes the configuration and the process (php-nginx): the
 * packages only, in a layer also available to later buildpacks when they ask for it at build.
 */
async function installOnly(ctx: BuildContext, deps: NginxDeps): Promise<Record<string, never>> {
  const log = ctx.logger;
  const build = ctx.plan.select("nginx").some((e) => e.metadata.build === true);
  log.process("Resolving Nginx Server version");
  const version = ctx.env.BP_NGINX_VERSION || undefined;
  const request: PackageRequest = { name: "nginx", ...(version ? { version, source: "BP_NGINX_VERSION" } : {}) };
  const debs = await deps.install(ctx, { layer: "nginx", build, packages: [request], exclude: EXCLUDE, excludePaths: EXCLUDE_PATHS });
  log.subprocess(`Nginx Server ${debs.version("nginx")} (the configuration and the process come from a later buildpack)`);
  return {};
}

function port(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new WebServerError("WEB_SERVER_CONFIG", `${name}=${v} is not a port number`, { hint: "a number from 1 to 65535" });
  return n;
}

/** The main configuration and the .conf files it includes (one level of globs), relative to its folder. */
async function readTemplates(confDir: string, mainRel: string, appDir: string): Promise<Array<{ rel: string; text: string }>> {
  const main = join(confDir, mainRel);
  const text = await readFile(main, "utf8").catch((e: Error) => {
    throw new WebServerError("WEB_SERVER_CONF_FILE", `cannot read ${relative(appDir, main)}: ${e.message}`, { hint: "BP_NGINX_CONF_LOCATION names the configuration file" });
  });
  const out = [{ rel: mainRel, text }];
  for (const inc of includedConfs(text)) {
    if (isAbsolute(inc)) continue;
    const dir = dirname(inc);
    const match = debian.globToRegExp(basename(inc));
    for (const name of (await readdir(join(confDir, dir)).catch(() => [] as string[])).sort()) {
      const rel = dir === "." ? name : `${dir}/${name}`;
      if (match.test(name) && rel !== mainRel && !out.some((o) => o.rel === rel) && (await isFile(join(confDir, rel)))) out.push({ rel, text: await readFile(join(confDir, rel), "utf8") });
    }
  }
  return out;
}

/**
 * nginx's own test of the configuration as it will launch: the templates rendered by the launch
 * script itself (PORT=8080) into a private folder, then `nginx -t`. Skipped, with a note, when a
 * template reads a variable the build does not have.
 */
async function configTest(
  ctx: BuildContext,
  debs: DebianLayer,
  o: { script: string; templates: readonly string[]; confDir: string; mainRel: string; args: readonly string[]; fallback: ReadonlyMap<string, string>; shown: string },
): Promise<void> {
  const texts = await Promise.all(o.templates.map((t) => readFile(join(dirname(dirname(o.script)), "templates", t), "utf8")));
  const unset = [...new Set(texts.flatMap(envOf))].filter((v) => v !== "SERVICE_BINDING_ROOT" && ctx.env[v] === undefined);
  if (unset.length) {
    ctx.logger.subprocess(`Skipping nginx's configuration test: the templates read ${unset.join(", ")}, set only at launch`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "paketo-nginx-test-"));
  try {
    const render = join(dir, "render");
    const env = { ...debs.envFor(ctx.env), PORT: "8080", SERVICE_BINDING_ROOT: ctx.env.SERVICE_BINDING_ROOT ?? LAUNCH_BINDING_ROOT };
    const r = await runServer(["sh", o.script, render], { cwd: ctx.appDir, env });
    if (r.code !== 0) throw new WebServerError("WEB_SERVER_TEMPLATE", `rendering the nginx templates failed: ${r.output.trim()}`);
    await buildFarm({ farm: join(dir, "farm"), confDir: o.confDir, renderDir: render, templates: o.templates, fallback: o.fallback });
    // The launch's own folder for temp paths (nginx makes them); the pid file in the private one.
    await mkdir(RUN_DIR, { recursive: true });
    const args = o.args.map((a, i) => (o.args[i - 1] === "-c" ? join(dir, "farm", o.mainRel) : o.args[i - 1] === "-g" ? a.replaceAll(RUN_DIR, dir) : a));
    const t = await runServer(["nginx", "-t", "-q", ...args], { cwd: ctx.appDir, env });
    if (t.code !== 0) {
      const shownDir = relative(ctx.appDir, o.confDir) || ".";
      const said = t.output.split(join(dir, "farm")).join(shownDir).split(render).join(shownDir).split(dir).join(RUN_DIR).trim();
      throw new WebServerError("WEB_SERVER_CONF_FILE", `${o.shown} fails nginx's configuration test:\n${said}`, { hint: "fix the configuration; `nginx -t` reports the file and line" });
    }
    ctx.logger.subprocess(`${o.shown}: nginx's configuration test passed`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

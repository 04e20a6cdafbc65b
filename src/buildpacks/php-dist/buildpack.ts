// php-dist: PHP from Debian's php8.x packages (D10), relocated into the `php` layer. Debian's
// binaries look for php.ini, conf.d and extensions under /etc/php and /usr/lib/php; here PHPRC
// names a php.ini (Debian's php.ini-production plus extension_dir and include_path into the
// layers) and PHP_INI_SCAN_DIR the layer's conf.d (the modules of the installed packages, as
// Debian's phpenmod would enable them) then the app's .php.ini.d. Extensions the app asks for
// (`extension=` in .php.ini.d/*.ini, `ext-*` in composer.json) come from Debian's php8.x-* packages.
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { defineBuildpack, layerEnv, pass, s } from "../../buildpack-api/index.js";
import type { DebianLayer, installDebianPackages, PackageRequest } from "../../buildpack-api/debian/index.js";
import { runServer } from "../web-server-common/run.js";
import { configLayer } from "../php-common/config-layer.js";
import { PhpError } from "../php-common/errors.js";
import { appIniFiles, extensionPackage, requestedExtensions } from "../php-common/extensions.js";
import { composerJsonPath, composerLockPath, phpServer, readComposerJson } from "../php-common/settings.js";
import { composerToSemver } from "../php-common/version.js";

export interface PhpDistDeps {
  install: typeof installDebianPackages;
}

const REQUIREMENT = s.object({
  version: s.optional(s.string()),
  "version-source": s.optional(s.string()),
  build: s.optional(s.boolean()),
  launch: s.optional(s.boolean()),
  /** Extensions a later buildpack needs (the session handlers: redis, memcached). */
  extensions: s.optional(s.array(s.string())),
});

/** The PHP each Debian release has (its only php8.x): Debian major version → PHP minor. */
const DEBIAN_PHP: Record<string, string> = { "13": "8.4", "12": "8.2" };
const DEFAULT_MINOR = "8.4";
/** Dependencies only maintainer scripts and init systems use. */
/** Debian's cron job cleaning sessions, bug-report and lintian data. */
const EXCLUDE_PATHS = ["etc/cron.d/**", "usr/share/bug/**", "usr/share/lintian/**"];
const EXCLUDE = ["ucf", "debconf", "cdebconf", "systemd", "systemd-tmpfiles", "procps", "perl-base"];

export const phpDist = (deps: PhpDistDeps) =>
  defineBuildpack({
    detect: async (ctx) => {
      const version = ctx.env.BP_PHP_VERSION?.trim();
      return pass({ provides: [{ name: "php" }], requires: version ? [{ name: "php", metadata: { version, "version-source": "BP_PHP_VERSION" } }] : [] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const entries = ctx.plan.select("php", REQUIREMENT);
      if (entries.length === 0) {
        log.process("PHP no longer requested by plan");
        return {};
      }
      const minor = DEBIAN_PHP[(ctx.target.distro?.version ?? "").split(".")[0] ?? ""] ?? DEFAULT_MINOR;
      const composerPath = composerJsonPath(ctx.env, ctx.appDir);
      const composerRel = relative(ctx.appDir, composerPath);
      const composer = await readComposerJson(composerPath, ctx.appDir);

      log.process("Resolving PHP version");
      const chosen = await chooseVersion(ctx.env, entries.map((e) => e.metadata), composer?.require?.php, composerPath, composerRel);
      log.subprocess(chosen ? `${chosen.source}: ${chosen.spec}` : `no version asked for: Debian's PHP ${minor}`);

      const ini = await appIniFiles(ctx.appDir);
      const wanted = requestedExtensions(ini, composer, composerRel);
      for (const e of entries) for (const name of e.metadata.extensions ?? []) if (!wanted.some((w) => w.name === name)) wanted.push({ name, where: "the build plan", loadedByApp: false });
      const extPackages = new Map<string, string>(); // package → the first extension asking for it
      for (const e of wanted) {
        const pkg = extensionPackage(e.name, minor);
        if (pkg && !extPackages.has(pkg)) extPackages.set(pkg, `${e.name} (${e.where})`);
      }
      if (wanted.length) log.subprocess(`Extensions asked for: ${wanted.map((e) => e.name).join(", ")}`);
      const fpm = phpServer(ctx.env) !== "php-server";
      const packages: PackageRequest[] = [
        { name: `php${minor}-cli`, ...(chosen ? { version: chosen.spec, source: chosen.source } : {}) },
        ...(fpm ? [{ name: `php${minor}-fpm` }] : []),
        ...[...extPackages.keys()].map((name) => ({ name })),
      ];
      const cli = `php${minor}-cli`;
      let debs: DebianLayer;
      try {
        debs = await deps.install(ctx, {
          layer: "php",
          build: true,
          launch: true,
          packages,
          exclude: EXCLUDE,
          excludePaths: EXCLUDE_PATHS,
          links: { "usr/bin/php": `php${minor}`, ...(fpm ? { "usr/sbin/php-fpm": `php-fpm${minor}` } : {}) },
        });
      } catch (e) {
        const missing = e instanceof Error ? [...extPackages].find(([pkg]) => new RegExp(`\\b${pkg.replace(/[.]/g, "\\.")}\\b`).test(e.message)) : undefined;
        if (missing) {
          throw new PhpError("PHP_EXTENSION", `PHP extension ${missing[1]} is not available: Debian has no package ${missing[0]} for PHP ${minor}`, {
            hint: "check the extension's name; Debian's php8.x-* packages are the extensions paketo can install",
            cause: e,
          });
        }
        throw e;
      }
      const version = debs.version(cli) ?? "";
      log.subprocess(`PHP ${version}${extPackages.size ? ` with ${[...extPackages.keys()].join(", ")}` : ""}`);

      // php.ini and conf.d: rewritten every build (they name the app and its settings).
      const apiDir = await phpApiDir(debs);
      const production = await readFile(await debs.locate(`/usr/lib/php/${minor}/php.ini-production`), "utf8").catch(() => "");
      const libDir = join(ctx.appDir, ctx.env.BP_PHP_LIB_DIR || "lib");
      const phpIni = `${production}\n; paketo: PHP relocated into its layer\nextension_dir = "${apiDir}"\ninclude_path = ".:${libDir}:${join(debs.path, "usr/share/php")}:/usr/share/php"\n`;
      const loadedByApp = new Set(wanted.filter((w) => w.loadedByApp).map((w) => w.name));
      const modules = await moduleInis(debs, minor, loadedByApp);
      log.debug.subprocess(`modules enabled in conf.d: ${[...modules.keys()].join(", ")}`);
      const scanOf = (path: string) => [join(path, "conf.d"), join(ctx.appDir, ".php.ini.d")].join(":");
      const confPath = await configLayer(ctx, "php-ini", {
        build: true,
        files: () => Object.fromEntries([["php.ini", { text: phpIni }], ...[...modules].map(([file, text]) => [`conf.d/${file}`, { text }])]),
        env: (path) => layerEnv().override("PHPRC", path).override("PHP_INI_SCAN_DIR", scanOf(path)),
      });
      const scan = scanOf(confPath);

      // PHP's own check: every module loads, and every extension asked for is there.
      const env = { ...debs.envFor(ctx.env), PHPRC: confPath, PHP_INI_SCAN_DIR: scan };
      const r = await runServer(["php", "-m"], { cwd: ctx.appDir, env });
      const loaded = new Set(r.output.split("\n").map((l) => l.trim().toLowerCase()));
      const problems = r.output.split("\n").filter((l) => /warning|error/i.test(l));
      const absent = wanted.filter((w) => !loaded.has(w.name) && !(w.name === "opcache" && loaded.has("zend opcache")));
      if (r.code !== 0 || problems.length || absent.length) {
        const said = [...problems, ...absent.map((w) => `${w.name} (${w.where}) is not loaded`)].join("\n").trim() || r.output.trim();
        throw new PhpError("PHP_EXTENSION", `PHP does not start with the app's extensions and ini files:\n${said}`, { hint: "check the extension= lines in .php.ini.d/*.ini and the ext-* requirements in composer.json" });
      }
      log.subprocess(`php -m: ${[...loaded].filter((l) => l && !l.startsWith("[")).length} modules load`);
      log.process("Configuring environment");
      log.subprocess(`PHPRC            -> "${confPath}"`);
      log.subprocess(`PHP_INI_SCAN_DIR -> "${scan}"`);
      return {};
    },
  });

/** The version asked for and where: BP_PHP_VERSION (through the plan), a plan entry, composer.json, composer.lock. */
async function chooseVersion(
  env: Readonly<Record<string, string>>,
  entries: ReadonlyArray<{ version?: string | undefined; "version-source"?: string | undefined }>,
  composerPhp: string | undefined,
  composerPath: string,
  composerRel: string,
): Promise<{ spec: string; source: string } | undefined> {
  const v = env.BP_PHP_VERSION?.trim();
  if (v) return { spec: v, source: "BP_PHP_VERSION" };
  const fromPlan = entries.find((e) => e.version && e.version !== "*");
  if (fromPlan?.version) return { spec: fromPlan.version, source: fromPlan["version-source"] ?? "the build plan" };
  if (composerPhp) return { spec: composerToSemver(composerPhp), source: `${composerRel} require.php ${JSON.stringify(composerPhp)}` };
  const lock = await readFile(composerLockPath(composerPath), "utf8").catch(() => undefined);
  if (lock) {
    try {
      const php = (JSON.parse(lock) as { platform?: Record<string, string> }).platform?.php;
      if (typeof php === "string" && php) return { spec: composerToSemver(php), source: `${composerRel.replace(/\.json$/, ".lock")} platform.php ${JSON.stringify(php)}` };
    } catch {
      // composer-install reports a broken composer.lock
    }
  }
  return undefined;
}

/** The layer's extension folder: usr/lib/php/<API date>. */
async function phpApiDir(debs: DebianLayer): Promise<string> {
  const base = join(debs.path, "usr/lib/php");
  const api = (await readdir(base).catch(() => [] as string[])).filter((n) => /^\d{8}$/.test(n)).sort().pop();
  if (!api) throw new PhpError("PHP_EXTENSION", `Debian's PHP packages left no extension folder (usr/lib/php/<api>) in ${debs.path}`);
  return join(base, api);
}

/**
 * conf.d as Debian's phpenmod makes it: every module ini the installed packages ship
 * (usr/share/php<minor>-<package>/<group>/<mod>.ini, which their maintainer scripts copy to
 * mods-available, or etc/php/<minor>/mods-available/<mod>.ini; `; priority=NN`) as NN-<mod>.ini, except modules the app's own ini files load
 * (loading twice is a warning). File name → text.
 */
async function moduleInis(debs: DebianLayer, minor: string, skip: ReadonlySet<string>): Promise<Map<string, string>> {
  const share = join(debs.path, "usr/share");
  const out = new Map<string, string>();
  const seen = new Set<string>();
  const dirs: string[] = [];
  for (const pkg of (await readdir(share).catch(() => [] as string[])).filter((n) => n.startsWith(`php${minor}-`)).sort()) {
    for (const group of (await readdir(join(share, pkg)).catch(() => [] as string[])).sort()) dirs.push(join(share, pkg, group));
  }
  // PECL extensions (php8.4-redis, -igbinary, -memcached...) ship theirs in mods-available itself.
  dirs.push(join(debs.path, "etc/php", minor, "mods-available"));
  for (const dir of dirs) {
    for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
      const mod = name.slice(0, -4);
      if (!name.endsWith(".ini") || skip.has(mod) || seen.has(mod)) continue;
      const text = await readFile(join(dir, name), "utf8");
      const priority = /^;\s*priority\s*=\s*(\d+)/m.exec(text)?.[1] ?? "20";
      out.set(`${priority}-${mod}.ini`, text);
      seen.add(mod);
    }
  }
  return out;
}

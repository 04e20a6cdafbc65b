// composer: Composer from Debian's `composer` package (2.8 on Debian 13; its PHP libraries under
// usr/share/php, loaded relative to the script, so the layer works where it lands) into a build
// layer, for composer-install. PHP itself comes from php-dist: Debian's php packages are left out.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, pass } from "../../buildpack-api/index.js";
import type { installDebianPackages, PackageRequest } from "../../buildpack-api/debian/index.js";

export interface ComposerDeps {
  install: typeof installDebianPackages;
}

/**
 * PHP itself comes from php-dist: Debian's PHP binaries and extensions are left out (composer
 * depends on php-cli; php-json would otherwise pull in Apache's mod_php, which provides it too),
 * and what only maintainer scripts use.
 */
const PHP = ["cli", "common", "opcache", "readline", "mbstring", "intl", "json", "cgi", "fpm", "phpdbg", "curl", "zip", "xml"];
const EXCLUDE = [
  ...PHP.flatMap((p) => [`php-${p}`, `php8.4-${p}`, `php8.2-${p}`]),
  "libapache2-mod-php8.4", "libapache2-mod-php8.2", "libphp8.4-embed", "libphp8.2-embed", "apache2-bin", "perl", "perl-base", "ucf", "debconf", "cdebconf",
];

export const composer = (deps: ComposerDeps) =>
  defineBuildpack({
    detect: async () => pass({ provides: [{ name: "composer" }] }),

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      log.process("Resolving Composer version");
      const version = ctx.env.BP_COMPOSER_VERSION || undefined;
      log.subprocess(version ? `BP_COMPOSER_VERSION ${version}` : "no BP_COMPOSER_VERSION: the version Debian's release offers");
      const request: PackageRequest = { name: "composer", ...(version ? { version, source: "BP_COMPOSER_VERSION" } : {}) };
      const debs = await deps.install(ctx, {
        layer: "composer",
        build: true,
        launch: false,
        packages: [request],
        exclude: EXCLUDE,
      });
      if (!debs.reused) {
        const n = await relocate(debs.path);
        log.debug.subprocess(`${n} PHP files of Composer's libraries point into the layer`);
      }
      log.subprocess(`Composer ${debs.version("composer")}`);
      return {};
    },
  });

/**
 * Debian's autoloaders require their libraries by absolute path ('/usr/share/php/Composer/...'):
 * those paths are pointed into the layer, once, when the layer is made (a kept layer has it).
 */
async function relocate(layer: string): Promise<number> {
  let n = 0;
  const visit = async (path: string): Promise<void> => {
    for (const e of await readdir(path, { withFileTypes: true }).catch(() => [])) {
      const p = join(path, e.name);
      if (e.isDirectory()) await visit(p);
      else if (e.isFile() && (e.name.endsWith(".php") || p === join(layer, "usr/bin/composer"))) {
        const text = await readFile(p, "utf8");
        const out = text.replace(/(["'])\/usr\/share\/php\//g, `$1${layer}/usr/share/php/`);
        if (out !== text) {
          await writeFile(p, out);
          n++;
        }
      }
    }
  };
  await visit(join(layer, "usr/share/php"));
  await visit(join(layer, "usr/bin"));
  return n;
}

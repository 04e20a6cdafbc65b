// composer-install: `composer install` for apps with a composer.json (COMPOSER), with Debian's
// Composer (the composer buildpack) and php-dist's PHP. The vendor folder is kept in a cache layer
// keyed on composer.lock (with composer.json, the options and the PHP version): a rebuild with the
// same key copies it back instead of installing. BP_COMPOSER_INSTALL_GLOBAL installs global
// packages into a launch layer whose vendor/bin is on PATH. An SBOM lists composer.lock's packages.
import { createHash } from "node:crypto";
import { cp, mkdir, readFile, rm } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, s, type BuildContext } from "../../buildpack-api/index.js";
import { runTool } from "../common/exec.js";
import { sbomFiles } from "../common/sbom.js";
import { PhpError } from "../php-common/errors.js";
import { composerJsonPath, composerLockPath, isDir, isFile, onPath, readComposerJson } from "../php-common/settings.js";
import { composerSbom } from "./sbom.js";

const DEFAULT_OPTIONS = ["--no-progress", "--no-dev"];
const LAYER = s.object({ key: s.string() });
const HOME = s.object({ cache: s.string() });

/** BP_COMPOSER_INSTALL_OPTIONS, split like a shell's words (no quoting); default --no-progress --no-dev. */
export function installOptions(env: Readonly<Record<string, string>>): string[] {
  const v = env.BP_COMPOSER_INSTALL_OPTIONS;
  return v === undefined || v.trim() === "" ? DEFAULT_OPTIONS : v.trim().split(/\s+/);
}

export const composerInstall = () =>
  defineBuildpack({
    detect: async (ctx) => {
      const json = composerJsonPath(ctx.env, ctx.appDir);
      if (!(await isFile(json))) return fail(`no ${relative(ctx.appDir, json)}`);
      return pass({ provides: [], requires: [{ name: "php", metadata: { build: true, launch: true } }, { name: "composer", metadata: { build: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const jsonPath = composerJsonPath(ctx.env, ctx.appDir);
      const json = await readComposerJson(jsonPath, ctx.appDir);
      if (!json) throw new PhpError("PHP_COMPOSER", `${relative(ctx.appDir, jsonPath)} is gone`);
      const lockPath = composerLockPath(jsonPath);
      const lock = await readFile(lockPath, "utf8").catch(() => undefined);
      const composer = await onPath(ctx.env, "composer");
      if (!composer) throw new PhpError("PHP_COMPOSER", "composer is not on the build's PATH: the composer buildpack must run before composer-install");
      const vendorSetting = ctx.env.COMPOSER_VENDOR_DIR || json.config?.["vendor-dir"] || "vendor";
      const vendor = isAbsolute(vendorSetting) ? vendorSetting : join(ctx.appDir, vendorSetting);
      const options = installOptions(ctx.env);
      // Composer's download cache, kept across builds.
      const home = await ctx.layers.cached("composer-home", { build: false, launch: false, cache: true, metadata: HOME, onRestored: () => "keep" });
      await home.write({ cache: "composer" });
      const env = { ...ctx.env, COMPOSER_HOME: home.path, COMPOSER_NO_INTERACTION: "1", COMPOSER: jsonPath } as Record<string, string>;
      if (ctx.env.COMPOSER_VENDOR_DIR) env.COMPOSER_VENDOR_DIR = vendor;

      const phpVersion = (await runTool(["php", "-r", "echo PHP_VERSION;"], { cwd: ctx.appDir, env, startError: startError })).output.trim();
      const key = createHash("sha256")
        .update(JSON.stringify({ lock: lock ?? null, json: await readFile(jsonPath, "utf8"), options, phpVersion, vendor: relative(ctx.appDir, vendor) }))
        .digest("hex");
      const cache = await ctx.layers.cached("composer-packages", {
        build: false,
        launch: false,
        cache: true,
        metadata: LAYER,
        onRestored: (m: { key: string }) => (m.key === key ? "keep" : { rebuild: "composer.lock, composer.json, the options or PHP changed" }),
      });
      log.process("Installing Composer packages");
      if (cache.state.kind === "restored" && (await isDir(join(cache.path, "vendor")))) {
        log.subprocess(`Reusing the cached vendor folder (composer.lock unchanged): ${relative(ctx.appDir, vendor)}`);
        await rm(vendor, { recursive: true, force: true });
        await cp(join(cache.path, "vendor"), vendor, { recursive: true, verbatimSymlinks: true });
      } else {
        log.subprocess(`Running 'composer install ${options.join(" ")}'`);
        const r = await runTool(["php", composer, "install", "--no-interaction", ...options], { cwd: ctx.appDir, env, logger: log, startError });
        if (r.code !== 0) {
          throw new PhpError("PHP_COMPOSER", `composer install failed (exit ${r.code ?? r.signal}):\n${r.output.trim().split("\n").slice(-15).join("\n")}`, {
            hint: "Composer's message above names the package or file; packages come from composer.lock's repositories",
          });
        }
        await rm(join(cache.path, "vendor"), { recursive: true, force: true });
        if (await isDir(vendor)) await cp(vendor, join(cache.path, "vendor"), { recursive: true, verbatimSymlinks: true });
        await cache.write({ key });
      }

      const global = (ctx.env.BP_COMPOSER_INSTALL_GLOBAL ?? "").trim().split(/\s+/).filter(Boolean);
      if (global.length) await installGlobal(ctx, composer, global, env);

      // The packages are in the app's vendor folder: the SBOM is the launch one, not a layer's.
      const lockText = lock ?? (await readFile(lockPath, "utf8").catch(() => undefined));
      if (lockText && ctx.env.BP_DISABLE_SBOM !== "true") {
        const files = sbomFiles(composerSbom(lockText, { name: ctx.buildpack.id, version: ctx.buildpack.version }, ctx.env.SOURCE_DATE_EPOCH), ctx.buildpack.sbomFormats);
        log.process(`Generating SBOM for the Composer packages of ${relative(ctx.appDir, lockPath)}`);
        return { sbom: { launch: files } };
      }
      return {};
    },
  });

async function installGlobal(ctx: BuildContext, composer: string, packages: string[], base: Record<string, string>): Promise<void> {
  const layer = await ctx.layers.uncached("composer-global", { build: true, launch: true });
  await mkdir(layer.path, { recursive: true });
  ctx.logger.subprocess(`Running 'composer global require ${packages.join(" ")}' (BP_COMPOSER_INSTALL_GLOBAL)`);
  const env: Record<string, string> = { ...base, COMPOSER_HOME: layer.path };
  delete env.COMPOSER;
  delete env.COMPOSER_VENDOR_DIR;
  const r = await runTool(["php", composer, "global", "require", "--no-interaction", "--no-progress", ...packages], { cwd: ctx.appDir, env, logger: ctx.logger, startError });
  if (r.code !== 0) throw new PhpError("PHP_COMPOSER", `composer global require ${packages.join(" ")} failed (BP_COMPOSER_INSTALL_GLOBAL):\n${r.output.trim().split("\n").slice(-15).join("\n")}`);
  await layer.writeEnv(layerEnv().prepend("PATH", join(layer.path, "vendor/bin"), { delim: ":" }));
}

function startError(cmd: string, e: Error): Error {
  return new PhpError("PHP_COMPOSER", `cannot run ${cmd}: ${e.message}`, { hint: "php-dist puts php on the build's PATH" });
}

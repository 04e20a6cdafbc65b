// bundle-install: `bundle install` of the app's Gemfile into a launch-gems layer (without the
// development and test groups) and, when the Gemfile has groups, a build-gems layer with all of
// them. Both are cached and kept while Gemfile, Gemfile.lock and the Ruby version are the same.
// With vendor/cache the install is --local (RubyGems is never asked); native extensions compile
// with the build image's C toolchain and the mri layer's Ruby headers. A lock's BUNDLED WITH that
// is not the installed Bundler runs the installed one, with a warning, instead of downloading it.
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineBuildpack, fail, layerEnv, pass, s, type LayerRef } from "../../buildpack-api/index.js";
import { reproducibleDate } from "../../oci/index.js";
import { purl, type SbomDocument } from "../../sbom/index.js";
import { exitText, lastLines, runTool, type Env } from "../common/exec.js";
import { sbomFiles } from "../common/sbom.js";
import { RubyError } from "../ruby-common/errors.js";
import { bundledWith, DEBIAN_GEMS_ENV } from "../ruby-common/gemfile.js";

const META = s.object({ key: s.string() });

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

function run(argv: string[], cwd: string, env: Env, logger?: Parameters<typeof runTool>[1]["logger"]) {
  return runTool(argv, {
    cwd,
    env,
    ...(logger ? { logger } : {}),
    startError: (cmd, e, missing) =>
      new RubyError("RUBY_TOOL", missing ? `${cmd} was not found on PATH` : `running ${cmd} failed: ${e.message}`, { hint: missing ? "mri provides Ruby and Bundler at build time; it must run before this buildpack" : undefined, cause: e }),
  });
}

/** The gems Gemfile.lock pins (its GEM and PATH specs): name and version. */
export function lockedGems(lock: string): Array<{ name: string; version: string }> {
  return [...lock.matchAll(/^ {4}([A-Za-z0-9_.-]+) \(([^)\s]+)\)$/gm)].map((m) => ({ name: m[1] as string, version: m[2] as string }));
}

export const bundleInstall = () =>
  defineBuildpack({
    detect: async (ctx) => {
      if (!(await exists(join(ctx.appDir, "Gemfile")))) return fail("no Gemfile");
      // gems at launch are this buildpack's own need too (a Procfile's `bundle exec`)
      return pass({ provides: [{ name: "gems" }], requires: [{ name: "mri", metadata: { build: true, launch: true } }, { name: "gems", metadata: { launch: true } }] });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const base: Record<string, string> = {};
      for (const [k, v] of Object.entries(ctx.env)) if (v !== undefined) base[k] = v;
      const version = await run(["ruby", "-e", "print RUBY_VERSION, ' ', Gem.ruby_api_version rescue print RUBY_VERSION"], ctx.appDir, base);
      const [rubyVersion = "", apiVersion = ""] = version.output.trim().split(" ");
      const bundler = /(\d+\.\d+\.\d+)/.exec((await run(["bundle", "--version"], ctx.appDir, base)).output)?.[1] ?? "";
      const gemfile = await readFile(join(ctx.appDir, "Gemfile"), "utf8");
      const lock = await readFile(join(ctx.appDir, "Gemfile.lock"), "utf8").catch(() => undefined);
      const local = await exists(join(ctx.appDir, "vendor/cache"));
      const grouped = /^\s*group\b/m.test(gemfile);
      // With Debian's packaged gems (mri's layer), bundler installs as into system gems (GEM_HOME),
      // so that it sees them on GEM_PATH; with BUNDLE_PATH it would ignore them.
      const system = (ctx.env[DEBIAN_GEMS_ENV] ?? "").trim() !== "";
      const where = (layer: string): { env: Record<string, string>; gemDir: string } => ({
        env: system ? { GEM_HOME: layer, GEM_PATH: [layer, ctx.env.GEM_PATH].filter(Boolean).join(":"), BUNDLE_PATH__SYSTEM: "true" } : { BUNDLE_PATH: layer },
        gemDir: system ? layer : join(layer, "ruby", apiVersion || rubyVersion),
      });

      const extra: Record<string, string> = {};
      const wanted = lock ? bundledWith(lock) : undefined;
      if (wanted && wanted !== bundler) {
        log.warning(`Gemfile.lock was bundled with Bundler ${wanted}; using the installed Bundler ${bundler} instead of downloading it`);
        extra.BUNDLE_VERSION = "system";
      }
      log.process(`Ruby ${rubyVersion}, Bundler ${bundler}${local ? "; gems from vendor/cache (--local)" : ""}`);
      const key = createHash("sha256").update(`${gemfile}\0${lock ?? ""}\0${rubyVersion}\0${bundler}\0${local}`).digest("hex");
      const config = await mkdtemp(join(tmpdir(), "bundle-config-"));

      const install = async (layer: LayerRef<{ key: string }>, without: string | undefined) => {
        if (layer.state.kind === "restored" && layer.state.metadata.key === key) {
          log.process(`Reusing cached layer ${layer.path}`);
          return;
        }
        await rm(layer.path, { recursive: true, force: true }).catch(() => {});
        const env: Record<string, string> = {
          ...base,
          ...extra,
          ...where(layer.path).env,
          BUNDLE_GEMFILE: join(ctx.appDir, "Gemfile"),
          BUNDLE_APP_CONFIG: config,
          BUNDLE_USER_HOME: config,
          // the layer starts empty; and bundler refuses to clean system gems
          BUNDLE_CLEAN: "false",
          ...(lock ? { BUNDLE_FROZEN: "true" } : {}),
          ...(without ? { BUNDLE_WITHOUT: without } : {}),
        };
        const args = ["bundle", "install", ...(local ? ["--local"] : [])];
        log.process(`Running '${args.join(" ")}' into ${layer.path}${without ? ` (without ${without})` : ""}`);
        const started = Date.now();
        const r = await run(args, ctx.appDir, env, log);
        if (r.code !== 0) {
          throw new RubyError("RUBY_BUNDLE", `'bundle install' ${exitText(r)}; its last output:\n${lastLines(r.output, 12).join("\n")}`, {
            hint: local ? "every gem must be in vendor/cache ('bundle cache' writes them there)" : "RubyGems may not be reachable from this machine: commit vendor/cache ('bundle cache')",
          });
        }
        log.action(`Completed in ${Date.now() - started} ms`);
        await layer.write({ key });
      };

      try {
        const launch = await ctx.layers.cached("launch-gems", { launch: true, build: !grouped, cache: true, metadata: META, onRestored: () => "keep" });
        await install(launch, grouped ? "development:test" : undefined);
        const gemDir = where(launch.path).gemDir;
        const launchEnv = system
          ? layerEnv().override("GEM_HOME", launch.path).prepend("GEM_PATH", launch.path, { delim: ":" }).override("BUNDLE_PATH__SYSTEM", "true")
          : layerEnv().override("BUNDLE_PATH", launch.path);
        await launch.writeEnv(
          launchEnv
            .prepend("PATH", join(gemDir, "bin"), { delim: ":" })
            .override("BUNDLE_WITHOUT", grouped ? "development:test" : "none", { scope: "launch" })
            .override("BUNDLE_USER_HOME", "/tmp/bundle", { scope: "launch" }),
        );
        if (grouped) {
          const build = await ctx.layers.cached("build-gems", { build: true, cache: true, metadata: META, onRestored: () => "keep" });
          await install(build, undefined);
          const buildEnv = system
            ? layerEnv().override("GEM_HOME", build.path, { scope: "build" }).prepend("GEM_PATH", build.path, { delim: ":", scope: "build" })
            : layerEnv().override("BUNDLE_PATH", build.path, { scope: "build" });
          await build.writeEnv(buildEnv.prepend("PATH", join(where(build.path).gemDir, "bin"), { delim: ":", scope: "build" }));
        }
        if (ctx.env.BP_DISABLE_SBOM !== "true" && lock) {
          const doc: SbomDocument = {
            name: "launch-gems",
            timestamp: reproducibleDate(ctx.env.SOURCE_DATE_EPOCH),
            tool: { name: ctx.buildpack.id, version: ctx.buildpack.version },
            components: lockedGems(lock).map((g) => ({ type: "library" as const, name: g.name, version: g.version, purl: purl.gem(g.name, g.version) })),
          };
          await launch.writeSbom(...sbomFiles(doc, ctx.buildpack.sbomFormats));
        }
        const installed = await readdir(join(gemDir, "gems")).catch(() => [] as string[]);
        log.subprocess(`${installed.length} gem(s) in ${launch.path}: ${installed.sort().join(", ")}`);
      } finally {
        await rm(config, { recursive: true, force: true });
      }
      log.break();
      return {};
    },
  });

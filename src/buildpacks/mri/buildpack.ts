// mri: Ruby and Bundler from Debian's packages (D10) into one layer for build and launch. Debian's
// Ruby looks for its libraries under /usr/lib/ruby; from a layer it finds them through RUBYLIB,
// and its gems (Debian's ruby-* packages, Bundler) through GEM_PATH. Provides `mri`.
import { readdirSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { defineBuildpack, fail, pass } from "../../buildpack-api/index.js";
import type { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { PaketoError } from "../../errors/index.js";
import { DEBIAN_GEMS_ENV, debianGemCandidates } from "../ruby-common/gemfile.js";
import { rubyPackage, rubyRequest } from "./version.js";

export interface MriDeps {
  install: typeof installDebianPackages;
}

const SIGNS = ["Gemfile", ".ruby-version", "config.ru", "Rakefile"];

/** `3.3.0`: Ruby's library folder name in the layer (usr/lib/ruby/<x.y.0>). */
function libVersion(layer: string): string {
  const dirs = readdirSync(join(layer, "usr/lib/ruby"), { withFileTypes: true }).filter((d) => d.isDirectory() && /^\d+\.\d+\.\d+$/.test(d.name));
  return dirs[0]?.name ?? "";
}

export const mri = (deps: MriDeps) =>
  defineBuildpack({
    detect: async (ctx) => {
      const files = await readdir(ctx.appDir).catch(() => [] as string[]);
      if (!ctx.env.BP_MRI_VERSION && !files.some((f) => SIGNS.includes(f) || f.endsWith(".rb"))) return fail("no Gemfile, .ruby-version, config.ru, Rakefile or *.rb, and no BP_MRI_VERSION");
      const req = await rubyRequest(ctx.appDir, ctx.env);
      return pass({
        provides: [{ name: "mri" }],
        requires: [{ name: "mri", metadata: { build: true, launch: true, ...(req.spec ? { version: req.spec, "version-source": req.source } : {}) } }],
      });
    },

    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const req = await rubyRequest(ctx.appDir, ctx.env);
      log.process("Resolving MRI version");
      log.subprocess(req.source ? `${req.source}: ${req.written}` : "no version asked for: the Ruby of the Debian release");
      const named = rubyPackage(req.spec);
      // Gems the Gemfile names that vendor/cache does not have: Debian's packaged gem, where there is one
      let gemPkgs = (await debianGemCandidates(ctx.appDir)).flat();
      const install = () => deps.install(ctx, {
        layer: "mri",
        build: true,
        launch: true,
        packages: [...(named ? [{ name: named, version: req.spec as string, ...(req.source ? { source: req.source } : {}) }] : []), "ruby", "bundler", "ruby-dev", ...gemPkgs],
        // the headers native gems compile against stay; the C toolchain's are the build image's
        exclude: ["libc6-dev", "libc-dev", "libgmp-dev", "libcrypt-dev", "linux-libc-dev", "libgcc-14-dev", "gcc", "cpp"],
        excludePaths: ["usr/share/ri/**"],
        env: (env, l) => {
          const at = (p: string) => join(l.path, p);
          const v = libVersion(l.path);
          return env
            .prepend("RUBYLIB", [at("usr/lib/ruby/vendor_ruby"), at(`usr/lib/ruby/${v}`), at(`usr/lib/${l.multiarch}/ruby/vendor_ruby/${v}`), at(`usr/lib/${l.multiarch}/ruby/${v}`)].join(":"), { delim: ":" })
            .prepend("GEM_PATH", [at(`usr/lib/ruby/gems/${v}`), at("usr/share/rubygems-integration/all"), at(`usr/lib/${l.multiarch}/rubygems-integration/${v}`)].join(":"), { delim: ":" })
            .override(DEBIAN_GEMS_ENV, gemPkgs.join(" "), { scope: "build" });
        },
      });
      let debs: Awaited<ReturnType<typeof install>> | undefined;
      for (let tries = 0; !debs; tries++) {
        try {
          debs = await install();
        } catch (e) {
          // a gem Debian does not package under that name: left to bundler, which says what is missing
          const missing = e instanceof PaketoError ? (/^Debian package (\S+) is not in/.exec(e.message) ?? /^package "([^"]+)" not found in/.exec(e.message))?.[1] : undefined;
          if (!missing || !gemPkgs.includes(missing) || tries > 20) throw e;
          gemPkgs = gemPkgs.filter((p) => p !== missing);
        }
      }
      if (gemPkgs.length) log.subprocess(`Debian's packaged gems for the Gemfile: ${gemPkgs.join(", ")}`);
      await envShebangs(join(debs.path, "usr/bin"));
      const ruby = [...debs.packages, ...debs.present].find((p) => /^ruby\d+\.\d+$/.test(p.name));
      log.subprocess(`MRI ${ruby ? `${ruby.version} (${ruby.name})` : "?"}, Bundler ${debs.version("bundler") ?? "?"}`);
      log.break();
      return {};
    },
  });

/**
 * Debian's Ruby scripts (bundle, gem, rake...) start with `#!/usr/bin/ruby`, which is not on the
 * images: they are pointed at the ruby on PATH, the layer's. Idempotent.
 */
async function envShebangs(bin: string): Promise<void> {
  for (const e of await readdir(bin, { withFileTypes: true }).catch(() => [])) {
    if (!e.isFile()) continue;
    const text = await readFile(join(bin, e.name), "utf8").catch(() => "");
    const m = /^#!\/usr\/bin\/ruby[\d.]*( |\n)/.exec(text);
    if (m) await writeFile(join(bin, e.name), `#!/usr/bin/env ruby${m[1]}${text.slice(m[0].length)}`);
  }
}

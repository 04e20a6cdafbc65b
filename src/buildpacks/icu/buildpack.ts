// icu: ICU's shared libraries from Debian (the release's libicu<N>) into a launch layer, found by
// .NET through LD_LIBRARY_PATH (which the Debian helper sets). Provides `icu`.
import { defineBuildpack, pass } from "../../buildpack-api/index.js";
import type { installDebianPackages } from "../../buildpack-api/debian/index.js";
import { debian } from "../../deps/index.js";

export interface IcuDeps {
  install: typeof installDebianPackages;
}

/** Debian's current ICU library package per release (the package name carries the soname). */
const LIBICU: Record<string, string> = { trixie: "libicu76", bookworm: "libicu72", forky: "libicu76" };

export const icu = (deps: IcuDeps) =>
  defineBuildpack({
    detect: () => pass({ provides: [{ name: "icu" }] }),
    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const codename = (ctx.target.distro && debian.codenameOf(ctx.target.distro.version)) || debian.DEFAULT_CODENAME;
      const name = LIBICU[codename] ?? "libicu76";
      const debs = await deps.install(ctx, { layer: "icu", packages: [name], exclude: ["tzdata"] });
      log.subprocess(`ICU ${debs.version(name) ?? "?"} (${name})`);
      log.break();
      return {};
    },
  });

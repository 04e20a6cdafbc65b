// debian-packages: the Debian packages BP_DEBIAN_PACKAGES names (space- or comma-separated, each
// `name`, `name=<version>` or `name/<suite>`) into one launch layer, with the stacks' verification
// and cache (src/buildpack-api/debian). What the run image already has is not installed again.
// Not in any order group of the default builder: an app asks for it in its project.toml
// (`[[io.buildpacks.pre.group]]`), as paketo's own image does for bubblewrap (docs/kubernetes.md).
import { BuildpackError, defineBuildpack, fail, pass } from "../../buildpack-api/index.js";
import type { installDebianPackages } from "../../buildpack-api/debian/index.js";

export interface DebianPackagesDeps {
  install: typeof installDebianPackages;
}

export const SETTING = "BP_DEBIAN_PACKAGES";

/** The packages a BP_DEBIAN_PACKAGES value names, in order, each once. */
export function requestedPackages(value: string | undefined): string[] {
  return [...new Set((value ?? "").split(/[\s,]+/).filter((w) => w !== ""))];
}

export const debianPackages = (deps: DebianPackagesDeps) =>
  defineBuildpack({
    detect: (ctx) => (requestedPackages(ctx.env[SETTING]).length > 0 ? pass() : fail(`${SETTING} is not set`)),
    build: async (ctx) => {
      const log = ctx.logger;
      log.title(`${ctx.buildpack.name ?? ctx.buildpack.id} ${ctx.buildpack.version}`);
      const names = requestedPackages(ctx.env[SETTING]);
      if (names.length === 0) throw new BuildpackError("BUILDPACK_DEBIAN", `${SETTING} names no package`, { hint: `${SETTING}="bubblewrap slirp4netns"` });
      const packages = names.map((p) => ({ ...parse(p), source: SETTING }));
      const debs = await deps.install(ctx, { layer: "packages", packages });
      for (const p of packages) log.subprocess(`${p.name} ${debs.version(p.name) ?? "(from the run image)"}`);
      log.break();
      return {};
    },
  });

/** `name`, `name=<version>` or `name/<suite>` as the helper's request (it checks the name). */
function parse(word: string): { name: string; version?: string; suite?: string } {
  const m = /^([^=/]+)(?:=(.+)|\/(.+))?$/.exec(word);
  if (m === null) throw new BuildpackError("BUILDPACK_DEBIAN", `${SETTING}: ${JSON.stringify(word)} is not a package`, { hint: "each entry is name, name=<version> or name/<suite>" });
  return { name: m[1] as string, ...(m[2] ? { version: m[2] } : {}), ...(m[3] ? { suite: m[3] } : {}) };
}

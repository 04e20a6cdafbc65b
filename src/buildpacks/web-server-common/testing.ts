// A stand-in for installDebianPackages in the nginx and httpd tests: Debian 13's servers cannot
// run on this (older) host, so a layer with small shell scripts plays them.
import { lstat, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { layerEnv, s } from "../../buildpack-api/index.js";
import type { DebianLayer, DebianPackagesOptions, installDebianPackages } from "../../buildpack-api/debian/index.js";

/** Records each call in `calls` and lays out `files` (layer path → content; under usr/sbin: executable). */
export function fakeInstall(calls: DebianPackagesOptions[], files: Readonly<Record<string, string>>, versions: Readonly<Record<string, string>>): typeof installDebianPackages {
  return async (ctx, opts) => {
    calls.push(opts);
    const layer = await ctx.layers.cached(opts.layer, { launch: true, metadata: s.object({ key: s.string(), packages: s.array(s.string()) }), onRestored: () => "rebuild" });
    for (const [rel, content] of Object.entries(files)) {
      await mkdir(dirname(join(layer.path, rel)), { recursive: true });
      await writeFile(join(layer.path, rel), content, { mode: rel.startsWith("usr/sbin/") ? 0o755 : 0o644 });
    }
    await layer.write({ key: "k", packages: Object.entries(versions).map(([n, v]) => `${n}=${v}`) });
    const env = layerEnv().prepend("PATH", join(layer.path, "usr/sbin"), { delim: ":", scope: "launch" });
    await layer.writeEnv(env);
    const result: DebianLayer = {
      layer,
      path: layer.path,
      multiarch: "x86_64-linux-gnu",
      packages: [],
      present: [],
      reused: false,
      version: (n) => versions[n],
      locate: async (p) =>
        lstat(join(layer.path, p)).then(
          () => join(layer.path, p),
          () => p,
        ),
      envFor: (base) => env.apply(base, "launch"),
    };
    return result;
  };
}

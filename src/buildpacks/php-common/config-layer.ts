// A layer of configuration files made from the app and its settings (php.ini, php-fpm.conf,
// nginx.conf, the start script): kept as it was when the files would be the same, so a rebuild
// that changes nothing here creates no layer (a launch-only one reuses the previous image's).
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { s, type BuildContext, type LayerEnv } from "../../buildpack-api/index.js";

const KEY = s.object({ key: s.string() });

export interface ConfigFile {
  text: string;
  mode?: number;
}

/**
 * `files(path)` gives the files (relative name → content) for the layer at `path`; `env(path)`
 * its env. Returns the layer's path.
 */
export async function configLayer(
  ctx: BuildContext<unknown, unknown>,
  name: string,
  o: { build?: boolean; files: (path: string) => Record<string, ConfigFile>; env?: (path: string) => LayerEnv },
): Promise<string> {
  const probe = "\u0000layer\u0000";
  const key = createHash("sha256")
    .update(JSON.stringify([o.files(probe), o.env?.(probe) ?? null, o.build ?? false]))
    .digest("hex");
  const layer = await ctx.layers.cached(name, {
    build: o.build ?? false,
    launch: true,
    // A build layer must come back with its files; a launch-only one is reused from the image.
    cache: o.build ?? false,
    metadata: KEY,
    onRestored: (m: { key: string }) => (m.key === key ? "keep" : { rebuild: "the configuration changed" }),
  });
  if (layer.state.kind === "restored") return layer.path;
  for (const [rel, f] of Object.entries(o.files(layer.path))) {
    await mkdir(dirname(join(layer.path, rel)), { recursive: true });
    await writeFile(join(layer.path, rel), f.text, { mode: f.mode ?? 0o644 });
  }
  if (o.env) await layer.writeEnv(o.env(layer.path));
  await layer.write({ key });
  return layer.path;
}

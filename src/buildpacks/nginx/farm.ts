// The configuration folder nginx is started with. nginx resolves relative `include`s against the
// folder of its main configuration file, and the app's folder is read-only at launch, so the
// rendered templates cannot sit next to the app's other files. This folder (in a launch layer)
// mirrors the app's configuration folder with links: templates link to where the launch renders
// them, everything else to the app's own files, and Debian's stock files (mime.types,
// fastcgi_params...) fill in what the app lacks.
import { mkdir, readdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { entryKind } from "../../fs/index.js";

export async function buildFarm(o: {
  farm: string;
  /** The app's configuration folder (absolute, as it is at launch). */
  confDir: string;
  /** Where the templates are rendered (absolute, as it is at launch). */
  renderDir: string;
  /** Templates, relative to confDir. */
  templates: readonly string[];
  /** Files to link when the app has nothing by that name: name → absolute target. */
  fallback: ReadonlyMap<string, string>;
  /** Absolute paths to leave out: build mounts, which are a layer's folders, not the app's, and gone at launch. */
  skip?: ReadonlySet<string>;
}): Promise<void> {
  const templates = new Set(o.templates);
  const walk = async (rel: string): Promise<void> => {
    const here = rel === "" ? o.farm : join(o.farm, rel);
    await mkdir(here, { recursive: true });
    const names = new Set(await readdir(rel === "" ? o.confDir : join(o.confDir, rel)).catch(() => [] as string[]));
    if (rel === "") for (const n of o.fallback.keys()) names.add(n);
    for (const name of [...names].sort()) {
      const r = rel === "" ? name : `${rel}/${name}`;
      if (o.skip?.has(join(o.confDir, r))) continue;
      if (templates.has(r)) await symlink(join(o.renderDir, r), join(o.farm, r));
      else if ([...templates].some((t) => t.startsWith(`${r}/`))) await walk(r);
      else if (await exists(join(o.confDir, r))) await symlink(join(o.confDir, r), join(o.farm, r));
      else if (rel === "" && o.fallback.has(name)) await symlink(o.fallback.get(name) as string, join(o.farm, r));
    }
    // A template whose folder the app does not have (a generated configuration).
    for (const t of templates) {
      const parent = t.includes("/") ? t.slice(0, t.lastIndexOf("/")) : "";
      if (parent === rel && !(await exists(join(o.farm, t)))) await symlink(join(o.renderDir, t), join(o.farm, t));
    }
  };
  await walk("");
}

async function exists(p: string): Promise<boolean> {
  return (await entryKind(p)) !== "missing";
}

// Detection is a function of what buildpacks can see: the app, the user and operator env, the
// bindings, the run image's target and the buildpacks themselves. When none of that changed since
// a destination's last build, that build's result (group.toml, plan.toml) is used again instead of
// starting every bin/detect of the order (1-2 s for the default builder's dozen buildpacks).
// The key is conservative: the app by name, type, mode, size and mtime of every file; builds with
// buildpacks from outside the builder (--buildpack dirs, project.toml) and --clear-cache always
// detect afresh. A detect that reads something else (the clock, the network) is not memoised
// correctly; no buildpack of ours does, and --clear-cache is the way out.
import { createHash } from "node:crypto";
import { lstat, mkdir, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { type GroupFile, type PlanFile, stringifyGroupToml, stringifyPlanToml } from "../../cnb/index.js";
import { writeFileAtomic } from "../../fs/index.js";
import type { BuildLog } from "../../lifecycle/index.js";

interface Saved {
  key: string;
  group: GroupFile;
  plan: PlanFile;
}

export interface DetectMemo {
  /** Whether the saved result matches. */
  hit: boolean;
  /** Writes the saved group.toml and plan.toml as detect would; undefined on a miss. */
  replay(layersDir: string, log: BuildLog): Promise<{ group: GroupFile; plan: PlanFile } | undefined>;
  save(result: { group: GroupFile; plan: PlanFile }): Promise<void>;
}

/** Hex SHA-256 of a folder's files (names, modes, contents) and links; "" when it does not exist. */
export async function treeDigest(dir: string): Promise<string> {
  const h = createHash("sha256");
  const walk = async (rel: string): Promise<void> => {
    const names = await readdir(join(dir, rel)).catch(() => undefined);
    if (names === undefined) return;
    for (const name of names.sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const s = await lstat(join(dir, r));
      if (s.isDirectory()) {
        h.update(`d\0${r}\n`);
        await walk(r);
      } else if (s.isSymbolicLink()) h.update(`l\0${r}\0${await readlink(join(dir, r))}\n`);
      else if (s.isFile()) h.update(`f\0${r}\0${s.mode}\0`).update(await readFile(join(dir, r))).update("\n");
    }
  };
  if (!(await lstat(dir).catch(() => undefined))) return "";
  await walk("");
  return h.digest("hex");
}

/** The memo kept at `path` (one per destination: cacheLayout's detectMemo) for these inputs. */
export async function detectMemo(o: { path: string; inputs: Record<string, unknown> }): Promise<DetectMemo> {
  const key = createHash("sha256").update(JSON.stringify({ format: 1, ...o.inputs })).digest("hex");
  const path = o.path;
  const saved = await readFile(path, "utf8").then(
    (t) => JSON.parse(t) as Saved,
    () => undefined,
  );
  const hit = saved?.key === key;
  return {
    hit,
    async replay(layersDir, log) {
      if (!hit || !saved) return undefined;
      return log.time("detect", async () => {
        log.phase("detecting");
        log.info("Reusing the previous build's detection: the app, its settings and the buildpacks are unchanged");
        const width = Math.max(...saved.group.group.map((g) => g.id.length));
        for (const g of saved.group.group) log.info(`${g.id.padEnd(width)} ${g.version}`);
        await mkdir(layersDir, { recursive: true });
        for (const [file, text] of [
          ["group.toml", stringifyGroupToml(saved.group)],
          ["plan.toml", stringifyPlanToml(saved.plan)],
        ] as const) {
          await rm(join(layersDir, file), { force: true, recursive: true });
          await writeFile(join(layersDir, file), text);
        }
        return { group: saved.group, plan: saved.plan };
      });
    },
    async save(result) {
      await mkdir(dirname(path), { recursive: true });
      await writeFileAtomic(path, JSON.stringify({ key, group: result.group, plan: result.plan } satisfies Saved));
    },
  };
}

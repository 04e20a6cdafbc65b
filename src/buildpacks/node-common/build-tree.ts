// node_modules as build tools must see it: a real folder of the project. Tools such as Turbopack
// refuse a node_modules that is a symlink leading out of the project, and Next.js' standalone
// output traces files relative to it. The install buildpacks ask for it with PAKETO_BUILD_MOUNTS
// (`<project>/node_modules=<layer>/node_modules`, plus the tools' cache folders inside it):
// - paketo (bubblewrap) mounts the layer folder there for each later buildpack: nothing to do,
//   no copy, and whatever tools write lands in the layers;
// - elsewhere (the reference lifecycle, --sandbox none) the project still has the symlink (or
//   nothing): the tree is copied in for the build and removed after it, and the cache folders in
//   the copy are symlinks to their cache layer. A copy, not a move or hard links: those would
//   change the layer (ctime, link counts), which would then be tarred again.
import { lstat, readlink, rm, stat, symlink } from "node:fs/promises";
import { relative } from "node:path";
import type { Logger } from "../../buildpack-api/index.js";
import { NodeError } from "./errors.js";
import { exitText, lastLines, runTool } from "./exec.js";
import { type BuildMount, buildMounts } from "../common/build-mounts.js";
import type { Env } from "./project.js";

type Mount = BuildMount;

/** Whether `target` shows the folder `source` itself (a mount of it): same device and inode. */
async function mounted(target: string, source: string): Promise<boolean> {
  const [t, s] = await Promise.all([stat(target).catch(() => undefined), stat(source).catch(() => undefined)]);
  const l = await lstat(target).catch(() => undefined);
  return t !== undefined && s !== undefined && l?.isDirectory() === true && t.dev === s.dev && t.ino === s.ino;
}

const under = (parent: string, p: string) => {
  const rel = relative(parent, p);
  return rel !== "" && !rel.startsWith("..");
};

/**
 * Makes the requested folders real folders of the app for the build tools, and returns how to
 * put the app back as it was (the image's state) afterwards. `env` is the build env (where
 * PAKETO_BUILD_MOUNTS is); `appDir` bounds what may be touched.
 */
export async function useBuildTree(appDir: string, env: Env, logger: Logger): Promise<{ release(): Promise<void> }> {
  const mounts = buildMounts(env).filter((m) => under(appDir, m.target));
  const undo: Array<() => Promise<void>> = [];
  const copies: Mount[] = [];
  for (const m of mounts) {
    if (await mounted(m.target, m.source)) continue;
    const inCopy = copies.find((c) => under(c.target, m.target));
    if (inCopy !== undefined) {
      // A cache folder inside the copy: a symlink to its layer, so what tools cache is kept.
      await rm(m.target, { recursive: true, force: true });
      await symlink(m.source, m.target);
      continue;
    }
    const st = await lstat(m.target).catch(() => undefined);
    if (st !== undefined && !st.isSymbolicLink()) continue; // the app's own folder: leave it
    const link = st === undefined ? undefined : await readlink(m.target);
    const started = Date.now();
    if (link !== undefined) await rm(m.target);
    const r = await runTool(["cp", "-a", m.source, m.target], { cwd: appDir, env });
    if (r.code !== 0) {
      await rm(m.target, { recursive: true, force: true });
      if (link !== undefined) await symlink(link, m.target);
      throw new NodeError("NODE_TOOL", `copying ${m.source} to ${m.target} ${exitText(r)}: ${lastLines(r.output, 3).join(" / ")}`);
    }
    logger.process(`Copied ${m.source} to ${m.target} for the build (${((Date.now() - started) / 1000).toFixed(1)}s): this platform does not mount it there`);
    copies.push(m);
    undo.push(async () => {
      await rm(m.target, { recursive: true, force: true });
      if (link !== undefined) await symlink(link, m.target);
    });
  }
  return {
    release: async () => {
      for (const u of undo.reverse()) await u();
    },
  };
}

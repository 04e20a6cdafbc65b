// The builder's launcher, compiled with the build image's own compiler (docs/architecture.md D6): gcc
// and the static glibc of the build image, run under bubblewrap in its root filesystem (the same
// extraction builds on that stack use). A binary is kept per (build image, sources, flags), so a
// second builder on the same stack compiles nothing and extracts nothing.
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { CacheLayout } from "../../deps/index.js";
import { writeFileAtomic, writeFileAtomicWith } from "../../fs/index.js";
import { buildLauncher, LAUNCHER_CFLAGS, launcherSource } from "../../launcher/index.js";
import { digestHex, type Image, type Platform, remote } from "../../oci/index.js";
import { bwrapArgs, checkBwrap, checkEmulation, prepareRootfs } from "../../sandbox/index.js";
import { DistributionError } from "./errors.js";

export interface CompiledLauncher {
  path: string;
  /** "gcc (Debian 14.2.0-19) 14.2.0 in the build image", or "host cc" when no sandbox is possible. */
  compiler: string;
  cached: boolean;
}

export interface CompileLauncherOptions {
  /** Machine-wide cache root: `rootfs/` (shared with builds) and `launcher/`. */
  cache: CacheLayout;
  /** Marks a cache path as in use by this process (its CacheLease's `use`), before it is looked at. */
  use?: (path: string) => Promise<void>;
  /** Where the binary is written. */
  outDir: string;
  /** Told when the host compiler has to be used instead. */
  note?: (line: string) => void;
}

/** Every .c and .h file of the launcher's sources, sorted. */
async function sourceFiles(): Promise<string[]> {
  const dir = launcherSource().dir;
  return (await readdir(dir)).filter((n) => n.endsWith(".c") || n.endsWith(".h")).sort().map((n) => join(dir, n));
}

async function sourceKey(buildDigest: string): Promise<string> {
  const h = createHash("sha256").update(JSON.stringify({ format: 1, buildDigest, flags: LAUNCHER_CFLAGS }));
  for (const f of await sourceFiles()) h.update(`\0${basename(f)}\0`).update(await readFile(f));
  return h.digest("hex");
}

/**
 * Compiles (or finds) the launcher for a build image: this machine's platform, or another whose
 * programs run here under user-mode emulation (the build image's own gcc, emulated).
 */
export async function compileLauncher(build: { name: string; image: Image; platform: Platform }, o: CompileLauncherOptions): Promise<CompiledLauncher> {
  const host = remote.defaultPlatform();
  if (build.platform.os !== host.os) {
    throw new DistributionError("DIST_USAGE", `the build image ${build.name} is ${build.platform.os}/${build.platform.architecture}, but this machine runs ${host.os}/${host.architecture}`, {
      hint: "pass --launcher FILE with a static launcher built for the build image's platform",
    });
  }
  const foreign = build.platform.architecture !== host.architecture;
  if (foreign) await checkEmulation(build.platform.architecture);
  const out = join(o.outDir, "launcher");
  await mkdir(o.outDir, { recursive: true });
  const digest = await build.image.digest();
  await o.use?.(o.cache.launcher);
  const kept = join(o.cache.launcherByBuildImage, await sourceKey(digest));
  if (await readFile(`${kept}.compiler`, "utf8").then(() => true, () => false)) {
    await copyFile(kept, out);
    return { path: out, compiler: (await readFile(`${kept}.compiler`, "utf8")).trim(), cached: true };
  }
  const hostCc = async (why: string): Promise<CompiledLauncher> => {
    if (foreign) throw new DistributionError("DIST_USAGE", `cannot compile the launcher for ${build.name} (${build.platform.architecture}): ${why}`, { hint: "pass --launcher FILE with a static launcher built for the build image's platform" });
    o.note?.(`${why}; compiling the launcher with this machine's cc`);
    const built = await buildLauncher({ cc: ["cc"], outDir: o.outDir, cacheDir: o.cache.launcher });
    return { path: built.path, compiler: `host ${built.compiler}`, cached: built.cached };
  };
  try {
    await checkBwrap();
  } catch (e) {
    return hostCc(`cannot sandbox the build image's compiler (${(e as Error).message})`);
  }
  const rootfs = await prepareRootfs(build.image, { cacheDir: o.cache.rootfs, ...(o.use ? { use: o.use } : {}) });
  if (!(await stat(join(rootfs, "usr/bin/gcc")).then(() => true, () => false))) return hostCc(`the build image ${build.name} has no gcc`);
  // Inside the sandbox the sources and output must be at their host paths: a folder under /tmp,
  // which is a fresh tmpfs there, so bubblewrap can create the mount point.
  const work = await mkdtemp("/tmp/paketo-launcher-");
  try {
    const src = launcherSource();
    await mkdir(join(work, "src"));
    for (const f of await sourceFiles()) await copyFile(f, join(work, "src", basename(f)));
    const cc = [
      "bwrap",
      ...bwrapArgs({
        rootfs,
        binds: [{ source: work, target: work }],
        uid: 0,
        gid: 0,
        cwd: work,
        env: { PATH: "/usr/local/bin:/usr/bin:/bin", LC_ALL: "C" },
        network: "off",
        argv: ["gcc"],
      }),
    ];
    const built = await buildLauncher({
      cc,
      outDir: join(work, "out"),
      source: { dir: join(work, "src"), files: src.files.map((f) => join(work, "src", basename(f))) },
      identity: digest,
    });
    const compiler = `${built.compiler} in the build image ${digestHex(digest).slice(0, 12)}`;
    await mkdir(o.cache.launcherByBuildImage, { recursive: true });
    await writeFileAtomicWith(kept, (tmp) => copyFile(built.path, tmp));
    await writeFileAtomic(`${kept}.compiler`, `${compiler}\n`);
    await copyFile(built.path, out);
    return { path: out, compiler, cached: false };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

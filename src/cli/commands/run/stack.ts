// `paketo stack`: the work, loaded only when the command runs (the spec is ../stack.ts).
import { cacheLayout, type debian, openLease, paketoCacheRoot } from "../../../deps/index.js";
import { type Image, mutate, parsePlatformList, transport } from "../../../oci/index.js";
import { checkEmulation } from "../../../sandbox/index.js";
import { type CreatedStack, type FlavorName, FLAVORS, createStack, debianArch, defaultDestination, defaultLockPath, defaultStackFile, flavorDestination, loadStackFile, StackError, writeLockFile } from "../../../stack/index.js";
import { transportOptions } from "../../context.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values, [sub, dest]: string[]): Promise<number | void> {
  if (sub !== "create") throw new StackError("STACK_FILE", `unknown stack command ${JSON.stringify(sub)}`, { hint: "paketo stack create [DEST]" });
  const flavor = v.flavor as string | undefined;
  if (flavor !== undefined && !(FLAVORS as readonly string[]).includes(flavor)) {
    throw new StackError("STACK_FILE", `--flavor must be one of ${FLAVORS.join(", ")}, not ${JSON.stringify(flavor)}`);
  }
  const stackFile = (v.stack as string | undefined) ?? defaultStackFile();
  const def = await loadStackFile(stackFile);
  const lockPath = (v.lock as string | undefined) ?? defaultLockPath(stackFile);
  const mirror = v.mirror as string | undefined;
  const securityMirror = v["security-mirror"] as string | undefined;
  const mirrors = mirror || securityMirror ? mirrorsOf(mirror, securityMirror) : undefined;
  const started = Date.now();
  // --platform: every image an index of one image per platform; --arch (or neither): one image.
  const platforms = v.platform === undefined ? undefined : parsePlatformList(v.platform as string);
  if (platforms && v.arch !== undefined) throw new StackError("STACK_FILE", "--arch and --platform both name the architecture", { hint: "pass --platform linux/ARCH[,linux/ARCH] alone" });
  const foreignOs = platforms?.find((p) => p.os !== "linux" || p.variant);
  if (foreignOs) throw new StackError("STACK_FILE", `--platform: the stack ${def.name} makes linux images, one per architecture, not ${foreignOs.os}/${foreignOs.architecture}${foreignOs.variant ? `/${foreignOs.variant}` : ""}`);
  const archs = platforms ? platforms.map((p) => p.architecture) : [(v.arch as string | undefined) ?? debianArch(process.arch)];
  const cache = cacheLayout(paketoCacheRoot(ctx.env));
  const sde = ctx.env.SOURCE_DATE_EPOCH;
  // The .debs and stack layers are used until the images are written: leased whole, so no prune
  // removes them meanwhile (the images' layers are files in the stack cache).
  const lease = await openLease(cache, "stack create");
  const created = new Map<string, CreatedStack>();
  try {
    await lease.use(cache.debian);
    await lease.use(cache.stackLayers);
    for (const arch of archs) {
      // The build image's ldconfig runs for another architecture only under user-mode emulation;
      // without it the image has no ld.so cache (and another digest than one made where it runs).
      const ldconfig = await checkEmulation(arch).then(
        () => true,
        (e: Error) => {
          ctx.reporter.info(`warning: ${arch} build image without an ld.so cache: ${e.message}`);
          return false;
        },
      );
      created.set(
        arch,
        await createStack({
          def,
          lockPath,
          arch,
          ldconfig,
          ...(flavor ? { flavors: [flavor as FlavorName] } : {}),
          update: v.update === true,
          ...(mirrors ? { mirrors } : {}),
          http: { fetch },
          debCacheDir: cache.debian,
          layerCacheDir: cache.stackLayers,
          ...(sde ? { sourceDateEpoch: Number(sde) } : {}),
          onProgress: (e) => ctx.reporter.progress(e),
          signal: ctx.signal,
        }),
      );
    }
    // DEST names the one image of --flavor exactly; otherwise (and by default) the flavors are tags on it
    const target = transport.parseImageName(dest ?? defaultDestination(def));
    const opts = transportOptions(ctx, v, "dest");
    for (const f of flavor ? [flavor as FlavorName] : FLAVORS) {
      const images = archs.map((arch) => ({ arch, image: created.get(arch)?.images[f] })).filter((x): x is { arch: string; image: Image } => x.image !== undefined);
      if (images.length === 0) continue;
      const name = flavor && dest ? target : flavorDestination(target, f);
      const artifact = platforms
        ? ({ kind: "index", index: await mutate.imageIndexOf(images.map(({ arch, image }) => ({ image, platform: { os: "linux", architecture: arch } }))) } as const)
        : ({ kind: "image", image: images[0]!.image } as const);
      const { digest } = await transport.write(name, artifact, opts);
      ctx.stdout.write(`${digest}  ${transport.formatImageName(name)}\n`);
    }
  } finally {
    await lease.release();
  }
  // One lock for every architecture: each resolution rewrote only its own section.
  const resolved = [...created.entries()].filter(([, c]) => c.resolved);
  if (resolved.length > 0) {
    const lock = resolved[resolved.length - 1]![1].lock;
    for (const [arch, c] of resolved) lock.architectures[arch] = c.lock.architectures[arch]!;
    await writeLockFile(lockPath, lock);
    ctx.reporter.info(`wrote ${lockPath}`);
  }
  for (const [arch, c] of created) {
    const w = c.work;
    ctx.reporter.info(`stack ${def.name} (${arch}): ${w.built.length} layer(s) built, ${w.reused.length} reused, ${w.downloaded} package(s) downloaded`);
  }
  ctx.reporter.info(`stack ${def.name}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function mirrorsOf(archive: string | undefined, security: string | undefined): debian.Mirrors {
  const a = (archive ?? security) as string;
  return { archive: a.replace(/\/+$/, ""), security: (security ?? a).replace(/\/+$/, "") };
}

// `paketo stack`: the work, loaded only when the command runs (the spec is ../stack.ts).
import { cacheLayout, type debian, paketoCacheRoot } from "../../../deps/index.js";
import { transport } from "../../../oci/index.js";
import { type FlavorName, FLAVORS, createStack, debianArch, defaultDestination, defaultLockPath, defaultStackFile, flavorDestination, loadStackFile, StackError, writeLockFile } from "../../../stack/index.js";
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
  const cache = cacheLayout(paketoCacheRoot(ctx.env));
  const sde = ctx.env.SOURCE_DATE_EPOCH;
  const started = Date.now();
  const created = await createStack({
    def,
    lockPath,
    arch: (v.arch as string | undefined) ?? debianArch(process.arch),
    ...(flavor ? { flavors: [flavor as FlavorName] } : {}),
    update: v.update === true,
    ...(mirrors ? { mirrors } : {}),
    http: { fetch },
    debCacheDir: cache.debian,
    layerCacheDir: cache.stackLayers,
    ...(sde ? { sourceDateEpoch: Number(sde) } : {}),
    onProgress: (e) => ctx.reporter.progress(e),
    signal: ctx.signal,
  });
  // DEST names the one image of --flavor exactly; otherwise (and by default) the flavors are tags on it
  const target = transport.parseImageName(dest ?? defaultDestination(def));
  const opts = transportOptions(ctx, v, "dest");
  for (const f of flavor ? [flavor as FlavorName] : FLAVORS) {
    const image = created.images[f];
    if (!image) continue;
    const name = flavor && dest ? target : flavorDestination(target, f);
    const { digest } = await transport.write(name, { kind: "image", image }, opts);
    ctx.stdout.write(`${digest}  ${transport.formatImageName(name)}\n`);
  }
  if (created.resolved) {
    await writeLockFile(lockPath, created.lock);
    ctx.reporter.info(`wrote ${lockPath}`);
  }
  const w = created.work;
  ctx.reporter.info(
    `stack ${def.name}: ${w.built.length} layer(s) built, ${w.reused.length} reused, ${w.downloaded} package(s) downloaded in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

function mirrorsOf(archive: string | undefined, security: string | undefined): debian.Mirrors {
  const a = (archive ?? security) as string;
  return { archive: a.replace(/\/+$/, ""), security: (security ?? a).replace(/\/+$/, "") };
}

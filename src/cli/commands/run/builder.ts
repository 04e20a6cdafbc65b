// `paketo builder`: the work, loaded only when the command runs (the spec is ../builder.ts).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { compileLauncher, createBuilder, DistributionError, parsePullPolicy } from "../../../platform/index.js";
import { transportOptions } from "../../context.js";
import { cacheLayout, paketoCacheRoot } from "../../../deps/index.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values, [sub, dest]: string[]): Promise<number | void> {
  if (sub !== "create") {
    throw new DistributionError("DIST_USAGE", `unknown builder command ${JSON.stringify(sub)}`, { hint: "paketo builder create DEST --config builder.toml" });
  }
  const config = v.config as string | undefined;
  if (config === undefined) throw new DistributionError("DIST_USAGE", "--config builder.toml is required", { hint: "paketo builder create DEST --config builder.toml" });
  const launcher = v.launcher as string | undefined;
  const sde = ctx.env.SOURCE_DATE_EPOCH;
  const workDir = await mkdtemp(join(tmpdir(), "paketo-builder-"));
  try {
    const r = await createBuilder({
      config: resolve(ctx.cwd, config),
      dest: dest as string,
      launcher:
        launcher !== undefined
          ? resolve(ctx.cwd, launcher)
          : async (build) => {
              const built = await compileLauncher(build, {
                cache: cacheLayout(paketoCacheRoot(ctx.env)),
                outDir: join(workDir, "launcher"),
                note: (line) => ctx.reporter.info(line),
              });
              ctx.reporter.info(`Launcher ${built.cached ? "from cache" : "compiled"}: ${built.compiler}`);
              return built.path;
            },
      images: {
        ...transportOptions(ctx, v, "src"),
        ...(typeof v["pull-policy"] === "string" ? { pullPolicy: parsePullPolicy(v["pull-policy"]) } : {}),
      },
      output: transportOptions(ctx, v, "dest"),
      workDir,
      ...(sde ? { sourceDateEpoch: Number(sde) } : {}),
      onMessage: (line) => ctx.reporter.info(line),
      signal: ctx.signal,
    });
    ctx.reporter.info(`Created builder ${r.destination} with ${r.builder.buildpacks.length} buildpack(s) and ${r.builder.order.length} order group(s)`);
    ctx.stdout.write(`${r.digest}\n`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

// `paketo buildpack`: the work, loaded only when the command runs (the spec is ../buildpack.ts).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DistributionError, packageBuildpack, parsePullPolicy } from "../../../platform/index.js";
import { transportOptions } from "../../context.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values, [sub, dest]: string[]): Promise<number | void> {
  if (sub !== "package") {
    throw new DistributionError("DIST_USAGE", `unknown buildpack command ${JSON.stringify(sub)}`, { hint: "paketo buildpack package DEST --path DIR" });
  }
  const format = (v.format as string | undefined) ?? "image";
  if (format !== "image" && format !== "file") throw new DistributionError("DIST_USAGE", `--format must be image or file, not ${JSON.stringify(format)}`);
  const path = v.path as string | undefined;
  const config = v.config as string | undefined;
  const sde = ctx.env.SOURCE_DATE_EPOCH;
  const workDir = await mkdtemp(join(tmpdir(), "paketo-package-"));
  try {
    const r = await packageBuildpack({
      ...(path !== undefined ? { path: resolve(ctx.cwd, path) } : {}),
      ...(config !== undefined ? { config: resolve(ctx.cwd, config) } : {}),
      dest: format === "file" ? resolve(ctx.cwd, dest as string) : (dest as string),
      format,
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
    ctx.reporter.info(`Packaged ${r.buildpackage.buildpacks.length} buildpack(s) for ${r.platforms.join(", ")} to ${r.destination}`);
    ctx.stdout.write(`${r.digest}\n`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

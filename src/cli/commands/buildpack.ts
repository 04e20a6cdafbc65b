import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DistributionError, packageBuildpack, parsePullPolicy } from "../../platform/index.js";
import { type Command, imageOptions } from "../command.js";
import { transportOptions } from "../context.js";

export const command: Command = {
  name: "buildpack",
  summary:
    "Package a buildpack (a folder or .tgz with buildpack.toml, or package.toml naming one and a composite's " +
    "dependencies) into a buildpackage image, reproducibly. DEST is any image name; with --format file, a .cnb " +
    "file path. Prints the manifest digest.",
  usage:
    "paketo buildpack package DEST [--path DIR|TGZ] [--config package.toml] [--format image|file] " +
    "[--pull-policy always|if-not-present|never] [--creds USER:PASS] [--insecure-registry HOST]...",
  options: {
    ...imageOptions,
    path: { type: "string" },
    config: { type: "string" },
    format: { type: "string" },
    "pull-policy": { type: "string" },
  },
  args: [2, 2],
  async run(ctx, v, [sub, dest]) {
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
  },
};

// `paketo sbom`: the work, loaded only when the command runs (the spec is ../sbom.ts).
import { resolve } from "node:path";
import { formatPlatform, remote, transport } from "../../../oci/index.js";
import { DistributionError, downloadSbom, writeImageSbom } from "../../../platform/index.js";
import { transportOptions } from "../../context.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values, [sub, name]: string[]): Promise<number | void> {
  if (sub !== "download") {
    throw new DistributionError("DIST_USAGE", `unknown sbom command ${JSON.stringify(sub)}`, { hint: "paketo sbom download IMAGE --output-dir DIR" });
  }
  const outputDir = resolve(ctx.cwd, (v["output-dir"] as string | undefined) ?? ".");
  const a = await transport.read(transport.parseImageName(name as string), transportOptions(ctx, v, "src"));
  // An index: the image for this machine's platform, as a run would pick it.
  const image = a.kind === "image" ? a.image : await remote.selectPlatform(a.index, remote.defaultPlatform(), name as string);
  if (!image) {
    throw new DistributionError("DIST_USAGE", `${name} is an image index with no image for ${formatPlatform(remote.defaultPlatform())}`, {
      hint: "name one image of it by digest",
    });
  }
  const r = await downloadSbom(image, outputDir, { name: name as string });
  ctx.reporter.info(`Wrote the SBOM of ${name} (layer ${r.layer.slice(0, 19)}${r.foundBy === "scan" ? ", found by scanning" : ""}) to ${outputDir}`);
  for (const f of r.files) ctx.stdout.write(`${f}\n`);
  const merged = await writeImageSbom(image, outputDir, r.files, { name: name as string });
  for (const f of merged.skipped) ctx.reporter.info(`warning: ${f} is not CycloneDX JSON paketo can read; it is left out of the image SBOM`);
  ctx.reporter.info(`Image SBOM (buildpacks' and the run image's components merged, ${merged.components} components): ${merged.files.join(", ")}`);
  for (const f of merged.files) ctx.stdout.write(`${f}\n`);
}

// `paketo rebase`: the work, loaded only when the command runs (the spec is ../rebase.ts).
import { createBuildLog, rebase } from "../../../lifecycle/index.js";
import { transport } from "../../../oci/index.js";
import { PLATFORM_API } from "../../../platform/index.js";
import { transportOptions } from "../../context.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values, [image]: string[]): Promise<number | void> {
  const log = createBuildLog({ sink: (s) => ctx.stderr.write(s) });
  // On the command line a bare name is the local store, as everywhere in the CLI (in labels it
  // would mean a registry): say so explicitly for the lifecycle.
  const given = v["run-image"] as string | undefined;
  const runImage = given === undefined ? undefined : transport.formatCnbImageName(transport.parseImageName(given));
  const r = await rebase({
    appImage: image as string,
    ...(runImage !== undefined ? { runImage } : {}),
    ...(v.force === true ? { force: true } : {}),
    platformApi: PLATFORM_API,
    transport: { ...transportOptions(ctx, v), signal: ctx.signal },
  }, { log });
  const run = r.metadata.runImage;
  ctx.reporter.info(`Rebased ${image} onto ${run?.reference || run?.image || "the new run image"}`);
  ctx.stdout.write(`${r.report.image.digest ?? (await r.image.digest())}\n`);
}

import { createBuildLog, rebase } from "../../lifecycle/index.js";
import { transport } from "../../oci/index.js";
import { PLATFORM_API } from "../../platform/index.js";
import { type Command, imageOptions } from "../command.js";
import { transportOptions } from "../context.js";

export const command: Command = {
  name: "rebase",
  summary:
    "Move an app image onto a new run image by rewriting its config and manifest only (CNB-54), and write it back " +
    "to the same name. The run image defaults to the one the image's lifecycle metadata names, read again from " +
    "its source. Prints the new manifest digest.",
  usage: "paketo rebase IMAGE [--run-image REF] [--force] [--creds USER:PASS] [--insecure-registry HOST]...",
  options: { ...imageOptions, "run-image": { type: "string" }, force: { type: "boolean" } },
  args: [1, 1],
  async run(ctx, v, [image]) {
    const log = createBuildLog({ sink: (s) => ctx.reporter.write(s) });
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
  },
};

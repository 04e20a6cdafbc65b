import { OciError, transport } from "../../oci/index.js";
import { type Command, imageOptions } from "../command.js";
import { transportOptions } from "../context.js";

export const command: Command = {
  name: "copy",
  summary: "Copy an image (or index) between any two transports. Prints the manifest digest.",
  usage: "paketo copy SRC DEST [--format oci|docker] [--creds USER:PASS] [--insecure-registry HOST]...",
  options: { ...imageOptions, format: { type: "string" } },
  args: [2, 2],
  async run(ctx, v, [src, dest]) {
    const from = transport.parseImageName(src as string);
    const to = transport.parseImageName(dest as string);
    const format = v.format as string | undefined;
    if (format !== undefined && format !== "oci" && format !== "docker") {
      throw new OciError("OCI_TRANSPORT", `--format must be oci or docker, not ${JSON.stringify(format)}`);
    }
    const artifact = await transport.read(from, transportOptions(ctx, v, "src"));
    const { digest } = await transport.write(to, artifact, {
      ...transportOptions(ctx, v, "dest"),
      ...(format ? { format } : {}),
    });
    ctx.reporter.info(`Copied ${src} to ${dest}`);
    ctx.stdout.write(`${digest}\n`);
  },
};

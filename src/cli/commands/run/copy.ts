// `paketo copy`: the work, loaded only when the command runs (the spec is ../copy.ts).
import { OciError, transport } from "../../../oci/index.js";
import { transportOptions } from "../../context.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values, [src, dest]: string[]): Promise<number | void> {
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
}

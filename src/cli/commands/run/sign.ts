// `paketo sign`: the work, loaded only when the command runs (the spec is ../sign.ts).
import { transport } from "../../../oci/index.js";
import { SignError, signImage } from "../../../sign/index.js";
import { transportOptions } from "../../context.js";
import { signingKey } from "../../keys.js";
import type { CliContext, Values } from "../../command.js";

export function parseAnnotations(list: string[] | undefined): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  const out: Record<string, string> = {};
  for (const a of list) {
    const i = a.indexOf("=");
    if (i <= 0) throw new SignError("SIGN_FORMAT", `-a ${JSON.stringify(a)}: write it as KEY=VALUE`);
    out[a.slice(0, i)] = a.slice(i + 1);
  }
  return out;
}

export async function run(ctx: CliContext, v: Values, [name]: string[]): Promise<number | void> {
  const key = await signingKey(ctx, v, "paketo sign");
  const r = await signImage(transport.parseImageName(name as string), key, transportOptions(ctx, v), parseAnnotations(v.annotation as string[] | undefined));
  ctx.reporter.info(`${r.written ? "Signed" : "Already signed with this key:"} ${name} (${r.subject.digest}); signature stored as ${r.tag}`);
  ctx.stdout.write(`${r.tag}\n`);
}

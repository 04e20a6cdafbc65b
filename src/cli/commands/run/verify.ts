// `paketo verify`: the work, loaded only when the command runs (the spec is ../verify.ts).
import { transport } from "../../../oci/index.js";
import { PredicateType, verifyImage } from "../../../sign/index.js";
import { transportOptions } from "../../context.js";
import { verifyingKey } from "../../keys.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values, [name]: string[]): Promise<number | void> {
  const key = await verifyingKey(ctx, v, "paketo verify");
  const require = ((v.attestation as string[] | undefined) ?? []).map((t) => (PredicateType as Record<string, string>)[t] ?? t);
  const r = await verifyImage(transport.parseImageName(name as string), key, transportOptions(ctx, v), { require });
  if (v.json === true) {
    const out = { image: name, digest: r.subject.digest, signatures: r.signatures, attestations: r.attestations.map((a) => a.predicateType) };
    ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  ctx.stdout.write(`Verified ${name} (${r.subject.digest}): ${r.signatures} signature${r.signatures === 1 ? "" : "s"}\n`);
  for (const a of r.attestations) ctx.stdout.write(`  attestation ${a.predicateType}\n`);
}

// `paketo prune`: the work, loaded only when the command runs (the spec is ../prune.ts).
import { store, transport } from "../../../oci/index.js";
import { humanBytes } from "../../reporter.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values): Promise<void> {
  const root = typeof v.store === "string" ? v.store : transport.defaultStoreRoot(ctx.env);
  const r = await (await store.openStore(root)).prune();
  if (v.json) ctx.stdout.write(`${JSON.stringify(r)}\n`);
  else ctx.stdout.write(`Removed ${r.removedBlobs} blobs, freed ${humanBytes(r.freedBytes)}\n`);
}

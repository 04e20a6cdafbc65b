// `paketo rmi`: the work, loaded only when the command runs (the spec is ../rmi.ts).
import { store, transport } from "../../../oci/index.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values, names: string[]): Promise<number | void> {
  const root = typeof v.store === "string" ? v.store : transport.defaultStoreRoot(ctx.env);
  const s = await store.openStore(root);
  for (const n of names) {
    await s.remove(n);
    ctx.stdout.write(`Untagged ${n}\n`);
  }
}

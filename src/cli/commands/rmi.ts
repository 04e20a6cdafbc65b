import { store, transport } from "../../oci/index.js";
import type { Command } from "../command.js";

export const command: Command = {
  name: "rmi",
  summary: "Remove image names from the local store (blobs are freed by `paketo prune`).",
  usage: "paketo rmi NAME... [--store DIR]",
  options: { store: { type: "string" } },
  args: [1, Infinity],
  async run(ctx, v, names) {
    const root = typeof v.store === "string" ? v.store : transport.defaultStoreRoot(ctx.env);
    const s = await store.openStore(root);
    for (const n of names) {
      await s.remove(n);
      ctx.stdout.write(`Untagged ${n}\n`);
    }
  },
};

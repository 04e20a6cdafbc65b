import { store, transport } from "../../oci/index.js";
import type { Command } from "../command.js";
import { humanBytes } from "../reporter.js";

export const command: Command = {
  name: "prune",
  summary: "Delete blobs no image in the local store refers to, and leftovers of interrupted writes.",
  usage: "paketo prune [--json] [--store DIR]",
  options: { json: { type: "boolean" }, store: { type: "string" } },
  args: [0, 0],
  async run(ctx, v) {
    const root = typeof v.store === "string" ? v.store : transport.defaultStoreRoot(ctx.env);
    const r = await (await store.openStore(root)).prune();
    if (v.json) ctx.stdout.write(`${JSON.stringify(r)}\n`);
    else ctx.stdout.write(`Removed ${r.removedBlobs} blobs, freed ${humanBytes(r.freedBytes)}\n`);
  },
};

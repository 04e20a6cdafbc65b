import { cacheLayout, paketoCacheRoot } from "../../deps/index.js";
import { store, transport } from "../../oci/index.js";
import { sweepWorkDirs } from "../../platform/index.js";
import type { Command } from "../command.js";
import { humanBytes } from "../reporter.js";

export const command: Command = {
  name: "prune",
  summary: "Delete blobs no image in the local store refers to, leftovers of interrupted writes, and the work folders of builds that were killed.",
  usage: "paketo prune [--json] [--store DIR]",
  options: { json: { type: "boolean" }, store: { type: "string" } },
  args: [0, 0],
  async run(ctx, v) {
    const root = typeof v.store === "string" ? v.store : transport.defaultStoreRoot(ctx.env);
    const r = await (await store.openStore(root)).prune();
    // A killed build's folder holds its env and binding secrets; running builds' are left alone.
    const removedWorkDirs = await sweepWorkDirs(cacheLayout(paketoCacheRoot(ctx.env)).work);
    if (v.json) ctx.stdout.write(`${JSON.stringify({ ...r, removedWorkDirs })}\n`);
    else ctx.stdout.write(`Removed ${r.removedBlobs} blobs, freed ${humanBytes(r.freedBytes)}; removed ${removedWorkDirs} work folders of builds that were killed\n`);
  },
};

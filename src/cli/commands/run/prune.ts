// `paketo prune`: the work, loaded only when the command runs (the spec is ../prune.ts).
import { cacheLayout, paketoCacheRoot } from "../../../deps/index.js";
import { store, transport } from "../../../oci/index.js";
import { sweepWorkDirs } from "../../../platform/index.js";
import { humanBytes } from "../../reporter.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values): Promise<void> {
  const root = typeof v.store === "string" ? v.store : transport.defaultStoreRoot(ctx.env);
  const r = await (await store.openStore(root)).prune();
  // A killed build's folder holds its env and binding secrets; running builds' are left alone.
  const removedWorkDirs = await sweepWorkDirs(cacheLayout(paketoCacheRoot(ctx.env)).work);
  if (v.json) ctx.stdout.write(`${JSON.stringify({ ...r, removedWorkDirs })}\n`);
  else ctx.stdout.write(`Removed ${r.removedBlobs} blobs, freed ${humanBytes(r.freedBytes)}; removed ${removedWorkDirs} work folders of builds that were killed\n`);
}

// `paketo images`: the work, loaded only when the command runs (the spec is ../images.ts).
import { store, transport } from "../../../oci/index.js";
import { humanBytes } from "../../reporter.js";
import type { CliContext, Values } from "../../command.js";

export async function run(ctx: CliContext, v: Values): Promise<void> {
  const root = typeof v.store === "string" ? v.store : transport.defaultStoreRoot(ctx.env);
  const images = await (await store.openStore(root)).list();
  if (v.json) {
    ctx.stdout.write(`${JSON.stringify(images, null, 2)}\n`);
    return;
  }
  const rows = [["NAME", "DIGEST", "CREATED", "SIZE"]];
  for (const i of images) {
    rows.push([i.name, i.digest.slice(0, 19), i.created ?? "", humanBytes(i.size)]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  for (const r of rows) ctx.stdout.write(`${r.map((x, c) => x.padEnd(widths[c] ?? 0)).join("  ").trimEnd()}\n`);
}

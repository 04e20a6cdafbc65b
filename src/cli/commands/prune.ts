import type { Command } from "../command.js";

export const command: Command = {
  name: "prune",
  summary: "Delete blobs no image in the local store refers to, leftovers of interrupted writes, and the work folders of builds that were killed.",
  usage: "paketo prune [--json] [--store DIR]",
  options: { json: { type: "boolean" }, store: { type: "string" } },
  args: [0, 0],
  run: async (ctx, v) => (await import("./run/prune.js")).run(ctx, v),
};

import type { Command } from "../command.js";

export const command: Command = {
  name: "images",
  summary: "List the images in the local store.",
  usage: "paketo images [--json] [--store DIR]",
  options: { json: { type: "boolean" }, store: { type: "string" } },
  args: [0, 0],
  run: async (ctx, v) => (await import("./run/images.js")).run(ctx, v),
};

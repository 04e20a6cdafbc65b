import type { Command } from "../command.js";

export const command: Command = {
  name: "rmi",
  summary: "Remove image names from the local store (blobs are freed by `paketo prune`).",
  usage: "paketo rmi NAME... [--store DIR]",
  options: { store: { type: "string" } },
  args: [1, Infinity],
  run: async (ctx, v, args) => (await import("./run/rmi.js")).run(ctx, v, args),
};

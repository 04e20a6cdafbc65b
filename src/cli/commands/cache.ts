import type { Command } from "../command.js";

export const command: Command = {
  name: "cache",
  summary:
    "Show what the machine-wide cache holds (du) or free space in it (prune). prune removes what killed processes left, " +
    "then whole entries least recently used first until the cache is within --max-size (default: its budget, PAKETO_CACHE_MAX), " +
    "those unused for --older-than, or all with --all; never what a running build uses.",
  usage: "paketo cache du [--json] | paketo cache prune [--all] [--max-size SIZE] [--older-than DURATION] [--json]",
  options: { json: { type: "boolean" }, all: { type: "boolean" }, "max-size": { type: "string" }, "older-than": { type: "string" } },
  args: [1, 1],
  run: async (ctx, v, args) => (await import("./run/cache.js")).run(ctx, v, args),
};

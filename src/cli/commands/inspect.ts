import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "inspect",
  summary:
    "Show an image's manifest, config and layers (or an index's manifests); for CNB app images also the buildpacks, " +
    "processes, run image, base image and launcher (under `cnb` with --json).",
  usage: "paketo inspect IMAGE [--json] [--raw manifest|config]",
  options: { ...imageOptions, json: { type: "boolean" }, raw: { type: "string" } },
  args: [1, 1],
  run: async (ctx, v, args) => (await import("./run/inspect.js")).run(ctx, v, args),
};

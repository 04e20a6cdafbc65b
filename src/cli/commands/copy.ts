import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "copy",
  summary: "Copy an image (or index) between any two transports. Prints the manifest digest.",
  usage: "paketo copy SRC DEST [--format oci|docker] [--creds USER:PASS] [--insecure-registry HOST]...",
  options: { ...imageOptions, format: { type: "string" } },
  args: [2, 2],
  run: async (ctx, v, args) => (await import("./run/copy.js")).run(ctx, v, args),
};

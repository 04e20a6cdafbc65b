import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "stack",
  summary:
    "Create the stack's images (build, run, run-tiny) from Debian packages, reproducibly and without root. " +
    "Without --flavor all three are written, tagged build, run and run-tiny on DEST (default paketo/<stack>); " +
    "with --flavor, DEST names the one image. " +
    "Prints each image's digest and name.",
  usage:
    "paketo stack create [--flavor build|base|tiny] [--stack FILE] [--lock FILE] [--update] [--mirror URL] " +
    "[--security-mirror URL] [--arch amd64|arm64] [DEST]",
  options: {
    ...imageOptions,
    flavor: { type: "string" },
    stack: { type: "string" },
    lock: { type: "string" },
    update: { type: "boolean" },
    mirror: { type: "string" },
    "security-mirror": { type: "string" },
    arch: { type: "string" },
  },
  args: [1, 2],
  run: async (ctx, v, args) => (await import("./run/stack.js")).run(ctx, v, args),
};

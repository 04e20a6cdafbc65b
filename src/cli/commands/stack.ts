import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "stack",
  summary:
    "Create the stack's images (build, run, run-tiny) from Debian packages, reproducibly and without root. " +
    "Without --flavor all three are written, tagged build, run and run-tiny on DEST (default paketo/<stack>); " +
    "with --flavor, DEST names the one image. " +
    "With --platform (linux/amd64,linux/arm64) each image is an OCI image index holding one image per platform. " +
    "Prints each image's digest and name.",
  usage:
    "paketo stack create [--flavor build|base|tiny] [--stack FILE] [--lock FILE] [--update] [--mirror URL] " +
    "[--security-mirror URL] [--arch amd64|arm64 | --platform linux/ARCH[,linux/ARCH]...] [DEST]",
  options: {
    ...imageOptions,
    flavor: { type: "string" },
    stack: { type: "string" },
    lock: { type: "string" },
    update: { type: "boolean" },
    mirror: { type: "string" },
    "security-mirror": { type: "string" },
    arch: { type: "string" },
    platform: { type: "string" },
  },
  args: [1, 2],
  run: async (ctx, v, args) => (await import("./run/stack.js")).run(ctx, v, args),
};

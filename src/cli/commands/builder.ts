import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "builder",
  summary:
    "Create a builder image from pack's builder.toml: the build image plus the buildpacks (folders, .tgz files " +
    "or buildpackage images), the order, the run images and paketo's launcher. Without --launcher the launcher " +
    "is compiled with this machine's C compiler ($CC, else cc), which must match the build image's architecture. " +
    "Prints the manifest digest.",
  usage:
    "paketo builder create DEST --config builder.toml [--launcher FILE] [--pull-policy always|if-not-present|never] " +
    "[--creds USER:PASS] [--insecure-registry HOST]...",
  options: {
    ...imageOptions,
    config: { type: "string" },
    launcher: { type: "string" },
    "pull-policy": { type: "string" },
  },
  args: [2, 2],
  run: async (ctx, v, args) => (await import("./run/builder.js")).run(ctx, v, args),
};

import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "buildpack",
  summary:
    "Package a buildpack (a folder or .tgz with buildpack.toml, or package.toml naming one and a composite's " +
    "dependencies) into a buildpackage image, reproducibly. DEST is any image name; with --format file, a .cnb " +
    "file path. Prints the manifest digest.",
  usage:
    "paketo buildpack package DEST [--path DIR|TGZ] [--config package.toml] [--format image|file] " +
    "[--pull-policy always|if-not-present|never] [--creds USER:PASS] [--insecure-registry HOST]...",
  options: {
    ...imageOptions,
    path: { type: "string" },
    config: { type: "string" },
    format: { type: "string" },
    "pull-policy": { type: "string" },
  },
  args: [2, 2],
  run: async (ctx, v, args) => (await import("./run/buildpack.js")).run(ctx, v, args),
};

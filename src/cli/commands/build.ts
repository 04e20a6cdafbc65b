import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "build",
  summary:
    "Build an image from application source with buildpacks; DEST in any transport (docker:// publishes). " +
    "--sign attests its SBOM and provenance and signs it as cosign does (docs/signing.md); --require-signed-builder refuses an unsigned builder or run image. " +
    "--platform builds for another platform; several platforms give one OCI image index.",
  usage:
    "paketo build DEST [--builder REF] [--path DIR] [--buildpack ID[@VERSION]|DIR|TGZ|IMAGE]... [--descriptor project.toml] " +
    "[--run-image REF] [--env K=V|K]... [--env-file F] [--binding NAME=DIR]... [--cache-dir DIR | --cache-image REF] [--clear-cache] [--settle] " +
    "[--platform linux/ARCH[,linux/ARCH]...] [--network on|off|host] [--sandbox bwrap|none] [--buildpack-host on|off] [--pull-policy always|if-not-present|never] [--timings] [--json] [--verbose] " +
    "[--sign --key cosign.key] [--require-signed-builder --key cosign.pub]",
  options: {
    ...imageOptions,
    path: { type: "string" },
    builder: { type: "string" },
    buildpack: { type: "string", multiple: true },
    descriptor: { type: "string" },
    binding: { type: "string", multiple: true },
    "pull-policy": { type: "string" },
    "run-image": { type: "string" },
    env: { type: "string", multiple: true },
    "env-file": { type: "string", multiple: true },
    network: { type: "string" },
    sandbox: { type: "string" },
    timings: { type: "boolean" },
    json: { type: "boolean" },
    "cache-dir": { type: "string" },
    "cache-image": { type: "string" },
    "clear-cache": { type: "boolean" },
    settle: { type: "boolean" },
    verbose: { type: "boolean" },
    "buildpack-host": { type: "string" },
    sign: { type: "boolean" },
    "require-signed-builder": { type: "boolean" },
    key: { type: "string" },
    platform: { type: "string" },
  },
  args: [1, 1],
  run: async (ctx, v, args) => (await import("./run/build.js")).run(ctx, v, args),
};

import { type Command, imageOptions } from "../command.js";

export const command: Command = {
  name: "sign",
  summary:
    "Sign an image in a registry (docker://) or an OCI layout (oci:DIR:TAG) with a key, as `cosign sign --key` does: " +
    "a simple-signing payload for the image's digest, stored as the sha256-<digest>.sig image beside it. The image itself is unchanged. " +
    "The key's password is read from COSIGN_PASSWORD. Prints the signature's tag.",
  usage: "paketo sign IMAGE --key cosign.key [-a KEY=VALUE]... [--creds USER:PASS] [--insecure-registry HOST]...",
  options: { ...imageOptions, key: { type: "string" }, annotation: { type: "string", short: "a", multiple: true } },
  args: [1, 1],
  run: async (ctx, v, args) => (await import("./run/sign.js")).run(ctx, v, args),
};

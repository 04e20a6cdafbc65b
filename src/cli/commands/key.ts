import type { Command } from "../command.js";

export const command: Command = {
  name: "key",
  summary:
    "Create a signing key pair as `cosign generate-key-pair` does: PREFIX.key (PKCS#8, encrypted with COSIGN_PASSWORD by scrypt " +
    "and NaCl secretbox) and PREFIX.pub (PEM). ECDSA P-256 by default, or Ed25519. Existing files are never overwritten.",
  usage: "paketo key generate [--output-prefix PREFIX] [--algorithm ecdsa-p256|ed25519]",
  options: { "output-prefix": { type: "string" }, algorithm: { type: "string" } },
  args: [1, 1],
  run: async (ctx, v, args) => (await import("./run/key.js")).run(ctx, v, args),
};
